// The sequence tracker: in order, gaps, late arrivals, duplicates (also far behind), per
// publisher, and memory that stays small while delivery is in order.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "core/bench/sequence.h"

namespace {

using mqtk::Arrival;
using mqtk::SequenceTracker;

TEST_CASE("in-order delivery is all new") {
    SequenceTracker t(1);
    for (std::uint64_t i = 0; i < 1000; ++i)
        CHECK(t.record(0, i) == Arrival::New);
    CHECK(t.counts().unique == 1000);
    CHECK(t.counts().duplicates == 0);
    CHECK(t.counts().out_of_order == 0);
    CHECK(t.counts().gaps == 0);
}

TEST_CASE("a duplicate is recognised, right away and long after") {
    SequenceTracker t(1);
    for (std::uint64_t i = 0; i < 300; ++i)
        t.record(0, i);
    CHECK(t.record(0, 299) == Arrival::Duplicate);
    CHECK(t.record(0, 3) == Arrival::Duplicate);  // below the dropped prefix
    CHECK(t.record(0, 130) == Arrival::Duplicate);
    CHECK(t.counts().duplicates == 3);
    CHECK(t.counts().unique == 300);
}

TEST_CASE("a gap counts until the late message fills it") {
    SequenceTracker t(1);
    t.record(0, 0);
    t.record(0, 1);
    CHECK(t.record(0, 5) == Arrival::New);
    CHECK(t.counts().gaps == 3);
    CHECK(t.record(0, 3) == Arrival::OutOfOrder);
    CHECK(t.counts().gaps == 2);
    CHECK(t.counts().out_of_order == 1);
    CHECK(t.record(0, 3) == Arrival::Duplicate);
    CHECK(t.counts().unique == 4);
}

TEST_CASE("lost messages stay missing - later ones are still told apart") {
    SequenceTracker t(1);
    for (std::uint64_t i = 0; i < 10000; ++i) {
        if (i % 1000 == 7) continue;  // ten losses
        CHECK(t.record(0, i) == Arrival::New);
    }
    CHECK(t.counts().unique == 9990);
    CHECK(t.counts().gaps == 10);
    CHECK(t.record(0, 5007) == Arrival::OutOfOrder);
    CHECK(t.record(0, 5008) == Arrival::Duplicate);
    CHECK(t.counts().gaps == 9);
}

TEST_CASE("publishers are tracked independently") {
    SequenceTracker t(3);
    CHECK(t.record(0, 0) == Arrival::New);
    CHECK(t.record(1, 0) == Arrival::New);
    CHECK(t.record(2, 5) == Arrival::New);
    CHECK(t.record(1, 0) == Arrival::Duplicate);
    CHECK(t.unique_from(0) == 1);
    CHECK(t.unique_from(1) == 1);
    CHECK(t.unique_from(2) == 1);
    CHECK(t.counts().gaps == 5);
}

TEST_CASE("a shuffled stream with duplicates is counted exactly") {
    std::vector<std::uint64_t> stream;
    for (std::uint64_t i = 0; i < 5000; ++i)
        stream.push_back(i);
    for (std::uint64_t i = 0; i < 5000; i += 10)
        stream.push_back(i);  // 500 duplicates
    std::mt19937 random(7);
    std::shuffle(stream.begin(), stream.end(), random);
    SequenceTracker t(1);
    std::uint64_t out_of_order = 0;
    std::uint64_t highest_plus_one = 0;
    std::vector<bool> seen(5000);
    for (const auto s : stream) {
        const Arrival a = t.record(0, s);
        if (seen[s]) {
            CHECK(a == Arrival::Duplicate);
            continue;
        }
        seen[s] = true;
        CHECK(a == (s < highest_plus_one ? Arrival::OutOfOrder : Arrival::New));
        if (s < highest_plus_one) ++out_of_order;
        highest_plus_one = std::max(highest_plus_one, s + 1);
    }
    CHECK(t.counts().unique == 5000);
    CHECK(t.counts().duplicates == 500);
    CHECK(t.counts().out_of_order == out_of_order);
    CHECK(t.counts().gaps == 0);
}

}  // namespace
