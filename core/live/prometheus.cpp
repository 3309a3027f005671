// Renders LiveFigures as a Prometheus text exposition (format 0.0.4): the counters and the
// gauge as one sample each, the latency histograms as cumulative buckets read exactly off
// core/histogram.h's finer buckets. The layout of the page is described in prometheus.h.
#include "core/live/prometheus.h"

#include <fmt/format.h>

#include <iterator>

namespace mqtk {
namespace {

constexpr int kFirstOctave = 14;  // 3 * 2^13 - 1 ns = 24.575 us is the first bound
constexpr int kLastOctave = 34;   // 2^34 - 1 ns = 17.18 s the last

std::vector<std::uint64_t> make_bounds() {
    std::vector<std::uint64_t> bounds;
    for (int k = kFirstOctave; k <= kLastOctave; ++k) {
        if (k > kFirstOctave) bounds.push_back((std::uint64_t{1} << k) - 1);
        if (k < kLastOctave) bounds.push_back((std::uint64_t{3} << (k - 1)) - 1);
    }
    return bounds;
}

// HELP text: only backslash and newline are escaped there.
std::string help_text(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

void family(std::string& page, std::string_view name, std::string_view type,
            std::string_view help) {
    fmt::format_to(std::back_inserter(page), "# HELP {} {}\n# TYPE {} {}\n", name, help_text(help),
                   name, type);
}

// `{command="bench",role="publisher"` without the closing brace, so that more can follow.
std::string labels(const LiveFigures& figures, std::string_view role) {
    std::string out = "{command=\"" + prometheus_label_value(figures.command) + "\"";
    if (figures.command == "bench" && !role.empty()) {
        out += ",role=\"" + prometheus_label_value(role) + "\"";
    }
    return out;
}

void sample(std::string& page, const LiveFigures& figures, std::string_view name,
            std::string_view type, std::string_view help, std::uint64_t value,
            std::string_view role = {}) {
    family(page, name, type, help);
    fmt::format_to(std::back_inserter(page), "{}{}}} {}\n", name, labels(figures, role), value);
}

void histogram(std::string& page, const std::string& base_labels, std::string_view kind,
               const Histogram& h) {
    const std::string kind_labels = base_labels + ",kind=\"" + prometheus_label_value(kind) + "\"";
    auto out = std::back_inserter(page);
    for (const std::uint64_t le : prometheus_latency_bounds_ns()) {
        if (!h.is_bucket_upper_bound(le)) continue;  // beyond the layout's range
        fmt::format_to(out, "mqtk_latency_seconds_bucket{},le=\"{}\"}} {}\n", kind_labels,
                       prometheus_seconds(le), h.count_at_or_below(le));
    }
    fmt::format_to(out, "mqtk_latency_seconds_bucket{},le=\"+Inf\"}} {}\n", kind_labels, h.count());
    fmt::format_to(out, "mqtk_latency_seconds_sum{}}} {}\n", kind_labels, h.sum() / 1e9);
    fmt::format_to(out, "mqtk_latency_seconds_count{}}} {}\n", kind_labels, h.count());
}

}  // namespace

const std::vector<std::uint64_t>& prometheus_latency_bounds_ns() {
    static const std::vector<std::uint64_t> bounds = make_bounds();
    return bounds;
}

std::string prometheus_seconds(std::uint64_t ns) {
    std::string out = fmt::format("{}.{:09}", ns / 1'000'000'000, ns % 1'000'000'000);
    out.erase(out.find_last_not_of('0') + 1);
    if (out.back() == '.') out.pop_back();
    return out;
}

std::string prometheus_label_value(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string render_prometheus(const LiveFigures& f) {
    std::string page;
    sample(page, f, "mqtk_messages_sent_total", "counter",
           "Messages published since the command started.", f.sent, "publisher");
    sample(page, f, "mqtk_messages_received_total", "counter",
           "Messages received since the command started.", f.received, "subscriber");
    sample(page, f, "mqtk_messages_lost_total", "counter",
           "Messages a publisher sent that never arrived (gaps in its sequence).", f.lost,
           "subscriber");
    sample(page, f, "mqtk_messages_duplicated_total", "counter",
           "Messages received more than once.", f.duplicated, "subscriber");
    sample(page, f, "mqtk_messages_out_of_order_total", "counter",
           "Messages received after a later one from the same publisher.", f.out_of_order,
           "subscriber");
    sample(page, f, "mqtk_connections_lost_total", "counter",
           "Connections to the broker lost unexpectedly.", f.connections_lost);
    sample(page, f, "mqtk_reconnects_total", "counter", "Connections re-established after a loss.",
           f.reconnected);
    sample(page, f, "mqtk_connections_up", "gauge", "Connections to the broker open now.",
           f.connections_up);
    if (f.latencies.empty()) return page;
    family(page, "mqtk_latency_seconds", "histogram",
           "Latency in seconds: round_trip (echo: publish to its echo), end_to_end (bench: "
           "publish to delivery), publish_ack (bench: publish to its acknowledgement).");
    const std::string base = labels(f, {});
    for (const auto& [kind, h] : f.latencies)
        histogram(page, base, kind, h);
    return page;
}

}  // namespace mqtk
