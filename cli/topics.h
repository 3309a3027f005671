// `mqtk topics` flags: an inventory of the topics a broker carries for a few seconds.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/connection_flags.h"
#include "core/topics.h"

namespace mqtk::cli {

struct TopicsFlags {
    TopicsOptions options;
    CodecChoice decode;  // --decode, --proto-path: built into options.decoder
};

CLI::App* setup_topics(CLI::App& app, ConnectionFlags& connection, TopicsFlags& flags);
int run_topics(const ConnectionFlags& connection, TopicsFlags& flags);

}  // namespace mqtk::cli
