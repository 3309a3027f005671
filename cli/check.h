// `mqtk check` flags: prove a broker works, by the exit code.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/connection_flags.h"
#include "core/check.h"

namespace mqtk::cli {

struct CheckFlags {
    CheckOptions options;
    std::vector<std::string> require;  // --require lists, parsed after the command line
};

CLI::App* setup_check(CLI::App& app, ConnectionFlags& connection, CheckFlags& flags);
int run_check(const ConnectionFlags& connection, CheckFlags& flags);

}  // namespace mqtk::cli
