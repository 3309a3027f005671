// Turns "Paho could not connect" into the reason a person can act on.
#pragma once

#include <string>
#include <string_view>

namespace mqtk {

// Probes host:port with a plain TCP connect (bounded by timeout_seconds) and returns
// why a broker connection failed, e.g. "connection refused", "cannot resolve host
// 'x': Name or service not known". Returns an empty string when TCP itself works,
// so the failure lies above it (TLS, WebSocket upgrade, no CONNACK).
std::string diagnose_tcp(const std::string& host, int port, double timeout_seconds);

// What a probe says first to a server whose handshake failed.
enum class Greeting {
    Mqtt,  // an MQTT 3.1.1 CONNECT (followed by a DISCONNECT if a CONNACK comes)
    Tls,   // a TLS 1.2 ClientHello
};

// How the server answered a Greeting.
enum class Answer {
    NoConnection,  // TCP itself failed
    Nothing,       // not a byte within the timeout
    Closed,        // closed or reset the connection without a byte
    Connack,       // an MQTT CONNACK: an MQTT broker
    Tls,           // a TLS record (a handshake or an alert): a TLS server
    Http,          // "HTTP/": a web server, or a WebSocket listener
    Other,         // bytes that are none of these
};

// What the server's first bytes say it is (up to 5 are read: a TLS record header), given
// whether it closed the connection after them. Pure, for tests and the fuzz target: it
// classifies whatever a server sends, and probe_answer() acts on the result.
Answer classify_answer(std::string_view first_bytes, bool closed);

// Connects to host:port again, greets it, and classifies its first bytes, waiting at
// most timeout_seconds for them. Lets a failed handshake be named by what is on the port
// (plain MQTT, TLS, HTTP, silence) rather than by how Paho happened to fail.
Answer probe_answer(const std::string& host, int port, Greeting greeting, double timeout_seconds);

}  // namespace mqtk
