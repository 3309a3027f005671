// `mqtk bench`: a load generator that tells the truth. Throughput, end-to-end and
// publish-to-ack latency percentiles, loss/duplicates/reordering, open-loop rates free of
// coordinated omission, connection storms, worker processes for every core, and shards
// for many machines whose JSON results merge exactly.
//
// The pieces, all in this folder: plan (topics, shards, workers), payload (the header in
// every message), sequence (loss, duplicates, order), message_run (publishers and
// subscribers; its parts message_run_publishing, _arrivals, _supervision and _state),
// storm (connections), workers (processes), coordinator (the seam between a
// worker and the whole run), parallel (many connects at once), result (what was
// measured, JSON, merge) and report (the table and the verdict).
#pragma once

#include <string>
#include <vector>

#include "core/bench/options.h"
#include "core/bench/result.h"
#include "core/connection/connection.h"
#include "core/error.h"
#include "core/live.h"
#include "core/options.h"

namespace mqtk {

class OutputSink;

struct BenchOutput {
    bool json = false;         // one JSON document instead of the table
    ProgressHandler progress;  // live progress; empty for none (cli/ decides: a terminal)
    // Where the run's live figures go (--stats, --metrics); null for none. At the end it
    // holds the result's figures exactly.
    LiveHub* live = nullptr;
};

// The live figures a bench result amounts to (what the hub holds at the end).
LiveFigures bench_live_figures(const BenchResult& result);

// Runs the test this process (or shard) is asked for, prints the result into `sink` and
// returns Success or Interrupted; throws Error for usage errors (2), a client that cannot
// connect (3, 4), and a run that measured a failure (1: messages lost at QoS >= 1,
// connections lost, publishes refused, storm connections failed). A message run's
// connections come from `connect` (cli/ gives make_client()); a storm's are Clients.
ExitCode run_bench(const ConnectOptions& connection, const BenchOptions& options,
                   const ConnectionFactory& connect, OutputSink& sink, const BenchOutput& output);

// `mqtk bench merge FILE...`: combines the --json results of a run's shards, prints the
// whole, and applies the same verdict as run_bench once every shard is present.
ExitCode run_bench_merge(const std::vector<std::string>& files, OutputSink& sink,
                         const BenchOutput& output);

}  // namespace mqtk
