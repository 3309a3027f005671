// One bench worker's share of a message scenario: its publishers and subscribers, from
// connecting to the result. Whether it is the whole run or one of several processes is
// the coordinator's business (coordinator.h).
#pragma once

#include <cstdint>
#include <string>

#include "core/bench/coordinator.h"
#include "core/bench/options.h"
#include "core/bench/plan.h"
#include "core/bench/result.h"
#include "core/connection/connection.h"
#include "core/options.h"

namespace mqtk {

// What every worker of a run shares.
struct BenchContext {
    BenchConfig config;
    Shard shard;
    ShardSlice slice;         // this shard's clients
    std::string client_base;  // see bench_client_base()
    // In every payload; messages with another tag are not this run's. Random per run, or
    // derived from the options when sharded, so that every shard of a run agrees.
    std::uint16_t run_tag = 0;
};

// Connects the plan's clients (subscribers first, each subscribed before ready()),
// publishes closed or open loop from the common start, drains, disconnects, and returns
// what this worker measured. Throws Error when a client cannot connect or subscribe. Every
// connection comes from `connect` (make_client(), or the tests' fakes).
BenchResult run_message_worker(const ConnectOptions& connection, const BenchOptions& options,
                               const BenchContext& context, const WorkerPlan& plan,
                               BenchCoordinator& coordinator, const ConnectionFactory& connect);

}  // namespace mqtk
