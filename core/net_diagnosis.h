// Turns "Paho could not connect" into the reason a person can act on.
#pragma once

#include <string>

namespace mqtk {

// Probes host:port with a plain TCP connect (bounded by timeout_seconds) and returns
// why a broker connection failed, e.g. "connection refused", "cannot resolve host
// 'x': Name or service not known". Returns an empty string when TCP itself works,
// so the failure lies above it (TLS, WebSocket upgrade, no CONNACK).
std::string diagnose_tcp(const std::string& host, int port, double timeout_seconds);

}  // namespace mqtk
