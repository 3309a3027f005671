// See metrics_flag.h.
#include "cli/metrics_flag.h"

namespace mqtk::cli {

void add_metrics_flag(CLI::App& command, std::string& address) {
    // PORT for the type: the help's readers (and the docs drift test) take a leading
    // capitalised word for the value.
    command
        .add_option("--metrics", address,
                    "Serve live figures for Prometheus at http://[ADDRESS:]PORT/metrics "
                    "(address 127.0.0.1 unless given)")
        ->type_name("PORT");
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
