// `mqtk pub` flags (drop-in for mosquitto_pub on the flags they share).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli/connection_flags.h"
#include "core/pub.h"

namespace mqtk::cli {

struct PubFlags {
    PubOptions options;
    std::optional<std::string> message;
    std::optional<std::string> file;
    bool stdin_whole = false;
    bool stdin_lines = false;
    bool null_message = false;
    bool jsonl = false;
    std::optional<double> timeout;
};

CLI::App* setup_pub(CLI::App& app, ConnectionFlags& connection, PubFlags& flags);
int run_pub(const ConnectionFlags& connection, PubFlags& flags);

}  // namespace mqtk::cli
