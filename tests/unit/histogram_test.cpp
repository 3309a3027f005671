// The latency histogram: percentiles within the stated bound against a sorted reference,
// exact min/max, exact merges, the JSON round trip and its rejection of bad input.
#include "core/histogram.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"

namespace {

constexpr double kPercentiles[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

// Latency-like values: log-uniform over 1 us .. 1 s, plus a few tiny ones.
std::vector<std::uint64_t> random_latencies(std::size_t n, std::uint32_t seed) {
    std::mt19937_64 random(seed);
    std::uniform_real_distribution<double> exponent(3.0, 9.0);
    std::vector<std::uint64_t> values;
    for (std::size_t i = 0; i < n; ++i) {
        values.push_back(static_cast<std::uint64_t>(std::pow(10.0, exponent(random))));
    }
    for (std::uint64_t tiny = 0; tiny < 20; ++tiny)
        values.push_back(tiny);
    return values;
}

// The nearest-rank percentile of a sorted vector.
std::uint64_t reference_percentile(const std::vector<std::uint64_t>& sorted, double p) {
    if (p <= 0) return sorted.front();
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size() - 1e-9));
    return sorted[std::max<std::size_t>(rank, 1) - 1];
}

mqtk::Histogram histogram_of(const std::vector<std::uint64_t>& values) {
    mqtk::Histogram histogram;
    for (std::uint64_t value : values)
        histogram.record(value);
    return histogram;
}

void check_same(const mqtk::Histogram& a, const mqtk::Histogram& b) {
    CHECK(a.count() == b.count());
    CHECK(a.min() == b.min());
    CHECK(a.max() == b.max());
    CHECK(a.mean() == doctest::Approx(b.mean()).epsilon(1e-12));
    for (double p : kPercentiles)
        CHECK(a.value_at_percentile(p) == b.value_at_percentile(p));
    CHECK(a.to_json() == b.to_json());
}

std::string usage_message_of_json(const nlohmann::json& json) {
    try {
        mqtk::Histogram::from_json(json);
    } catch (const mqtk::Error& error) {
        CHECK(error.code() == mqtk::ExitCode::Usage);
        return error.what();
    }
    return "";
}

}  // namespace

TEST_CASE("an empty histogram reports zeros") {
    const mqtk::Histogram histogram;
    CHECK(histogram.count() == 0);
    CHECK(histogram.min() == 0);
    CHECK(histogram.max() == 0);
    CHECK(histogram.mean() == 0.0);
    for (double p : kPercentiles)
        CHECK(histogram.value_at_percentile(p) == 0);
}

TEST_CASE("the default layout: 0.39% buckets up to 2^42 ns") {
    const mqtk::Histogram histogram;
    CHECK(histogram.layout().sub_bucket_bits == 8);
    CHECK(histogram.layout().range_bits == 42);
    CHECK(histogram.highest_trackable() == (std::uint64_t{1} << 42) - 1);
}

TEST_CASE("small values are exact") {
    mqtk::Histogram histogram;
    for (std::uint64_t value = 1; value <= 100; ++value)
        histogram.record(value);
    CHECK(histogram.count() == 100);
    CHECK(histogram.min() == 1);
    CHECK(histogram.max() == 100);
    CHECK(histogram.mean() == 50.5);
    CHECK(histogram.value_at_percentile(50) == 50);
    CHECK(histogram.value_at_percentile(90) == 90);
    CHECK(histogram.value_at_percentile(99) == 99);
    CHECK(histogram.value_at_percentile(99.5) == 100);
    CHECK(histogram.value_at_percentile(0.5) == 1);
    CHECK(histogram.value_at_percentile(0) == 1);
    CHECK(histogram.value_at_percentile(100) == 100);
}

