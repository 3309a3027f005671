// --metrics [ADDRESS:]PORT on bench, echo and sub: the flag, and the endpoint it starts
// before the command connects (core/live/metrics_endpoint.h).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "core/live.h"
#include "core/live/metrics_endpoint.h"

namespace mqtk::cli {

void add_metrics_flag(CLI::App& command, std::string& address);

// Nothing when `address` is empty; otherwise the endpoint, bound and answering. Throws
// Error(Usage) when it cannot listen there.
std::unique_ptr<MetricsEndpoint> start_metrics(const std::string& address, const LiveHub& hub,
                                               std::string command);

}  // namespace mqtk::cli
