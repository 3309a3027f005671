// The --metrics endpoint's page: a command's live figures (core/live.h) in the Prometheus
// text exposition format, version 0.0.4 (what every Prometheus scrapes; OpenMetrics is not
// offered, so no content negotiation is needed).
//
// Families, each with HELP and TYPE, labelled command="bench"|"echo"|"sub"|"req" and, for
// bench, role="publisher" on the sent counter and role="subscriber" on the receiving ones:
//   mqtk_messages_sent_total, mqtk_messages_received_total, mqtk_messages_lost_total,
//   mqtk_messages_duplicated_total, mqtk_messages_out_of_order_total,
//   mqtk_connections_lost_total, mqtk_reconnects_total            counters
//   mqtk_connections_up                                            gauge
//   mqtk_latency_seconds{kind="round_trip"|"end_to_end"|"publish_ack"}  histogram
//
// The latency buckets' upper bounds (le) are 2^k - 1 and 3 * 2^(k-1) - 1 nanoseconds: two
// per power of two (a ratio of 1.33 or 1.5), from 24.575 us to 17.18 s:
//   0.000024575 0.000032767 0.000049151 0.000065535 0.000098303 0.000131071 ...
//   8.589934591 12.884901887 17.179869183 (seconds)
// Each is the top of a bucket of core/histogram.h for any layout (a power of two and its
// midpoint are always bucket boundaries there), so each cumulative count - the number of
// recorded values <= le - is exact, not interpolated. A bound at or beyond the histogram's
// range (2^R - 1 ns) is left out, since values past the range share its last bucket.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/live.h"

namespace mqtk {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// The upper bounds of mqtk_latency_seconds' buckets, in nanoseconds, ascending.
const std::vector<std::uint64_t>& prometheus_latency_bounds_ns();

// The whole page for one scrape.
std::string render_prometheus(const LiveFigures& figures);

// Exposed for the tests: nanoseconds as exact decimal seconds ("0.000024575", "2", "0"),
// and a label value escaped as the format wants (\\, \", \n).
std::string prometheus_seconds(std::uint64_t ns);
std::string prometheus_label_value(std::string_view value);

}  // namespace mqtk
