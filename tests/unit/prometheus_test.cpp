// The --metrics page (core/live/prometheus.h): the exposition format's lines, labels and
// escaping, the latency buckets' bounds and the cumulative rule (a bucket counts every
// value <= le) checked exactly against a sorted reference; and --metrics' address syntax.
#include "core/live/prometheus.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/live/metrics_address.h"

namespace {

std::vector<std::string> lines_of(const std::string& page) {
    std::vector<std::string> lines;
    std::istringstream in(page);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

bool has_line(const std::string& page, const std::string& line) {
    const auto lines = lines_of(page);
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// The lines of one histogram series' buckets, in page order, as (le, count).
std::vector<std::pair<std::string, std::uint64_t>> buckets_of(const std::string& page,
                                                              const std::string& kind) {
    std::vector<std::pair<std::string, std::uint64_t>> buckets;
    const std::string prefix =
        "mqtk_latency_seconds_bucket{command=\"bench\",kind=\"" + kind + "\",le=\"";
    for (const auto& line : lines_of(page)) {
        if (line.rfind(prefix, 0) != 0) continue;
        const auto quote = line.find('"', prefix.size());
        buckets.emplace_back(line.substr(prefix.size(), quote - prefix.size()),
                             std::stoull(line.substr(line.find("} ") + 2)));
    }
    return buckets;
}

std::string usage_message_of(const std::string& text) {
    try {
        mqtk::parse_metrics_address(text);
    } catch (const mqtk::Error& error) {
        CHECK(error.code() == mqtk::ExitCode::Usage);
        return error.what();
    }
    return "";
}

}  // namespace

TEST_CASE("prometheus: seconds are exact decimals of the nanoseconds") {
    CHECK(mqtk::prometheus_seconds(0) == "0");
    CHECK(mqtk::prometheus_seconds(1) == "0.000000001");
    CHECK(mqtk::prometheus_seconds(24575) == "0.000024575");
    CHECK(mqtk::prometheus_seconds(2'000'000'000) == "2");
    CHECK(mqtk::prometheus_seconds(17'179'869'183) == "17.179869183");
}

TEST_CASE("prometheus: the latency bounds are log-spaced from 24.575 us to 17.18 s") {
    const auto& bounds = mqtk::prometheus_latency_bounds_ns();
    REQUIRE(bounds.size() == 40);
    CHECK(bounds.front() == 24575);
    CHECK(bounds[1] == 32767);
    CHECK(bounds[2] == 49151);
    CHECK(bounds.back() == (std::uint64_t{1} << 34) - 1);
    for (std::size_t i = 1; i < bounds.size(); ++i) {
        const double ratio =
            static_cast<double>(bounds[i] + 1) / static_cast<double>(bounds[i - 1] + 1);
        CHECK((ratio == doctest::Approx(4.0 / 3.0) || ratio == doctest::Approx(1.5)));
    }
}

TEST_CASE("prometheus: every bound is a bucket top of every histogram layout in range") {
    for (int p = 1; p <= 14; ++p) {
        const mqtk::Histogram histogram({p, 42});
        for (const std::uint64_t le : mqtk::prometheus_latency_bounds_ns()) {
            INFO("P = " << p << ", le = " << le);
            CHECK(histogram.is_bucket_upper_bound(le));
        }
    }
    const mqtk::Histogram narrow({8, 30});  // values up to 2^30 - 1 ns only
    CHECK(narrow.is_bucket_upper_bound((std::uint64_t{3} << 28) - 1));
    CHECK_FALSE(narrow.is_bucket_upper_bound((std::uint64_t{1} << 30) - 1));  // the last bucket
}

TEST_CASE("prometheus: a bucket counts exactly the values <= le, cumulatively") {
    std::mt19937_64 random(18);
    std::uniform_real_distribution<double> exponent(3.5, 10.5);  // 3 us .. 30 s
    std::vector<std::uint64_t> values;
    for (int i = 0; i < 20000; ++i)
        values.push_back(static_cast<std::uint64_t>(std::pow(10.0, exponent(random))));
    // Values on and either side of every bound, where an off-by-one would show.
    for (const std::uint64_t le : mqtk::prometheus_latency_bounds_ns()) {
        values.insert(values.end(), {le - 1, le, le, le + 1});
    }
    std::sort(values.begin(), values.end());
    for (const int p : {1, 8, 14}) {
        mqtk::Histogram histogram({p, 42});
        for (const std::uint64_t v : values)
            histogram.record(v);
        mqtk::LiveFigures figures;
        figures.command = "bench";
        figures.latencies.emplace_back("end_to_end", histogram);
        const auto buckets = buckets_of(mqtk::render_prometheus(figures), "end_to_end");
        const auto& bounds = mqtk::prometheus_latency_bounds_ns();
        REQUIRE(buckets.size() == bounds.size() + 1);
        for (std::size_t i = 0; i < bounds.size(); ++i) {
            const auto expected = static_cast<std::uint64_t>(
                std::upper_bound(values.begin(), values.end(), bounds[i]) - values.begin());
            INFO("P = " << p << ", le = " << buckets[i].first);
            CHECK(buckets[i].first == mqtk::prometheus_seconds(bounds[i]));
            CHECK(buckets[i].second == expected);
        }
        CHECK(buckets.back() == std::pair<std::string, std::uint64_t>("+Inf", values.size()));
    }
}

TEST_CASE("prometheus: a bench page, its families, labels and histogram lines") {
    mqtk::LiveFigures figures;
    figures.command = "bench";
    figures.sent = 1000;
    figures.received = 998;
    figures.lost = 2;
    figures.duplicated = 3;
    figures.out_of_order = 4;
    figures.connections_up = 2;
    figures.connections_lost = 1;
    figures.reconnected = 1;
    mqtk::Histogram end_to_end;
    end_to_end.record(20'000);     // 20 us: below the first bound
    end_to_end.record(40'000);     // 40 us
    end_to_end.record(1'500'000);  // 1.5 ms
    figures.latencies.emplace_back("end_to_end", end_to_end);
    figures.latencies.emplace_back("publish_ack", mqtk::Histogram());
    const std::string page = mqtk::render_prometheus(figures);

    CHECK(has_line(page, "# TYPE mqtk_messages_sent_total counter"));
    CHECK(has_line(page,
                   "# HELP mqtk_messages_sent_total Messages published since the command "
                   "started."));
    CHECK(has_line(page, "mqtk_messages_sent_total{command=\"bench\",role=\"publisher\"} 1000"));
    CHECK(
        has_line(page, "mqtk_messages_received_total{command=\"bench\",role=\"subscriber\"} 998"));
    CHECK(has_line(page, "mqtk_messages_lost_total{command=\"bench\",role=\"subscriber\"} 2"));
    CHECK(
        has_line(page, "mqtk_messages_duplicated_total{command=\"bench\",role=\"subscriber\"} 3"));
    CHECK(has_line(page,
                   "mqtk_messages_out_of_order_total{command=\"bench\",role=\"subscriber\"} 4"));
    CHECK(has_line(page, "mqtk_connections_lost_total{command=\"bench\"} 1"));
    CHECK(has_line(page, "mqtk_reconnects_total{command=\"bench\"} 1"));
    CHECK(has_line(page, "# TYPE mqtk_connections_up gauge"));
    CHECK(has_line(page, "mqtk_connections_up{command=\"bench\"} 2"));
    CHECK(has_line(page, "# TYPE mqtk_latency_seconds histogram"));

    const auto buckets = buckets_of(page, "end_to_end");
    CHECK(buckets[0] == std::pair<std::string, std::uint64_t>("0.000024575", 1));
    CHECK(buckets[1] == std::pair<std::string, std::uint64_t>("0.000032767", 1));
    CHECK(buckets[2] == std::pair<std::string, std::uint64_t>("0.000049151", 2));
    CHECK(has_line(page,
                   "mqtk_latency_seconds_bucket{command=\"bench\",kind=\"end_to_end\","
                   "le=\"0.001572863\"} 3"));
    CHECK(has_line(page,
                   "mqtk_latency_seconds_bucket{command=\"bench\",kind=\"end_to_end\","
                   "le=\"0.001048575\"} 2"));
    CHECK(has_line(
        page, "mqtk_latency_seconds_bucket{command=\"bench\",kind=\"end_to_end\",le=\"+Inf\"} 3"));
    CHECK(
        has_line(page, "mqtk_latency_seconds_sum{command=\"bench\",kind=\"end_to_end\"} 0.00156"));
    CHECK(has_line(page, "mqtk_latency_seconds_count{command=\"bench\",kind=\"end_to_end\"} 3"));
    CHECK(has_line(page, "mqtk_latency_seconds_count{command=\"bench\",kind=\"publish_ack\"} 0"));
    CHECK(has_line(page, "mqtk_latency_seconds_sum{command=\"bench\",kind=\"publish_ack\"} 0"));

    // One TYPE per family, and a family's samples right after its TYPE line.
    std::size_t types = 0;
    for (const auto& line : lines_of(page))
        types += line.rfind("# TYPE ", 0) == 0;
    CHECK(types == 9);
    CHECK(page.back() == '\n');
}

TEST_CASE("prometheus: echo and sub pages have no role label and no histogram unless given") {
    mqtk::LiveFigures figures;
    figures.command = "sub";
    figures.received = 5;
    const std::string page = mqtk::render_prometheus(figures);
    CHECK(has_line(page, "mqtk_messages_received_total{command=\"sub\"} 5"));
    CHECK(has_line(page, "mqtk_messages_sent_total{command=\"sub\"} 0"));
    CHECK(page.find("role=") == std::string::npos);
    CHECK(page.find("mqtk_latency_seconds") == std::string::npos);
}

TEST_CASE("prometheus: label values and HELP text are escaped") {
    CHECK(mqtk::prometheus_label_value("plain") == "plain");
    CHECK(mqtk::prometheus_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
    mqtk::LiveFigures figures;
    figures.command = "x\"y";
    mqtk::Histogram histogram;
    histogram.record(1);
    figures.latencies.emplace_back("k\\\n", histogram);
    const std::string page = mqtk::render_prometheus(figures);
    CHECK(has_line(page, "mqtk_messages_received_total{command=\"x\\\"y\"} 0"));
    CHECK(has_line(page, "mqtk_latency_seconds_count{command=\"x\\\"y\",kind=\"k\\\\\\n\"} 1"));
    CHECK(page.find("\n\n") == std::string::npos);  // the newline never reached the page raw
}

TEST_CASE("metrics address: [ADDRESS:]PORT") {
    auto a = mqtk::parse_metrics_address("9100");
    CHECK(a.host == "127.0.0.1");
    CHECK(a.port == 9100);
    CHECK(a.to_string() == "127.0.0.1:9100");
    a = mqtk::parse_metrics_address("0.0.0.0:1");
    CHECK(a.host == "0.0.0.0");
    CHECK(a.port == 1);
    a = mqtk::parse_metrics_address("[::1]:65535");
    CHECK(a.host == "::1");
    CHECK(a.port == 65535);
    CHECK(a.to_string() == "[::1]:65535");
    a = mqtk::parse_metrics_address("localhost:9100");
    CHECK(a.host == "localhost");

    CHECK(usage_message_of("") == "--metrics '': the port must be a number from 1 to 65535");
    CHECK(usage_message_of("0").find("from 1 to 65535") != std::string::npos);
    CHECK(usage_message_of("65536").find("from 1 to 65535") != std::string::npos);
    CHECK(usage_message_of("http").find("from 1 to 65535") != std::string::npos);
    CHECK(usage_message_of("127.0.0.1:").find("from 1 to 65535") != std::string::npos);
    CHECK(usage_message_of("-1").find("from 1 to 65535") != std::string::npos);
    CHECK(usage_message_of(":9100") == "--metrics ':9100': the address is empty");
    CHECK(usage_message_of("::1:9100").find("in brackets") != std::string::npos);
    CHECK(usage_message_of("[127.0.0.1]:9100").find("IPv6") != std::string::npos);
}
