// `mqtk echo` flags: the board's loopback, an echo server, an MQTT 5 responder.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/connection_flags.h"
#include "core/echo.h"
#include "core/live/observers.h"

namespace mqtk::cli {

struct EchoFlags {
    EchoOptions options;
    std::string message = "hello";
    bool no_message = false;
    LiveOptions live;
};

CLI::App* setup_echo(CLI::App& app, ConnectionFlags& connection, EchoFlags& flags);
int run_echo(const ConnectionFlags& connection, EchoFlags& flags);

}  // namespace mqtk::cli