TEST_CASE("every value is reported at most one bucket width (2^-P of it) too high") {
    // A value between a tiny minimum and a huge maximum is the median: its bucket's top.
    std::mt19937_64 random(7);
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t value = random() >> (22 + random() % 42);  // every octave
        mqtk::Histogram histogram;
        histogram.record(0);
        histogram.record(value);
        histogram.record(UINT64_MAX);
        const std::uint64_t reported = histogram.value_at_percentile(50);
        INFO("value ", value, " reported ", reported);
        REQUIRE(reported >= value);
        REQUIRE(reported - value <= value / 256);
    }
}

TEST_CASE("percentiles of random latencies are within the bound, min and max exact") {
    std::vector<std::uint64_t> values = random_latencies(200000, 42);
    const mqtk::Histogram histogram = histogram_of(values);
    std::sort(values.begin(), values.end());
    CHECK(histogram.count() == values.size());
    CHECK(histogram.min() == values.front());
    CHECK(histogram.max() == values.back());
    double sum = 0;
    for (std::uint64_t value : values)
        sum += static_cast<double>(value);
    CHECK(histogram.mean() == doctest::Approx(sum / values.size()).epsilon(1e-12));
    std::uint64_t previous = 0;
    for (double p : kPercentiles) {
        const std::uint64_t expected = reference_percentile(values, p);
        const std::uint64_t reported = histogram.value_at_percentile(p);
        INFO("p", p, " expected ", expected, " reported ", reported);
        CHECK(reported >= expected);
        CHECK(reported - expected <= expected / 256);
        CHECK(reported >= previous);
        previous = reported;
    }
    CHECK(histogram.value_at_percentile(0) == values.front());
    CHECK(histogram.value_at_percentile(100) == values.back());
}

TEST_CASE("out-of-range percentiles are clamped") {
    const mqtk::Histogram histogram = histogram_of({10, 20, 30});
    CHECK(histogram.value_at_percentile(-5) == 10);
    CHECK(histogram.value_at_percentile(250) == 30);
    CHECK(histogram.value_at_percentile(std::nan("")) == 10);
}

TEST_CASE("record_n is n records") {
    mqtk::Histogram once;
    mqtk::Histogram repeated;
    once.record_n(123456, 1000);
    once.record_n(99, 0);  // counts nothing, not even as min
    for (int i = 0; i < 1000; ++i)
        repeated.record(123456);
    check_same(once, repeated);
    CHECK(once.min() == 123456);
}

TEST_CASE("merging two histograms equals recording all their values in one") {
    const std::vector<std::uint64_t> first = random_latencies(50000, 1);
    const std::vector<std::uint64_t> second = random_latencies(70000, 2);
    std::vector<std::uint64_t> all = first;
    all.insert(all.end(), second.begin(), second.end());

    mqtk::Histogram merged = histogram_of(first);
    merged.merge(histogram_of(second));
    check_same(merged, histogram_of(all));

    mqtk::Histogram into_empty;
    into_empty.merge(merged);
    into_empty.merge(mqtk::Histogram());
    check_same(into_empty, merged);
}

TEST_CASE("merging histograms of different layouts is refused") {
    mqtk::Histogram coarse(mqtk::HistogramLayout{7, 42});
    mqtk::Histogram fine;
    CHECK_THROWS_WITH_AS(fine.merge(coarse),
                         "cannot merge latency histograms of different layouts (2^8 buckets "
                         "per power of two up to 2^42 ns and 2^7 buckets per power of two up "
                         "to 2^42 ns)",
                         mqtk::Error);
    CHECK_THROWS_AS(fine.merge(mqtk::Histogram(mqtk::HistogramLayout{8, 40})), mqtk::Error);
}

TEST_CASE("invalid layouts are refused") {
    CHECK_THROWS_AS(mqtk::Histogram(mqtk::HistogramLayout{0, 42}), mqtk::Error);
    CHECK_THROWS_AS(mqtk::Histogram(mqtk::HistogramLayout{15, 42}), mqtk::Error);
    CHECK_THROWS_AS(mqtk::Histogram(mqtk::HistogramLayout{8, 8}), mqtk::Error);
    CHECK_THROWS_AS(mqtk::Histogram(mqtk::HistogramLayout{8, 64}), mqtk::Error);
    CHECK_NOTHROW(mqtk::Histogram(mqtk::HistogramLayout{1, 2}));
    CHECK_NOTHROW(mqtk::Histogram(mqtk::HistogramLayout{14, 63}));
}

