// How a bench run is laid out: shard and worker slicing (every client exactly once),
// topic templates and the filter derived from them, worker counts and client ids.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "core/bench/plan.h"
#include "core/error.h"

namespace {

using mqtk::BenchOptions;
using mqtk::IndexRange;
using mqtk::split_range;
using mqtk::TopicTemplate;

TEST_CASE("split_range covers every item exactly once, sizes within one") {
    for (std::size_t total : {0u, 1u, 7u, 10u, 101u}) {
        for (std::size_t parts : {1u, 2u, 3u, 8u, 13u}) {
            std::size_t next = 0;
            std::size_t smallest = total;
            std::size_t largest = 0;
            for (std::size_t p = 0; p < parts; ++p) {
                const IndexRange r = split_range(total, parts, p);
                CHECK(r.first == next);
                next = r.end();
                smallest = std::min(smallest, r.count);
                largest = std::max(largest, r.count);
            }
            CHECK(next == total);
            CHECK(largest - smallest <= 1);
        }
    }
    CHECK(split_range(10, 3, 0) == IndexRange{0, 4});
    CHECK(split_range(10, 3, 1) == IndexRange{4, 3});
    CHECK(split_range(10, 3, 2) == IndexRange{7, 3});
}

TEST_CASE("--shard K/N") {
    const auto s = mqtk::parse_shard("2/4");
    CHECK(s.index == 2);
    CHECK(s.count == 4);
    for (const char* bad : {"0/2", "3/2", "2", "/2", "a/b", "1/0", "1/2x", "-1/2", ""}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(mqtk::parse_shard(bad), mqtk::Error);
    }
}

TEST_CASE("shards split publishers and subscribers") {
    BenchOptions o;
    o.publishers = 10;
    o.subscribers = 3;
    std::set<std::size_t> publishers;
    std::set<std::size_t> subscribers;
    for (int k = 1; k <= 4; ++k) {
        o.shard = {k, 4};
        const auto slice = mqtk::shard_slice(o);
        for (auto i = slice.publishers.first; i < slice.publishers.end(); ++i)
            CHECK(publishers.insert(i).second);
        for (auto j = slice.subscribers.first; j < slice.subscribers.end(); ++j)
            CHECK(subscribers.insert(j).second);
    }
    CHECK(publishers.size() == 10);
    CHECK(subscribers.size() == 3);
}

TEST_CASE("topic templates and their filter") {
    const TopicTemplate t("mqtk/bench/%i");
    CHECK(t.per_publisher());
    CHECK(t.topic(0) == "mqtk/bench/0");
    CHECK(t.topic(42) == "mqtk/bench/42");
    CHECK(t.filter() == "mqtk/bench/+");

    const TopicTemplate inside("site/pub-%i-x/data");
    CHECK(inside.topic(7) == "site/pub-7-x/data");
    CHECK(inside.filter() == "site/+/data");

    const TopicTemplate two("%i/a/%i");
    CHECK(two.topic(3) == "3/a/3");
    CHECK(two.filter() == "+/a/+");

    const TopicTemplate fixed("one/topic");
    CHECK_FALSE(fixed.per_publisher());
    CHECK(fixed.topic(5) == "one/topic");
    CHECK(fixed.filter() == "one/topic");

    const TopicTemplate percent("a/100%%/%i");
    CHECK(percent.topic(1) == "a/100%/1");
    CHECK(percent.filter() == "a/100%/+");

    const TopicTemplate leading("/%i");
    CHECK(leading.filter() == "/+");

    for (const char* bad : {"a/%d", "a/%", "a/+/%i", "a/#", "", "x/%i/#"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(TopicTemplate{bad}, mqtk::Error);
    }
}

TEST_CASE("worker count: --workers, the CPUs, light loads, storms") {
    BenchOptions o;
    o.publishers = 10;
    o.subscribers = 1;
    auto slice = mqtk::shard_slice(o);
    CHECK(mqtk::choose_workers(o, slice, 2) == 3);    // one more than the CPUs
    CHECK(mqtk::choose_workers(o, slice, 64) == 11);  // never more than clients
    o.workers = 3;
    CHECK(mqtk::choose_workers(o, slice, 2) == 3);
    o.workers = 0;
    o.rate = 100;  // light: one process is plenty
    CHECK(mqtk::choose_workers(o, slice, 8) == 1);
    o.rate.reset();

    BenchOptions storm;
    storm.storm = 10000;
    slice = mqtk::shard_slice(storm);
    CHECK(mqtk::choose_workers(storm, slice, 8) == 2);
    CHECK(mqtk::choose_workers(storm, slice, 1) == 1);
    storm.storm = 200;
    slice = mqtk::shard_slice(storm);
    CHECK(mqtk::choose_workers(storm, slice, 8) == 1);
}

TEST_CASE("worker plans place every client once and balance the work") {
    BenchOptions o;
    o.publishers = 10;
    o.subscribers = 2;
    const auto slice = mqtk::shard_slice(o);
    const auto plans = mqtk::plan_workers(o, slice, 3);
    REQUIRE(plans.size() == 3);
    std::multiset<std::uint32_t> publishers;
    std::multiset<std::uint32_t> subscribers;
    for (const auto& p : plans) {
        publishers.insert(p.publishers.begin(), p.publishers.end());
        subscribers.insert(p.subscribers.begin(), p.subscribers.end());
    }
    CHECK(publishers.size() == 10);
    CHECK(subscribers.size() == 2);
    for (std::uint32_t i = 0; i < 10; ++i)
        CHECK(publishers.count(i) == 1);
    // Each subscriber hears all ten publishers, so it weighs as much as ten of them: the
    // two subscribers get workers of their own and the publishers go to the third.
    CHECK(plans[0].subscribers.size() == 1);
    CHECK(plans[1].subscribers.size() == 1);
    CHECK(plans[2].publishers.size() >= 6);
}

TEST_CASE("storm plans share connections and rate in proportion") {
    BenchOptions o;
    o.storm = 1001;
    o.conn_rate = 1000;
    const auto plans = mqtk::plan_workers(o, mqtk::shard_slice(o), 2);
    REQUIRE(plans.size() == 2);
    CHECK(plans[0].connections == IndexRange{0, 501});
    CHECK(plans[1].connections == IndexRange{501, 500});
    CHECK(plans[0].connection_rate + plans[1].connection_rate == doctest::Approx(1000));
}

TEST_CASE("client ids") {
    CHECK(mqtk::bench_client_base("run7", "", 42, false) == "run7");
    CHECK(mqtk::bench_client_base("", "lab-", 42, false) == "lab-42");
    CHECK(mqtk::bench_client_base("", "", 42, false) == "mqtk_bench_42");
    const std::string sharded = mqtk::bench_client_base("", "", 42, true);
    CHECK(sharded.rfind("mqtk_bench_", 0) == 0);
    CHECK(sharded.size() > std::string("mqtk_bench_42").size());  // the host is in it
}

}  // namespace
