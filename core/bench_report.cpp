// The bench summary table, the progress line and the verdict (see bench_report.h).
#include "core/bench_report.h"

#include <fmt/format.h>

namespace mqtk {
namespace {

double rate(std::uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

std::string plural(std::uint64_t n, const char* one, const char* many) {
    return fmt::format("{} {}", with_thousands(n), n == 1 ? one : many);
}

std::string describe_run(const BenchResult& r) {
    const BenchConfig& c = r.config;
    std::string text;
    if (c.mode == "storm") {
        text = fmt::format(
            "storm of {}, {}, held {:.1f} s",
            plural(static_cast<std::uint64_t>(c.storm.value_or(0)), "connection", "connections"),
            c.conn_rate ? fmt::format("{:g}/s", *c.conn_rate) : std::string("as fast as possible"),
            c.hold);
    } else {
        const std::string length =
            c.count ? fmt::format("{} per publisher", plural(static_cast<std::uint64_t>(*c.count),
                                                             "message", "messages"))
                    : fmt::format("{:g} s", c.duration.value_or(0));
        text = fmt::format(
            "{} -> {}{}, QoS {}, {} B, {}, {} after {:g} s warm-up",
            plural(static_cast<std::uint64_t>(c.publishers), "publisher", "publishers"),
            plural(static_cast<std::uint64_t>(c.subscribers), "subscriber", "subscribers"),
            c.pairs ? " (pairs)" : "", c.qos, c.size,
            c.rate ? fmt::format("open loop at {:g} msg/s", *c.rate) : std::string("closed loop"),
            length, c.warmup);
    }
    text += fmt::format(", MQTT {}, {}", c.protocol,
                        plural(static_cast<std::uint64_t>(r.workers), "process", "processes"));
    if (r.shard_count > 1) {
        std::string shards;
        for (int k : r.shards)
            shards += fmt::format("{}{}", shards.empty() ? "" : ",", k);
        text += fmt::format(", shard{} {} of {}", r.shards.size() == 1 ? "" : "s", shards,
                            r.shard_count);
    }
    return text;
}

std::string ms(std::uint64_t ns) {
    return fmt::format("{:.3f}", static_cast<double>(ns) / 1e6);
}

void latency_row(std::string& out, const char* name, const Histogram& h) {
    if (h.count() == 0) {
        out += fmt::format("  {:<14}{:>10}\n", name, "-");
        return;
    }
    out += fmt::format("  {:<14}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>12}\n", name, ms(h.min()),
                       ms(h.value_at_percentile(50)), ms(h.value_at_percentile(90)),
                       ms(h.value_at_percentile(99)), ms(h.value_at_percentile(99.9)), ms(h.max()),
                       with_thousands(h.count()));
}

void latency_table(std::string& out, const BenchResult& r) {
    out += fmt::format("\n  {:<14}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>12}\n", "latency (ms)",
                       "min", "p50", "p90", "p99", "p99.9", "max", "count");
    if (r.config.mode == "messages") {
        latency_row(out, "end to end", r.end_to_end);
        if (r.config.qos > 0) latency_row(out, "publish-ack", r.publish_ack);
        if (r.config.rate) latency_row(out, "schedule lag", r.schedule_lag);
    }
    latency_row(out, "connect", r.connect);
}

void messages_section(std::string& out, const BenchResult& r) {
    out += fmt::format("\n  {:<10}{:>14}{:>14}\n", "", "messages", "per second");
    out += fmt::format("  {:<10}{:>14}{:>14}\n", "sent", with_thousands(r.sent),
                       with_thousands(static_cast<std::uint64_t>(rate(r.sent, r.send_window))));
    if (r.config.subscribers > 0) {
        out += fmt::format(
            "  {:<10}{:>14}{:>14}\n", "received", with_thousands(r.received),
            with_thousands(static_cast<std::uint64_t>(rate(r.received, r.receive_window))));
    }
    const std::string order =
        fmt::format("duplicates {}, out of order {}", with_thousands(r.duplicates()),
                    with_thousands(r.out_of_order()));
    if (r.config.subscribers == 0) return;
    if (!r.complete()) {
        out += fmt::format("\n  lost: known once every shard is merged (mqtk bench merge); {}\n",
                           order);
        return;
    }
    if (r.interrupted) {
        out += fmt::format("\n  lost: unknown, interrupted before the subscribers caught up; {}\n",
                           order);
        return;
    }
    const std::uint64_t expected = r.expected_arrivals();
    const double share =
        expected > 0 ? 100.0 * static_cast<double>(r.lost()) / static_cast<double>(expected) : 0.0;
    out += fmt::format("\n  lost {} of {} expected ({:.3g}%), {}\n", with_thousands(r.lost()),
                       with_thousands(expected), share, order);
}

void storm_section(std::string& out, const BenchResult& r) {
    const StormTally& s = *r.storm;
    out +=
        fmt::format("\n  connected {} of {} in {:.2f} s ({}/s), failed {}, dropped while held {}\n",
                    with_thousands(s.connected), with_thousands(s.requested), s.connect_window,
                    with_thousands(static_cast<std::uint64_t>(rate(s.connected, s.connect_window))),
                    with_thousands(s.failed), with_thousands(s.dropped));
    if (s.connected > 0) {
        out += fmt::format(
            "  client memory per idle connection {:.1f} KiB; all disconnected in {:.2f} s\n",
            static_cast<double>(s.memory_bytes) / static_cast<double>(s.connected) / 1024.0,
            s.disconnect_time);
    }
}

void errors_section(std::string& out, const BenchResult& r) {
    if (r.errors.empty()) return;
    out += "\n  errors:\n";
    for (const auto& [kind, tally] : r.errors)
        out +=
            fmt::format("    {:<18}{:>10}  {}\n", kind, with_thousands(tally.count), tally.example);
}

}  // namespace

std::string with_thousands(std::uint64_t value) {
    const std::string digits = std::to_string(value);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3);
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string format_bench_summary(const BenchResult& r) {
    std::string out = fmt::format("mqtk bench: {}\n", describe_run(r));
    if (r.interrupted) out += "  (interrupted: partial results)\n";
    if (r.storm) {
        storm_section(out, r);
    } else {
        messages_section(out, r);
    }
    latency_table(out, r);
    errors_section(out, r);
    return out;
}

std::string format_progress(const BenchProgress& p) {
    if (p.storm) {
        return fmt::format("{:6.1f} s {:<11} connected {} failed {}", p.elapsed, p.phase,
                           with_thousands(p.connected), with_thousands(p.failed));
    }
    return fmt::format(
        "{:6.1f} s {:<11} sent {} ({}/s)  received {} ({}/s)", p.elapsed, p.phase,
        with_thousands(p.sent), with_thousands(static_cast<std::uint64_t>(p.send_rate)),
        with_thousands(p.received), with_thousands(static_cast<std::uint64_t>(p.receive_rate)));
}

BenchVerdict bench_verdict(const BenchResult& r) {
    if (r.interrupted) return {ExitCode::Interrupted, {}};
    std::vector<std::string> problems;
    if (r.storm) {
        const StormTally& s = *r.storm;
        if (s.requested > 0 && s.connected == 0) {
            std::string why = "no connection succeeded";
            for (const auto& [kind, tally] : r.errors) {
                if (!tally.example.empty()) why += ": " + tally.example;
                break;
            }
            return {ExitCode::Unreachable, why};
        }
        if (s.failed > 0) {
            problems.push_back(fmt::format("{} of {} connections failed", with_thousands(s.failed),
                                           with_thousands(s.requested)));
        }
        if (s.dropped > 0) {
            problems.push_back(
                fmt::format("{} connections dropped while held", with_thousands(s.dropped)));
        }
    } else {
        if (r.config.qos > 0 && r.loss_known() && r.lost() > 0) {
            problems.push_back(fmt::format("{} of {} messages lost at QoS {}",
                                           with_thousands(r.lost()),
                                           with_thousands(r.expected_arrivals()), r.config.qos));
        }
        if (const auto n = r.error_count("publish_failed")) {
            problems.push_back(fmt::format("{} publishes failed ({})", with_thousands(n),
                                           r.errors.at("publish_failed").example));
        }
        if (const auto n = r.error_count("connection_lost")) {
            problems.push_back(fmt::format("{} lost during the run ({})",
                                           plural(n, "connection", "connections"),
                                           r.errors.at("connection_lost").example));
        }
    }
    if (problems.empty()) return {};
    std::string message = problems.front();
    for (std::size_t i = 1; i < problems.size(); ++i)
        message += "; " + problems[i];
    return {ExitCode::Failure, message};
}

}  // namespace mqtk
