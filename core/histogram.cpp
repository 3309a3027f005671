// The latency histogram's cold paths: construction, merging, percentiles and the JSON
// encoding that bench --json writes and `mqtk bench merge` reads back. The layout and
// its error bound are described in histogram.h.
#include "core/histogram.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace mqtk {
namespace {

constexpr int kMaxSubBucketBits = 14;  // 2^14 buckets per power of two: 6.5 MB at R = 63
constexpr int kMaxRangeBits = 63;

std::string describe(const HistogramLayout& layout) {
    return fmt::format("2^{} buckets per power of two up to 2^{} ns", layout.sub_bucket_bits,
                       layout.range_bits);
}

void check_layout(const HistogramLayout& layout) {
    const int p = layout.sub_bucket_bits;
    const int r = layout.range_bits;
    if (p < 1 || p > kMaxSubBucketBits || r <= p || r > kMaxRangeBits) {
        throw usage_error(
            "invalid histogram layout: sub_bucket_bits {} and range_bits {} "
            "(need 1 <= sub_bucket_bits <= {} < range_bits <= {})",
            p, r, kMaxSubBucketBits, kMaxRangeBits);
    }
}

// The JSON accessors say which field is wrong, never nlohmann's own exception text.
const nlohmann::json& field(const nlohmann::json& object, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end()) throw usage_error("invalid histogram: '{}' is missing", key);
    return *it;
}

std::uint64_t unsigned_value(const nlohmann::json& value, std::string_view what) {
    // Parsed JSON holds non-negative integers as unsigned, json built in code as signed.
    const bool non_negative =
        value.is_number_unsigned() || (value.is_number_integer() && value.get<std::int64_t>() >= 0);
    if (!non_negative) {
        throw usage_error("invalid histogram: {} must be a non-negative integer", what);
    }
    return value.get<std::uint64_t>();
}

int layout_value(const nlohmann::json& layout, std::string_view key) {
    const std::uint64_t value = unsigned_value(field(layout, key), key);
    return static_cast<int>(std::min<std::uint64_t>(value, kMaxRangeBits + 1));
}

HistogramLayout layout_from_json(const nlohmann::json& json) {
    const nlohmann::json& layout = field(json, "layout");
    if (!layout.is_object()) throw usage_error("invalid histogram: 'layout' must be an object");
    const nlohmann::json& unit = field(layout, "unit");
    if (!unit.is_string() || unit.get<std::string>() != "ns") {
        throw usage_error("invalid histogram: the unit must be \"ns\"");
    }
    return {layout_value(layout, "sub_bucket_bits"), layout_value(layout, "range_bits")};
}

}  // namespace

Histogram::Histogram(HistogramLayout layout) : layout_(layout) {
    check_layout(layout_);
    sub_bucket_count_ = std::uint64_t{1} << layout_.sub_bucket_bits;
    highest_trackable_ = (std::uint64_t{1} << layout_.range_bits) - 1;
    counts_.assign(bucket_index(highest_trackable_) + 1, 0);
}

void Histogram::merge(const Histogram& other) {
    if (other.layout_ != layout_) {
        throw usage_error("cannot merge latency histograms of different layouts ({} and {})",
                          describe(layout_), describe(other.layout_));
    }
    for (std::size_t i = 0; i < counts_.size(); ++i)
        counts_[i] += other.counts_[i];
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

Histogram Histogram::since(const Histogram& earlier) const {
    if (earlier.layout_ != layout_) {
        throw usage_error("cannot subtract latency histograms of different layouts ({} and {})",
                          describe(layout_), describe(earlier.layout_));
    }
    Histogram interval(layout_);
    std::size_t first = counts_.size();
    std::size_t last = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (earlier.counts_[i] > counts_[i]) {
            throw usage_error("cannot subtract a latency histogram that is not an earlier state");
        }
        interval.counts_[i] = counts_[i] - earlier.counts_[i];
        if (interval.counts_[i] == 0) continue;
        first = std::min(first, i);
        last = i;
    }
    interval.count_ = count_ - earlier.count_;
    if (interval.count_ == 0) return interval;
    interval.sum_ = std::max(0.0, sum_ - earlier.sum_);
    interval.min_ = min_ < earlier.min_ ? min_ : std::max(bucket_lower_bound(first), min_);
    interval.max_ = max_ > earlier.max_ ? max_ : std::min(bucket_upper_bound(last), max_);
    return interval;
}

