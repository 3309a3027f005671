// The bench summary table, the progress line and the verdict (see report.h).
#include "core/bench/report.h"

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

// Only arrivals from a publisher on the subscriber's own machine share its clock.
void end_to_end_rule(std::string& out, const BenchResult& r) {
    if (r.config.mode != "messages" || r.config.subscribers == 0) return;
    if (r.timed_arrivals() == r.received) return;
    out += fmt::format(
        "  end to end: timed for {} of {} arrivals, those from publishers of the subscriber's "
        "own shard (the same clock)\n",
        with_thousands(r.timed_arrivals()), with_thousands(r.received));
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
    end_to_end_rule(out, r);
}

// Whole numbers from 100 up, three significant digits below (1 msg/s is not 0).
std::string per_second(double value) {
    if (value >= 100) return with_thousands(static_cast<std::uint64_t>(value + 0.5));
    return fmt::format("{:.3g}", value);
}

std::string send_window_text(const BenchResult& r) {
    if (r.config.rate) return "the schedule's measured slots / --rate";
    return r.config.qos > 0 ? "until the last was acknowledged" : "until the last was handed over";
}

std::string receive_window_text(const BenchResult& r) {
    return r.receive_window > r.send_window_s() ? "until the last arrived"
                                                : "the send window (all in by its end)";
}

void loss_line(std::string& out, const BenchResult& r, const std::string& order) {
    const std::uint64_t expected = r.expected_arrivals();
    const double share =
        expected > 0 ? 100.0 * static_cast<double>(r.lost()) / static_cast<double>(expected) : 0.0;
    out += fmt::format("\n  lost {} of {} expected ({:.3g}%), {}\n", with_thousands(r.lost()),
                       with_thousands(expected), share, order);
    const LossCause cause = likely_loss_cause(r);
    if (cause.kind.empty()) return;
    out += fmt::format("  likely cause: {}\n  check: {}\n", cause.why, cause.check);
}

void messages_section(std::string& out, const BenchResult& r) {
    out += fmt::format("\n  {:<10}{:>14}{:>14}   {}\n", "", "messages", "per second", "over");
    if (r.config.rate) {
        out += fmt::format(
            "  {:<10}{:>14}{:>14}   {:.3f} s, {}\n", "due", with_thousands(r.due),
            per_second(r.send_window_s() > 0 ? static_cast<double>(r.due) / r.send_window_s()
                                             : 0.0),
            r.send_window_s(), "the schedule");
    }
    out += fmt::format("  {:<10}{:>14}{:>14}   {:.3f} s, {}\n", "sent", with_thousands(r.sent),
                       per_second(r.send_rate()), r.send_window_s(), send_window_text(r));
    if (r.config.subscribers > 0) {
        out += fmt::format("  {:<10}{:>14}{:>14}   {:.3f} s, {}\n", "received",
                           with_thousands(r.received), per_second(r.receive_rate()),
                           r.receive_window_s(), receive_window_text(r));
    }
    if (const auto n = r.unsent()) {
        out += fmt::format(
            "\n  not sent: {} of {} due (the broker or this machine could not keep up)\n",
            with_thousands(n), with_thousands(r.due));
    }
    const std::string order =
        fmt::format("duplicates {}, out of order {}", with_thousands(r.duplicates()),
                    with_thousands(r.out_of_order()));
    if (r.config.subscribers == 0) return;
    if (!r.all_shards()) {
        out += fmt::format("\n  lost: known once every shard is merged (mqtk bench merge); {}\n",
                           order);
        return;
    }
    if (r.interrupted) {
        out += fmt::format("\n  lost: unknown, interrupted before the subscribers caught up; {}\n",
                           order);
        return;
    }
    loss_line(out, r, order);
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
    const auto reasons = r.incomplete_reasons();
    if (!reasons.empty()) {
        std::string why = reasons.front();
        for (std::size_t i = 1; i < reasons.size(); ++i)
            why += "; " + reasons[i];
        out += fmt::format("  (partial results: {})\n", why);
    }
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
        if (!r.publishers.empty() && r.sent == 0) {
            problems.push_back("no message was sent in the measured window");
        } else if (r.config.qos > 0 && !r.publishers.empty() && r.publish_ack.count() == 0) {
            problems.push_back("no publish was acknowledged");
        }
        if (const auto n = r.error_count("unacknowledged")) {
            problems.push_back(
                fmt::format("{} not acknowledged", plural(n, "publish was", "publishes were")));
        }
        if (!r.connections_lost.empty()) {
            const auto& first = r.connections_lost.front();
            problems.push_back(
                fmt::format("{} lost during the run (the first, {} {}, at {:.2f} s: {})",
                            plural(r.connections_lost.size(), "connection", "connections"),
                            first.role, first.index, first.at, first.cause));
        } else if (const auto n = r.error_count("connection_lost")) {
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
