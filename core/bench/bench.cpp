// `mqtk bench` from options to verdict: validate everything before any connection, lay
// the run out over shards and worker processes, run it (in this process or in workers),
// print the result and decide the exit code.
#include "core/bench/bench.h"

#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "core/bench/coordinator.h"
#include "core/bench/message_run.h"
#include "core/bench/payload.h"
#include "core/bench/plan.h"
#include "core/bench/report.h"
#include "core/bench/result.h"
#include "core/bench/storm.h"
#include "core/bench/workers.h"
#include "core/clock.h"
#include "core/line_reader.h"

namespace mqtk {
namespace {

constexpr int kMaxPublishers = 65535;  // the header's publisher field
constexpr int kMaxWorkers = 256;
constexpr std::size_t kSpareFds = 64;  // pipes, stdio, Paho's own

void check_message_options(const ConnectOptions& connection, const BenchOptions& o) {
    if (o.publishers < 1 || o.publishers > kMaxPublishers) {
        throw usage_error("--publishers must be 1..{} (a run needs someone to publish)",
                          kMaxPublishers);
    }
    if (o.subscribers < 0) throw usage_error("--subscribers must not be negative");
    if (o.duration && o.count) throw usage_error("--duration and --count cannot be used together");
    if (o.duration && !(*o.duration > 0)) throw usage_error("--duration must be positive");
    if (o.count && *o.count < 1) throw usage_error("--count must be at least 1");
    if (o.rate && !(*o.rate > 0)) throw usage_error("--rate must be positive");
    if (o.size < static_cast<long>(kBenchHeaderSize)) {
        throw usage_error("--size {} is smaller than the {}-byte bench header it must carry",
                          o.size, kBenchHeaderSize);
    }
    if (static_cast<std::size_t>(o.size) > kMaxPayload) {
        throw usage_error("--size {} is larger than an MQTT payload can be", o.size);
    }
    if (!(o.warmup >= 0)) throw usage_error("--warmup must not be negative");
    const TopicTemplate topics(o.topic);  // throws for a bad template
    if (o.pairs && (!topics.per_publisher() || o.subscribers != o.publishers)) {
        throw usage_error("--pairs needs %i in --topic and as many subscribers as publishers");
    }
    if (!o.publish_properties.empty() && connection.version != ProtocolVersion::V5) {
        throw usage_error("MQTT 5 properties (-D) need -V 5");
    }
}

void check_options(const ConnectOptions& connection, const BenchOptions& o) {
    if (o.qos < 0 || o.qos > 2) throw usage_error("QoS must be 0, 1 or 2");
    if (o.shard.index < 1 || o.shard.index > o.shard.count) throw usage_error("invalid --shard");
    if (o.workers < 0 || o.workers > kMaxWorkers) {
        throw usage_error("--workers must be 0 (automatic) to {}", kMaxWorkers);
    }
    if (o.max_inflight < 1 || o.max_inflight > 65535) throw usage_error("-M must be 1..65535");
    if (!o.storm) return check_message_options(connection, o);
    if (*o.storm < 1) throw usage_error("--storm must be at least 1");
    if (o.conn_rate && !(*o.conn_rate > 0)) throw usage_error("--conn-rate must be positive");
    if (!(o.hold >= 0)) throw usage_error("--hold must not be negative");
}

int available_cpus() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    return static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

// Every worker process holds its clients' sockets: make sure they fit.
void check_fd_limit(const std::vector<WorkerPlan>& plans) {
    const std::size_t limit = raise_fd_limit();
    std::size_t most = 0;
    for (const auto& p : plans)
        most = std::max(most, p.publishers.size() + p.subscribers.size() + p.connections.count);
    if (most + kSpareFds > limit) {
        throw usage_error(
            "{} connections in one process need more file descriptors than the limit of {} "
            "(ulimit -Hn): use more --workers or raise the hard limit",
            most, limit);
    }
}

// Random per run, so stale messages are recognised; but every shard of a sharded run
// must agree without talking, so there it is derived from the options.
std::uint16_t make_run_tag(const BenchOptions& o) {
    if (o.shard.count == 1) return static_cast<std::uint16_t>(std::random_device{}());
    const std::string key = fmt::format(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", o.topic, o.publishers, o.subscribers, o.qos, o.size,
        o.rate.value_or(0), o.count.value_or(0), o.duration.value_or(0), o.warmup, o.shard.count);
    std::uint32_t hash = 2166136261u;  // FNV-1a
    for (const unsigned char c : key)
        hash = (hash ^ c) * 16777619u;
    return static_cast<std::uint16_t>(hash ^ (hash >> 16));
}

void print(const BenchResult& result, const BenchOutput& output) {
    const std::string text =
        output.json ? bench_result_to_json(result).dump(2) + "\n" : format_bench_summary(result);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

ExitCode conclude(const BenchResult& result) {
    const BenchVerdict verdict = bench_verdict(result);
    if (verdict.code == ExitCode::Success || verdict.code == ExitCode::Interrupted) {
        return verdict.code;
    }
    throw Error(verdict.code, verdict.message);
}

}  // namespace

LiveFigures bench_live_figures(const BenchResult& r) {
    LiveFigures f;
    f.command = "bench";
    f.sent = r.sent;
    f.received = r.received;
    f.lost = r.loss_known() ? r.lost() : 0;
    f.duplicated = r.duplicates();
    f.out_of_order = r.out_of_order();
    f.connections_up = 0;  // all closed by now
    f.connections_lost = r.connections_lost.size();
    f.latencies = {{"end_to_end", r.end_to_end}, {"publish_ack", r.publish_ack}};
    return f;
}

ExitCode run_bench(const ConnectOptions& connection, const BenchOptions& options,
                   const BenchOutput& output) {
    check_options(connection, options);
    BenchContext context;
    context.config = make_bench_config(options, connection.version);
    context.shard = options.shard;
    context.slice = shard_slice(options);
    context.client_base = bench_client_base(connection.client_id, connection.id_prefix, getpid(),
                                            options.shard.count > 1);
    context.run_tag = make_run_tag(options);

    const int workers = choose_workers(options, context.slice, available_cpus());
    const std::vector<WorkerPlan> plans = plan_workers(options, context.slice, workers);
    check_fd_limit(plans);

    const WorkerBody body = [&](const WorkerPlan& plan, BenchCoordinator& coordinator) {
        return options.storm ? run_storm_worker(connection, options, context, plan, coordinator)
                             : run_message_worker(connection, options, context, plan, coordinator);
    };
    ProgressMeter progress(output.progress, options.storm.has_value(), monotonic_ns());
    BenchResult result;
    if (plans.size() == 1) {
        LocalCoordinator coordinator(progress, output.live);
        result = body(plans.front(), coordinator);
    } else {
        result = run_worker_processes(plans, body, progress, output.live);
    }
    if (output.live) output.live->finish(bench_live_figures(result));
    progress.finish();
    print(result, output);
    return conclude(result);
}

ExitCode run_bench_merge(const std::vector<std::string>& files, const BenchOutput& output) {
    if (files.empty()) throw usage_error("bench merge needs the --json result files to combine");
    std::optional<BenchResult> total;
    for (const auto& file : files) {
        BenchResult part;
        try {
            const auto document = nlohmann::json::parse(read_file(file));
            part = bench_result_from_json(document);
        } catch (const nlohmann::json::exception&) {
            throw usage_error("{}: not a JSON document", file);
        } catch (const Error& error) {
            if (error.code() != ExitCode::Usage) throw;
            throw usage_error("{}: {}", file, error.what());
        }
        if (!total) {
            total = std::move(part);
        } else {
            try {
                merge_bench_results(*total, part, MergeOf::Shards);
            } catch (const Error& error) {
                throw usage_error("{}: {}", file, error.what());
            }
        }
    }
    print(*total, output);
    return conclude(*total);
}

}  // namespace mqtk