TEST_CASE("a value beyond the range is clamped into the last bucket and still counted") {
    mqtk::Histogram histogram;
    const std::uint64_t top = histogram.highest_trackable();
    histogram.record(1000);
    histogram.record(top + 1000);
    histogram.record(UINT64_MAX);
    CHECK(histogram.count() == 3);
    CHECK(histogram.max() == UINT64_MAX);  // min, max and mean see the true value
    CHECK(histogram.mean() ==
          doctest::Approx((1000.0 + top + 1000.0 + 18446744073709551615.0) / 3));
    CHECK(histogram.value_at_percentile(50) == top);  // the bucket: at least 2^R - 1
    CHECK(histogram.value_at_percentile(100) == UINT64_MAX);

    mqtk::Histogram small(mqtk::HistogramLayout{2, 4});  // values 0..15 told apart
    small.record(1000);
    CHECK(small.count() == 1);
    CHECK(small.min() == 1000);
    CHECK(small.value_at_percentile(50) == 1000);  // kept within [min, max]
}

TEST_CASE("reset empties the histogram") {
    mqtk::Histogram histogram = histogram_of(random_latencies(1000, 3));
    histogram.reset();
    check_same(histogram, mqtk::Histogram());
    histogram.record(5);
    CHECK(histogram.min() == 5);
    CHECK(histogram.max() == 5);
}

TEST_CASE("the JSON encoding is sparse and round-trips losslessly") {
    const mqtk::Histogram histogram = histogram_of({5, 95, 90210});
    const nlohmann::json json = histogram.to_json();
    CHECK(json.dump() ==
          R"({"buckets":[[5,1],[95,1],[2400,1]],"count":3,"layout":{"range_bits":42,)"
          R"("sub_bucket_bits":8,"unit":"ns"},"max":90210,"min":5,"sum":90310.0})");

    const mqtk::Histogram large = histogram_of(random_latencies(100000, 4));
    check_same(mqtk::Histogram::from_json(nlohmann::json::parse(large.to_json().dump())), large);
    check_same(mqtk::Histogram::from_json(mqtk::Histogram().to_json()), mqtk::Histogram());

    mqtk::Histogram other_layout(mqtk::HistogramLayout{5, 30});
    other_layout.record(12345);
    const mqtk::Histogram decoded = mqtk::Histogram::from_json(other_layout.to_json());
    CHECK(decoded.layout() == other_layout.layout());
    check_same(decoded, other_layout);
    mqtk::Histogram default_layout;
    CHECK_THROWS_AS(default_layout.merge(decoded), mqtk::Error);
}

TEST_CASE("malformed histogram JSON is refused with a reason") {
    const nlohmann::json good = histogram_of({5, 95, 90210}).to_json();
    CHECK(usage_message_of_json(good).empty());
    struct Case {
        const char* json_pointer;
        nlohmann::json value;
        std::string message;
    };
    const Case cases[] = {
        {"/count", 4, "invalid histogram: the buckets hold 3 values, 'count' says 4"},
        {"/count", -3, "invalid histogram: 'count' must be a non-negative integer"},
        {"/buckets/0/0", 8960, "invalid histogram: bucket index 8960 is beyond the layout's 8960"},
        {"/buckets/0/1", "1", "invalid histogram: a bucket count must be a non-negative integer"},
        {"/buckets/1", {1, 2, 3}, "invalid histogram: each bucket must be an [index, count] pair"},
        {"/buckets", 7, "invalid histogram: 'buckets' must be an array"},
        {"/layout/unit", "us", "invalid histogram: the unit must be \"ns\""},
        {"/layout/sub_bucket_bits", 20,
         "invalid histogram layout: sub_bucket_bits 20 and range_bits 42 (need 1 <= "
         "sub_bucket_bits <= 14 < range_bits <= 63)"},
        {"/layout/range_bits", 1.5, "invalid histogram: range_bits must be a non-negative integer"},
        {"/min", 100000, "invalid histogram: 'min' is greater than 'max'"},
        {"/sum", "many", "invalid histogram: 'sum' must be a non-negative number"},
        {"/layout", nullptr, "invalid histogram: 'layout' must be an object"},
    };
    for (const Case& c : cases) {
        nlohmann::json bad = good;
        bad[nlohmann::json::json_pointer(c.json_pointer)] = c.value;
        INFO(bad.dump());
        CHECK(usage_message_of_json(bad) == c.message);
    }
    nlohmann::json missing = good;
    missing.erase("buckets");
    CHECK(usage_message_of_json(missing) == "invalid histogram: 'buckets' is missing");
    CHECK(usage_message_of_json(nlohmann::json::array()) ==
          "invalid histogram: expected a JSON object");
}

