// Bench results: the JSON document reads back exactly, merging shards gives what one
// run would have measured (histograms merged, counts summed), loss is derived only when
// it is knowable, and merge refuses results that do not belong together.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "core/bench/report.h"
#include "core/bench/result.h"
#include "core/error.h"

namespace {

using mqtk::BenchResult;
using mqtk::MergeOf;

mqtk::BenchConfig config() {
    mqtk::BenchOptions o;
    o.publishers = 4;
    o.subscribers = 2;
    o.qos = 1;
    o.duration = 5;
    return mqtk::make_bench_config(o, mqtk::ProtocolVersion::V311);
}

// One shard's result with latencies drawn from `random`, also recorded into `all`.
BenchResult shard(int index, int count, std::mt19937_64& random, BenchResult& all) {
    BenchResult r;
    r.config = config();
    r.shard_count = count;
    r.shards = {index};
    r.workers = 1;
    std::lognormal_distribution<double> latency(12.0, 1.0);  // ~160 us median
    for (int i = 0; i < 5000; ++i) {
        const auto ns = static_cast<std::uint64_t>(latency(random));
        r.end_to_end.record(ns);
        all.end_to_end.record(ns);
        r.publish_ack.record(ns / 2);
        all.publish_ack.record(ns / 2);
    }
    r.connect.record(1'000'000 + static_cast<std::uint64_t>(index));
    all.connect.record(1'000'000 + static_cast<std::uint64_t>(index));
    const auto p = static_cast<std::uint32_t>(2 * (index - 1));
    r.publishers = {{p, 1000}, {p + 1, 1000}};
    r.subscribers = {{static_cast<std::uint32_t>(index - 1), -1, 4000, 0, 0}};
    r.sent = 1800;
    r.sent_total = 2000;
    r.send_window = 1.0 + index;
    r.received = 3600;
    r.receive_window = 1.5;
    return r;
}

nlohmann::json round_trip(const BenchResult& r) {
    return nlohmann::json::parse(mqtk::bench_result_to_json(r).dump());
}

TEST_CASE("the JSON document reads back exactly") {
    std::mt19937_64 random(1);
    BenchResult all;
    BenchResult r = shard(1, 1, random, all);
    r.add_error("connection_lost", "broker went away", 2);
    r.storm = mqtk::StormTally{10, 9, 1, 0, 0.5, 1.0, 0.2, 90000};
    const auto json = round_trip(r);
    const BenchResult back = mqtk::bench_result_from_json(json);
    CHECK(mqtk::bench_result_to_json(back) == mqtk::bench_result_to_json(r));
    CHECK(json["mqtk_bench"] == 1);
    CHECK(json["messages"]["lost"] == 0);
    CHECK(json["latency"]["end_to_end"]["count"] == 5000);
    CHECK(json["errors"]["connection_lost"]["count"] == 2);
    CHECK(json["storm"]["memory_per_connection_bytes"] == 10000);
}

TEST_CASE("merging shards equals one run: histograms exact, counts summed") {
    std::mt19937_64 random(2);
    BenchResult all;
    BenchResult one = shard(1, 2, random, all);
    const BenchResult two = shard(2, 2, random, all);
    // Through JSON, as `mqtk bench merge` does.
    BenchResult merged = mqtk::bench_result_from_json(round_trip(one));
    mqtk::merge_bench_results(merged, mqtk::bench_result_from_json(round_trip(two)),
                              MergeOf::Shards);
    CHECK(merged.end_to_end.to_json() == all.end_to_end.to_json());
    CHECK(merged.publish_ack.to_json() == all.publish_ack.to_json());
    CHECK(merged.connect.to_json() == all.connect.to_json());
    for (double p : {50.0, 90.0, 99.0, 99.9, 100.0})
        CHECK(merged.end_to_end.value_at_percentile(p) == all.end_to_end.value_at_percentile(p));
    CHECK(merged.sent == 3600);
    CHECK(merged.sent_total == 4000);
    CHECK(merged.received == 7200);
    CHECK(merged.send_window == 3.0);  // the longest: shards run side by side
    CHECK(merged.shards == std::vector<int>{1, 2});
    CHECK(merged.workers == 2);
    CHECK(merged.complete());
}

TEST_CASE("loss needs every shard: each subscriber expects every publisher's messages") {
    std::mt19937_64 random(3);
    BenchResult all;
    BenchResult one = shard(1, 2, random, all);
    CHECK_FALSE(one.complete());
    CHECK(round_trip(one)["messages"]["lost"].is_null());
    mqtk::merge_bench_results(one, shard(2, 2, random, all), MergeOf::Shards);
    REQUIRE(one.complete());
    // Two subscribers hear four publishers of 1000 messages each and got 4000 each.
    CHECK(one.expected_arrivals() == 8000);
    CHECK(one.lost() == 0);
    one.subscribers[1].unique = 3990;
    CHECK(one.lost() == 10);
    CHECK(mqtk::bench_verdict(one).code == mqtk::ExitCode::Failure);
    CHECK(mqtk::bench_verdict(one).message.find("10 of 8,000 messages lost at QoS 1") == 0);
    one.interrupted = true;  // the subscribers did not catch up: unknown, not lost
    CHECK_FALSE(one.loss_known());
    CHECK(mqtk::bench_verdict(one).code == mqtk::ExitCode::Interrupted);
}

TEST_CASE("with --pairs a subscriber expects only its publisher") {
    BenchResult r;
    r.config = config();
    r.shards = {1};
    r.publishers = {{0, 100}, {1, 50}};
    r.subscribers = {{0, 0, 100, 0, 0}, {1, 1, 45, 0, 0}};
    CHECK(r.expected_arrivals() == 150);
    CHECK(r.lost() == 5);
}

TEST_CASE("QoS 0 loss is reported, not a failure") {
    BenchResult r;
    r.config = config();
    r.config.qos = 0;
    r.shards = {1};
    r.publishers = {{0, 100}};
    r.sent = 100;
    r.subscribers = {{0, -1, 60, 0, 0}};
    CHECK(r.lost() == 40);
    CHECK(mqtk::bench_verdict(r).code == mqtk::ExitCode::Success);
}

TEST_CASE("merge refuses results that do not belong together") {
    std::mt19937_64 random(4);
    BenchResult all;
    const BenchResult one = shard(1, 2, random, all);
    BenchResult twice = one;
    CHECK_THROWS_AS(mqtk::merge_bench_results(twice, one, MergeOf::Shards), mqtk::Error);
    BenchResult other = shard(2, 2, random, all);
    other.config.qos = 2;
    BenchResult base = one;
    CHECK_THROWS_AS(mqtk::merge_bench_results(base, other, MergeOf::Shards), mqtk::Error);
    BenchResult three = shard(2, 3, random, all);
    base = one;
    CHECK_THROWS_AS(mqtk::merge_bench_results(base, three, MergeOf::Shards), mqtk::Error);
    // Workers of one shard do share its index.
    base = one;
    mqtk::merge_bench_results(base, one, MergeOf::Workers);
    CHECK(base.sent == 2 * one.sent);
}

TEST_CASE("malformed documents are usage errors naming the problem") {
    std::mt19937_64 random(5);
    BenchResult all;
    const auto good = round_trip(shard(1, 1, random, all));
    CHECK_THROWS_WITH_AS(mqtk::bench_result_from_json(nlohmann::json::object()),
                         doctest::Contains("not a bench result"), mqtk::Error);
    auto bad = good;
    bad["mqtk_bench"] = 99;
    CHECK_THROWS_WITH_AS(mqtk::bench_result_from_json(bad), doctest::Contains("version"),
                         mqtk::Error);
    bad = good;
    bad["messages"].erase("sent");
    CHECK_THROWS_WITH_AS(mqtk::bench_result_from_json(bad), doctest::Contains("messages.sent"),
                         mqtk::Error);
    bad = good;
    bad["latency"]["end_to_end"]["histogram"]["count"] = 1;
    CHECK_THROWS_AS(mqtk::bench_result_from_json(bad), mqtk::Error);
}

TEST_CASE("storm verdicts") {
    BenchResult r;
    r.config.mode = "storm";
    r.shards = {1};
    r.storm = mqtk::StormTally{100, 100, 0, 0, 1, 1, 1, 0};
    CHECK(mqtk::bench_verdict(r).code == mqtk::ExitCode::Success);
    r.storm->connected = 98;
    r.storm->failed = 2;
    CHECK(mqtk::bench_verdict(r).code == mqtk::ExitCode::Failure);
    r.storm->connected = 0;
    r.storm->failed = 100;
    r.add_error("connect_unreachable", "cannot connect to h:1: connection refused");
    const auto verdict = mqtk::bench_verdict(r);
    CHECK(verdict.code == mqtk::ExitCode::Unreachable);
    CHECK(verdict.message.find("connection refused") != std::string::npos);
}

// A single-process result of an open-loop run at `rate` that made `due` messages due.
BenchResult open_loop(double rate, std::uint64_t due, std::uint64_t sent) {
    BenchResult r;
    r.config = config();
    r.config.rate = rate;
    r.config.subscribers = 1;
    r.shards = {1};
    r.publishers = {{0, sent}};
    r.subscribers = {{0, -1, sent, 0, 0}};
    r.sent = sent;
    r.due = due;
    r.received = sent;
    for (std::uint64_t i = 0; i < sent; ++i) {
        r.end_to_end.record(100'000);
        r.publish_ack.record(50'000);
    }
    return r;
}

TEST_CASE("open loop rates are over the schedule's measured slots") {
    // --rate 1 --duration 2: slots at 0 s and 1 s; it showed "sent 2 / 0 per second".
    BenchResult r = open_loop(1, 2, 2);
    r.send_window = 1.0001;  // the last completion: not the open loop's window
    r.receive_window = 1.0003;
    CHECK(r.send_window_s() == doctest::Approx(2.0));
    CHECK(r.send_rate() == doctest::Approx(1.0));
    CHECK(r.receive_window_s() == doctest::Approx(2.0));  // never shorter than the send window
    CHECK(r.receive_rate() == doctest::Approx(1.0));
    CHECK(mqtk::format_bench_summary(r).find("  sent                   2             1") !=
          std::string::npos);
    // --count 50 --rate 100: 50 slots, 0.5 s (it showed 101/s over the 0.49 s to the last).
    r = open_loop(100, 50, 50);
    r.send_window = 0.49;
    CHECK(r.send_rate() == doctest::Approx(100.0));
    // --rate 1 --duration 0.5: one slot, 1 s; the one arrival 33 ms after the start made
    // it "received 1 / 30 per second".
    r = open_loop(1, 1, 1);
    r.receive_window = 0.033;
    CHECK(r.receive_rate() == doctest::Approx(1.0));
    // A late arrival lengthens the receive window.
    r = open_loop(100, 50, 50);
    r.receive_window = 2.0;
    CHECK(r.receive_rate() == doctest::Approx(25.0));
}

TEST_CASE("closed loop: one stated window each, and the JSON reads back to the same rates") {
    BenchResult r = open_loop(1, 0, 1000);
    r.config.rate.reset();
    r.send_window = 0.05;
    r.receive_window = 0.04;  // all in before the last acknowledgement
    CHECK(r.send_rate() == doctest::Approx(20000));
    CHECK(r.receive_rate() == doctest::Approx(20000));
    const auto json = round_trip(r);
    CHECK(json["messages"]["due"].is_null());
    const BenchResult back = mqtk::bench_result_from_json(json);
    CHECK(back.send_rate() == doctest::Approx(20000));
    CHECK(back.receive_rate() == doctest::Approx(20000));
}

TEST_CASE("a run cut short by lost connections is partial, says who and when, and fails") {
    BenchResult r = open_loop(1000, 1980, 1978);
    r.add_error("connection_lost", "connection lost", 3);
    r.connections_lost = {{"subscriber", 0, 1.98, "connection lost"},
                          {"publisher", 0, 1.98, "connection lost"},
                          {"publisher", 1, 1.99, "connection lost"}};
    CHECK(r.send_window_s() == doctest::Approx(1.98));  // not the 4 s asked for
    CHECK_FALSE(r.complete());
    const auto json = round_trip(r);
    CHECK(json["complete"] == false);
    CHECK(json["connections_lost"].size() == 3);
    CHECK(json["connections_lost"][2]["role"] == "publisher");
    CHECK(json["connections_lost"][2]["at_s"] == 1.99);
    CHECK(json["incomplete"][0].get<std::string>().find("3 clients lost") == 0);
    CHECK(mqtk::bench_result_to_json(mqtk::bench_result_from_json(json)) ==
          mqtk::bench_result_to_json(r));
    const auto table = mqtk::format_bench_summary(r);
    CHECK(table.find("(partial results: 3 clients lost their connections") != std::string::npos);
    const auto verdict = mqtk::bench_verdict(r);
    CHECK(verdict.code == mqtk::ExitCode::Failure);
    CHECK(verdict.message.find("3 connections lost during the run (the first, subscriber 0, at "
                               "1.98 s") != std::string::npos);
}

TEST_CASE("due and not sent, nothing sent, nothing acknowledged") {
    BenchResult r = open_loop(100, 200, 150);
    CHECK(r.unsent() == 50);
    CHECK_FALSE(r.complete());
    CHECK(round_trip(r)["messages"]["unsent"] == 50);
    CHECK(mqtk::format_bench_summary(r).find("not sent: 50 of 200 due") != std::string::npos);
    CHECK(mqtk::bench_verdict(r).code == mqtk::ExitCode::Success);  // it did send
    r = open_loop(100, 200, 0);
    r.add_error("unacknowledged", "20 publishes not acknowledged", 20);
    auto verdict = mqtk::bench_verdict(r);
    CHECK(verdict.code == mqtk::ExitCode::Failure);
    CHECK(verdict.message.find("no message was sent") == 0);
    CHECK(verdict.message.find("20 publishes were not acknowledged") != std::string::npos);
    r = open_loop(100, 200, 200);
    r.publish_ack = mqtk::Histogram();
    CHECK(mqtk::bench_verdict(r).message.find("no publish was acknowledged") == 0);
}

TEST_CASE("a loss names its likely cause and how to check it") {
    BenchResult r = open_loop(1000, 1000, 1000);
    CHECK(mqtk::likely_loss_cause(r).kind.empty());
    CHECK(round_trip(r)["messages"]["loss_cause"].is_null());
    r.subscribers[0].unique = 700;
    auto cause = mqtk::likely_loss_cause(r);
    CHECK(cause.kind == "broker_queue_limit");
    CHECK(cause.check.find("max_queued_messages") != std::string::npos);
    const auto json = round_trip(r);
    CHECK(json["messages"]["loss_cause"]["likely"] == "broker_queue_limit");
    const auto table = mqtk::format_bench_summary(r);
    CHECK(table.find("\n  likely cause: ") != std::string::npos);
    CHECK(table.find("\n  check: ") != std::string::npos);
    r.connections_lost = {{"subscriber", 0, 1.5, "connection lost"}};
    CHECK(mqtk::likely_loss_cause(r).kind == "connection_lost");
}

TEST_CASE("merged shards: the end-to-end rule is stated where timed < received") {
    std::mt19937_64 random(6);
    BenchResult all;
    BenchResult one = shard(1, 2, random, all);
    mqtk::merge_bench_results(one, shard(2, 2, random, all), MergeOf::Shards);
    one.received = 20000;  // 10,000 timed: each subscriber times its own shard's publishers
    const auto table = mqtk::format_bench_summary(one);
    CHECK(table.find("end to end: timed for 10,000 of 20,000 arrivals, those from publishers "
                     "of the subscriber's own shard") != std::string::npos);
    CHECK(round_trip(one)["latency"]["end_to_end"]["covers"].get<std::string>().find("own shard") !=
          std::string::npos);
}

TEST_CASE("numbers with thousands separators") {
    CHECK(mqtk::with_thousands(0) == "0");
    CHECK(mqtk::with_thousands(999) == "999");
    CHECK(mqtk::with_thousands(1000) == "1,000");
    CHECK(mqtk::with_thousands(1234567) == "1,234,567");
}

}  // namespace

// Found by fuzz/bench_result_fuzz.cpp: a count too large for the field it fills was
// wrapped (4294967297 workers read as 1) instead of refused.
TEST_CASE("a count too large for its field is refused, not wrapped") {
    std::mt19937_64 random(7);
    BenchResult all;
    const auto good = round_trip(shard(1, 1, random, all));
    for (const auto& [object, key] : std::vector<std::pair<const char*, const char*>>{
             {"", "workers"}, {"shards", "count"}, {"config", "publishers"}, {"config", "qos"}}) {
        auto bad = good;
        auto& field = *object == '\0' ? bad[key] : bad[object][key];
        field = 4294967297ULL;
        INFO(object, ".", key);
        CHECK_THROWS_WITH_AS(mqtk::bench_result_from_json(bad), doctest::Contains(key),
                             mqtk::Error);
    }
    auto bad = good;
    bad["publishers"][0]["index"] = 4294967296ULL;
    CHECK_THROWS_WITH_AS(mqtk::bench_result_from_json(bad), doctest::Contains("index"),
                         mqtk::Error);
}
