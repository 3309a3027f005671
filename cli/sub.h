// `mqtk sub` flags (drop-in for mosquitto_sub on the flags they share).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/connection_flags.h"
#include "core/live/observers.h"
#include "core/sub.h"

namespace mqtk::cli {

struct SubFlags {
    SubOptions options;
    LiveOptions live;
};

CLI::App* setup_sub(CLI::App& app, ConnectionFlags& connection, SubFlags& flags);
int run_sub(const ConnectionFlags& connection, SubFlags& flags);

// The output flags sub and echo share (-v, -N, -F, --pretty, --json).
void add_output_flags(CLI::App& command, OutputOptions& output);
// Colour only on a terminal, and never with NO_COLOR set (https://no-color.org).
bool want_colour();

}  // namespace mqtk::cli
