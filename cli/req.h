// `mqtk req` (alias `rr`) flags: drop-in for mosquitto_rr on the flags they share.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "cli/connection_flags.h"
#include "core/live/observers.h"
#include "core/req.h"

namespace mqtk::cli {

struct ReqFlags {
    ReqOptions options;
    std::optional<std::string> message;
    std::optional<std::string> file;
    bool stdin_whole = false;
    bool null_message = false;
    std::string retain_handling;
    const CLI::App* command = nullptr;  // to tell whether -V was given
    LiveOptions live;
};

CLI::App* setup_req(CLI::App& app, ConnectionFlags& connection, ReqFlags& flags);
int run_req(const ConnectionFlags& connection, ReqFlags& flags);

}  // namespace mqtk::cli
