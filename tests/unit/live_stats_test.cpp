// The --stats stream's arithmetic: an interval is the difference of two cumulative
// readings (counts subtract, latency histograms too), the intervals add up to the total,
// and the live figures' JSON (how bench workers pass them on) round-trips and adds up.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/live.h"
#include "core/live/figures_json.h"
#include "core/live/stats.h"

namespace {

mqtk::LiveFigures reading(std::uint64_t sent, std::uint64_t received, std::uint64_t up,
                          std::uint64_t lost_connections, std::uint64_t latency_values) {
    mqtk::LiveFigures f;
    f.command = "bench";
    f.sent = sent;
    f.received = received;
    f.duplicated = sent / 10;
    f.out_of_order = sent / 20;
    f.connections_up = up;
    f.connections_lost = lost_connections;
    mqtk::Histogram h;
    for (std::uint64_t i = 1; i <= latency_values; ++i)
        h.record(i * 1000);
    f.latencies.emplace_back("end_to_end", h);
    return f;
}

mqtk::StatsMoment moment(double elapsed, double interval) {
    return {"2026-12-08T00:00:00.000Z", elapsed, interval, false};
}

}  // namespace

TEST_CASE("a stats line: the interval is now minus the previous line, the total is now") {
    const auto before = reading(100, 90, 2, 0, 100);
    const auto now = reading(250, 240, 1, 1, 300);
    const auto line = mqtk::stats_line(now, &before, moment(2.0, 0.5));
    const auto& interval = line["interval"];
    CHECK(interval["seconds"] == 0.5);
    CHECK(interval["messages"]["sent"] == 150);
    CHECK(interval["messages"]["received"] == 150);
    CHECK(interval["messages"]["duplicates"] == 15);
    CHECK(interval["messages"]["out_of_order"] == 7);
    CHECK(interval["messages"]["send_rate"] == 300.0);
    CHECK(interval["connections"]["up"] == 1);  // a gauge: as it is now
    CHECK(interval["connections"]["lost"] == 1);
    const auto& latency = interval["latency"]["end_to_end"];
    CHECK(latency["count"] == 200);
    // 101 us is inside the earlier range: its bucket's lower bound, at most 0.39% below.
    CHECK(latency["min_ns"].get<std::uint64_t>() <= 101'000);
    CHECK(latency["min_ns"].get<std::uint64_t>() >= 101'000 - 101'000 / 256);
    CHECK(latency["max_ns"] == 300'000);  // a new maximum: exact
    const auto& total = line["total"];
    CHECK(total["seconds"] == 2.0);
    CHECK(total["messages"]["sent"] == 250);
    CHECK(total["messages"]["send_rate"] == 125.0);
    CHECK(total["latency"]["end_to_end"]["count"] == 300);
    CHECK(line["command"] == "bench");
    CHECK(line["final"] == false);
}

TEST_CASE("the first line's interval is everything so far") {
    const auto now = reading(10, 9, 1, 0, 5);
    const auto line = mqtk::stats_line(now, nullptr, moment(1.0, 1.0));
    CHECK(line["interval"]["messages"] == line["total"]["messages"]);
    CHECK(line["interval"]["latency"] == line["total"]["latency"]);
}

TEST_CASE("the intervals of a stream add up to its last total") {
    std::vector<mqtk::LiveFigures> readings;
    for (std::uint64_t k = 0; k <= 6; ++k)
        readings.push_back(reading(k * k * 37, k * k * 35, 1, k / 3, k * 50));
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t lost_connections = 0;
    std::uint64_t timed = 0;
    mqtk::Histogram merged;
    const mqtk::LiveFigures* before = nullptr;
    nlohmann::ordered_json line;
    for (const auto& now : readings) {
        line = mqtk::stats_line(now, before, moment(1.0, 1.0));
        sent += line["interval"]["messages"]["sent"].get<std::uint64_t>();
        received += line["interval"]["messages"]["received"].get<std::uint64_t>();
        duplicates += line["interval"]["messages"]["duplicates"].get<std::uint64_t>();
        lost_connections += line["interval"]["connections"]["lost"].get<std::uint64_t>();
        timed += line["interval"]["latency"]["end_to_end"]["count"].get<std::uint64_t>();
        merged.merge(before ? now.latencies[0].second.since(before->latencies[0].second)
                            : now.latencies[0].second);
        before = &now;
    }
    CHECK(sent == line["total"]["messages"]["sent"]);
    CHECK(received == line["total"]["messages"]["received"]);
    CHECK(duplicates == line["total"]["messages"]["duplicates"]);
    CHECK(lost_connections == line["total"]["connections"]["lost"]);
    CHECK(timed == line["total"]["latency"]["end_to_end"]["count"]);
    CHECK(merged.to_json()["buckets"] == readings.back().latencies[0].second.to_json()["buckets"]);
}

TEST_CASE("live figures round-trip through JSON and add up (bench's workers)") {
    const auto a = reading(100, 90, 2, 1, 10);
    auto b = reading(50, 40, 3, 0, 20);
    b.latencies.emplace_back("publish_ack", mqtk::Histogram{});
    b.latencies.back().second.record(77);
    const auto back = mqtk::live_figures_from_json(mqtk::live_figures_to_json(b));
    CHECK(mqtk::live_figures_to_json(back) == mqtk::live_figures_to_json(b));
    mqtk::LiveFigures total;
    mqtk::add_live_figures(total, a);
    mqtk::add_live_figures(total, back);
    CHECK(total.command == "bench");
    CHECK(total.sent == 150);
    CHECK(total.received == 130);
    CHECK(total.connections_up == 5);
    CHECK(total.connections_lost == 1);
    REQUIRE(total.latencies.size() == 2);
    CHECK(total.latencies[0].second.count() == 30);
    CHECK(total.latencies[1].first == "publish_ack");
    CHECK(total.latencies[1].second.count() == 1);
    CHECK_THROWS_AS(mqtk::live_figures_from_json(nlohmann::json{{"command", "x"}}), mqtk::Error);
}

TEST_CASE("the hub: nothing before attach, the source meanwhile, the final figures after") {
    mqtk::LiveHub hub;
    CHECK_FALSE(hub.figures().has_value());
    std::uint64_t sent = 3;
    {
        const mqtk::LiveAttachment attached(&hub, [&] {
            mqtk::LiveFigures f;
            f.sent = sent;
            return f;
        });
        CHECK(hub.figures()->sent == 3);
        sent = 4;
    }
    sent = 99;  // the source is gone: its last reading stays
    CHECK(hub.figures()->sent == 4);
    mqtk::LiveFigures final_figures;
    final_figures.sent = 5;
    hub.finish(final_figures);
    CHECK(hub.figures()->sent == 5);
}
