// See metrics_flag.h.
#include "cli/metrics_flag.h"

namespace mqtk::cli {

void add_metrics_flag(CLI::App& command, std::string& address) {
    command
        .add_option("--metrics", address,
                    "Serve live figures for Prometheus at http://[ADDRESS:]PORT/metrics "
                    "(default address 127.0.0.1)")
        ->type_name("[ADDRESS:]PORT");
}

std::unique_ptr<MetricsEndpoint> start_metrics(const std::string& address, const LiveHub& hub,
                                               std::string command) {
    if (address.empty()) return nullptr;
    auto endpoint =
        std::make_unique<MetricsEndpoint>(parse_metrics_address(address), hub, std::move(command));
    endpoint->start();
    return endpoint;
}

}  // namespace mqtk::cli
