// The live-figure flags shared by bench, echo and sub (--stats, --stats-interval, --metrics), bound
// into LiveOptions, and the run of a command with its observers around it.
#pragma once

#include <CLI/CLI.hpp>
#include <utility>

#include "core/live/observers.h"

namespace mqtk::cli {

void add_live_flags(CLI::App& command, LiveOptions& options);

// Starts the observers (an error in them before any connection), runs `run(hub)` (the hub
// null when nothing observes) and stops them, their last figures written, however the run
// ends.
template <typename Run>
int with_live_observers(const char* command, const LiveOptions& options, Run&& run) {
    LiveObservers observers(command, options);
    observers.start();
    const int code = std::forward<Run>(run)(observers.hub());
    observers.stop();
    return code;
}

}  // namespace mqtk::cli