TEST_CASE("since() is exactly the values recorded between two readings") {
    const auto values = random_latencies(5000, 11);
    mqtk::Histogram cumulative;
    mqtk::Histogram second_half;
    for (const auto value : values)
        cumulative.record(value);
    mqtk::Histogram earlier;
    for (std::size_t i = 0; i < values.size() / 2; ++i)
        earlier.record(values[i]);
    for (std::size_t i = values.size() / 2; i < values.size(); ++i)
        second_half.record(values[i]);
    const mqtk::Histogram interval = cumulative.since(earlier);
    CHECK(interval.count() == second_half.count());
    CHECK(interval.mean() == doctest::Approx(second_half.mean()).epsilon(1e-9));
    for (const double p : {10.0, 50.0, 90.0, 99.0, 99.9}) {
        CAPTURE(p);
        CHECK(interval.value_at_percentile(p) == second_half.value_at_percentile(p));
    }
    // The buckets are those of the second half: the interval merged back gives the whole.
    mqtk::Histogram whole = earlier;
    whole.merge(interval);
    CHECK(whole.to_json()["buckets"] == cumulative.to_json()["buckets"]);
}

TEST_CASE("since(): min and max are exact when new, else within their bucket") {
    mqtk::Histogram h;
    h.record(1000);
    h.record(900'000);
    const mqtk::Histogram earlier = h;
    SUBCASE("a new extreme is exact") {
        h.record(5);
        h.record(2'000'000);
        const auto interval = h.since(earlier);
        CHECK(interval.count() == 2);
        CHECK(interval.min() == 5);
        CHECK(interval.max() == 2'000'000);
    }
    SUBCASE(
        "values inside the old range: within a bucket (0.39%) of the truth, never outside "
        "the old range") {
        h.record(123'457);
        const auto interval = h.since(earlier);
        CHECK(interval.count() == 1);
        CHECK(interval.min() <= 123'457);
        CHECK(interval.min() >= 123'457 - 123'457 / 256);
        CHECK(interval.max() >= 123'457);
        CHECK(interval.max() <= 123'457 + 123'457 / 256);
        CHECK(interval.value_at_percentile(50) == interval.max());
    }
    SUBCASE("nothing new: an empty interval") {
        const auto interval = h.since(earlier);
        CHECK(interval.count() == 0);
        CHECK(interval.min() == 0);
        CHECK(interval.max() == 0);
        CHECK(interval.value_at_percentile(99) == 0);
    }
    SUBCASE("since an empty histogram: the histogram itself") {
        const auto interval = h.since(mqtk::Histogram{});
        CHECK(interval.to_json() == h.to_json());
    }
}

TEST_CASE("since() refuses what is not an earlier state of the same layout") {
    mqtk::Histogram a;
    mqtk::Histogram b;
    a.record(10);
    b.record(20);
    CHECK_THROWS_AS(a.since(b), mqtk::Error);
    CHECK_THROWS_AS(a.since(mqtk::Histogram(mqtk::HistogramLayout{4, 30})), mqtk::Error);
}
