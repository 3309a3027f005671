// Binds the live-figure flags (see live_flags.h).
#include "cli/live_flags.h"

#include "cli/validators.h"

namespace mqtk::cli {

void add_live_flags(CLI::App& command, LiveOptions& options) {
    const std::string group = "Live figures";
    command
        .add_option("--stats", options.stats_file,
                    "Write one JSON line of figures per interval to FILE ('-': stderr)")
        ->type_name("FILE")
        ->group(group);
    command
        .add_option("--stats-interval", options.stats_interval,
                    "Seconds between --stats lines (default 1)")
        ->check(positive_seconds())
        ->type_name("SECONDS")
        ->group(group);
    // PORT for the type: the help's readers (and the docs drift test) take its leading
    // capitalised word for the value.
    command
        .add_option("--metrics", options.metrics_address,
                    "Serve live figures for Prometheus at http://[ADDRESS:]PORT/metrics "
                    "(address 127.0.0.1 unless given)")
        ->type_name("PORT")
        ->group(group);
}

}  // namespace mqtk::cli