void Histogram::reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = 0;
    min_ = UINT64_MAX;
    max_ = 0;
    sum_ = 0.0;
}

std::uint64_t Histogram::bucket_upper_bound(std::size_t index) const noexcept {
    if (index < 2 * sub_bucket_count_) return index;  // one value per bucket
    // The inverse of bucket_index(): index = shift * 2^P + the top P+1 bits of the value.
    const int shift = static_cast<int>(index >> layout_.sub_bucket_bits) - 1;
    const std::uint64_t top_bits =
        index - (static_cast<std::uint64_t>(shift) << layout_.sub_bucket_bits);
    return ((top_bits + 1) << shift) - 1;
}

std::uint64_t Histogram::value_at_percentile(double percentile) const noexcept {
    if (count_ == 0) return 0;
    if (!(percentile > 0.0)) return min_;  // NaN too
    if (percentile >= 100.0) return max_;
    // The nearest rank, forgiving the rounding in e.g. 99.9 * 1000 / 100.
    const double target = percentile * static_cast<double>(count_) / 100.0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(target * (1.0 - 1e-12)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::clamp(bucket_upper_bound(i), min_, max_);
    }
    return max_;
}

std::uint64_t Histogram::count_at_or_below(std::uint64_t ns) const noexcept {
    if (ns >= max_) return count_;  // max is exact: every value, clamped or not
    // The buckets before ns's own hold only values below it; its own bucket counts when ns
    // is its top (the last bucket never: it also holds the clamped values beyond range).
    std::size_t end = bucket_index(std::min(ns, highest_trackable_));
    if (is_bucket_upper_bound(ns)) ++end;
    std::uint64_t count = 0;
    for (std::size_t i = 0; i < end; ++i)
        count += counts_[i];
    return count;
}

nlohmann::json Histogram::to_json() const {
    nlohmann::json buckets = nlohmann::json::array();
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] != 0) buckets.push_back({i, counts_[i]});
    }
    return {
        {"layout",
         {{"unit", "ns"},
          {"sub_bucket_bits", layout_.sub_bucket_bits},
          {"range_bits", layout_.range_bits}}},
        {"count", count_},
        {"min", min()},
        {"max", max_},
        {"sum", sum_},
        {"buckets", std::move(buckets)},
    };
}

Histogram Histogram::from_json(const nlohmann::json& json) {
    if (!json.is_object()) throw usage_error("invalid histogram: expected a JSON object");
    Histogram histogram(layout_from_json(json));
    const nlohmann::json& buckets = field(json, "buckets");
    if (!buckets.is_array()) throw usage_error("invalid histogram: 'buckets' must be an array");
    for (const nlohmann::json& bucket : buckets) {
        if (!bucket.is_array() || bucket.size() != 2) {
            throw usage_error("invalid histogram: each bucket must be an [index, count] pair");
        }
        const std::uint64_t index = unsigned_value(bucket[0], "a bucket index");
        if (index >= histogram.counts_.size()) {
            throw usage_error("invalid histogram: bucket index {} is beyond the layout's {}", index,
                              histogram.counts_.size());
        }
        const std::uint64_t count = unsigned_value(bucket[1], "a bucket count");
        histogram.counts_[index] += count;
        histogram.count_ += count;
    }
    const std::uint64_t count = unsigned_value(field(json, "count"), "'count'");
    if (count != histogram.count_) {
        throw usage_error("invalid histogram: the buckets hold {} values, 'count' says {}",
                          histogram.count_, count);
    }
    if (count != 0) {
        histogram.min_ = unsigned_value(field(json, "min"), "'min'");
        histogram.max_ = unsigned_value(field(json, "max"), "'max'");
        if (histogram.min_ > histogram.max_) {
            throw usage_error("invalid histogram: 'min' is greater than 'max'");
        }
    }
    const nlohmann::json& sum = field(json, "sum");
    if (!sum.is_number() || sum.get<double>() < 0.0) {
        throw usage_error("invalid histogram: 'sum' must be a non-negative number");
    }
    histogram.sum_ = sum.get<double>();
    return histogram;
}

}  // namespace mqtk
