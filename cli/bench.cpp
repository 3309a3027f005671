// Binds `mqtk bench`'s flags into BenchOptions and hands over to the core; decides here,
// where the terminal is known, whether a live progress line goes to stderr.
#include "cli/bench.h"

#include <unistd.h>

#include <cstdio>

#include "cli/live_flags.h"
#include "cli/validators.h"
#include "core/bench/bench.h"
#include "core/bench/plan.h"

namespace mqtk::cli {
namespace {

// Rewrites one line on stderr in place; the final call clears it.
void show_progress(const BenchProgress& progress) {
    if (progress.final) {
        std::fputs("\r\033[K", stderr);
    } else {
        std::fprintf(stderr, "\r\033[K%s", format_progress(progress).c_str());
    }
    std::fflush(stderr);
}

void add_merge(CLI::App& bench, BenchFlags& flags) {
    flags.merge = bench.add_subcommand("merge", "Combine the --json results of a run's shards");
    flags.merge->add_option("files", flags.merge_files, "Result files written with --json")
        ->required()
        ->check(CLI::ExistingFile);
    flags.merge->add_flag("--json", flags.json, "Print the merged result as one JSON document");
}

}  // namespace

CLI::App* setup_bench(CLI::App& app, ConnectionFlags& connection, BenchFlags& flags) {
    auto* bench = app.add_subcommand(
        "bench", "Load generator: throughput, latency percentiles, connection storms");
    add_connection_flags(*bench, connection);
    auto& o = flags.options;
    const std::string messages = "Messages";
    auto* publishers =
        bench->add_option("--publishers", o.publishers, "Publishing clients (default 1)")
            ->check(CLI::Range(1, 65535))
            ->group(messages);
    auto* subscribers =
        bench
            ->add_option("--subscribers", o.subscribers,
                         "Subscribing clients; each hears every publisher (default 1)")
            ->check(whole_number_from(0))
            ->group(messages);
    auto* duration = bench->add_option("--duration", o.duration, "Seconds to measure (default 10)")
                         ->check(positive_seconds())
                         ->group(messages);
    auto* count = bench
                      ->add_option("--count", o.count,
                                   "Messages per publisher to measure, instead of --duration")
                      ->check(whole_number_from(1))
                      ->excludes(duration)
                      ->group(messages);
    auto* rate =
        bench
            ->add_option(
                "--rate", o.rate,
                "Open loop: messages/s in total on a fixed schedule (default: closed loop)")
            ->check(positive_rate())
            ->group(messages);
    auto* size = bench
                     ->add_option("--size", o.size,
                                  "Payload bytes, the 16-byte bench header included (default 64)")
                     ->group(messages);
    auto* topic = bench
                      ->add_option("-t,--topic", o.topic,
                                   "Topic per publisher, %i = its index (default mqtk/bench/%i)")
                      ->group(messages);
    auto* warmup = bench
                       ->add_option("--warmup", o.warmup,
                                    "Seconds of traffic before measuring, excluded (default 1)")
                       ->check(non_negative_seconds())
                       ->group(messages);
    auto* qos = bench->add_option("-q,--qos", o.qos, "QoS 0, 1 or 2 (default 0)")
                    ->check(CLI::Range(0, 2))
                    ->group(messages);
    auto* retain = bench->add_flag("-r,--retain", o.retain, "Publish retained (cleared at the end)")
                       ->group(messages);
    auto* pairs = bench
                      ->add_flag("--pairs", o.pairs,
                                 "Subscriber i hears only publisher i (needs %i and equal counts)")
                      ->group(messages);
    auto* inflight = bench
                         ->add_option("-M,--max-inflight", o.max_inflight,
                                      "Unacknowledged QoS 1/2 messages per client (default 20)")
                         ->check(CLI::Range(1, 65535))
                         ->group(messages);

    const std::string storm = "Connection storm";
    bench->add_option("--storm", o.storm, "Open N connections, hold them, close them; report")
        ->check(whole_number_from(1))
        ->excludes(publishers)
        ->excludes(subscribers)
        ->excludes(duration)
        ->excludes(count)
        ->excludes(rate)
        ->excludes(size)
        ->excludes(topic)
        ->excludes(warmup)
        ->excludes(qos)
        ->excludes(retain)
        ->excludes(pairs)
        ->excludes(inflight)
        ->group(storm);
    bench
        ->add_option("--conn-rate", o.conn_rate,
                     "Connections/s in total (default: as fast as possible)")
        ->check(positive_rate())
        ->needs("--storm")
        ->group(storm);
    bench->add_option("--hold", o.hold, "Seconds to hold all connections open (default 1)")
        ->check(non_negative_seconds())
        ->needs("--storm")
        ->group(storm);

    const std::string run = "Run";
    bench->add_flag("--json", flags.json, "Print the result as one JSON document (mergeable)")
        ->group(run);
    bench
        ->add_option("--shard", flags.shard,
                     "K/N: run this machine's slice of a test on N machines")
        ->group(run);
    bench
        ->add_option("--workers", o.workers,
                     "Processes to spread clients over (default: one more than the CPUs, fewer for "
                     "light loads)")
        ->check(CLI::Range(0, 256))
        ->group(run);
    add_live_flags(*bench, flags.live);
    add_merge(*bench, flags);
    bench->require_subcommand(0, 1);
    return bench;
}

int run_bench(const ConnectionFlags& connection, BenchFlags& flags) {
    BenchOutput output;
    output.json = flags.json;
    if (isatty(STDERR_FILENO) && !connection.quiet) output.progress = show_progress;
    if (flags.merge->parsed()) {
        output.progress = nullptr;
        return static_cast<int>(mqtk::run_bench_merge(flags.merge_files, output));
    }
    auto resolved = resolve_connection(connection);
    auto& o = flags.options;
    if (!flags.shard.empty()) o.shard = parse_shard(flags.shard);
    if (!resolved.url_topic.empty() && o.topic == BenchOptions{}.topic)
        o.topic = resolved.url_topic;
    o.publish_properties = resolved.properties.publish;
    return with_live_observers("bench", flags.live, [&](LiveHub* live) {
        output.live = live;
        return static_cast<int>(mqtk::run_bench(resolved.options, o, output));
    });
}

}  // namespace mqtk::cli
