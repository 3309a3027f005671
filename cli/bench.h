// `mqtk bench` flags: a load generator (messages or a connection storm) and
// `mqtk bench merge FILE...` to combine the --json results of shards.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/connection_flags.h"
#include "core/bench/options.h"
#include "core/live/observers.h"

namespace mqtk::cli {

struct BenchFlags {
    BenchOptions options;
    std::string shard;  // "K/N"
    bool json = false;
    std::string metrics;  // --metrics [ADDRESS:]PORT
    std::vector<std::string> merge_files;
    CLI::App* merge = nullptr;  // the `merge` sub-subcommand
    LiveOptions live;
};

CLI::App* setup_bench(CLI::App& app, ConnectionFlags& connection, BenchFlags& flags);
int run_bench(const ConnectionFlags& connection, BenchFlags& flags);

}  // namespace mqtk::cli
