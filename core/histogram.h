// A latency histogram in nanoseconds, shared by echo (round trips) and bench (end-to-end
// and publish-to-ack latencies). Histograms from several processes and machines merge
// exactly (bucket counts add), so bench shards never average percentiles.
//
// Layout: log-linear buckets, as in HdrHistogram. Values below 2^(P+1) get one bucket
// each (exact); above that, every power of two [2^m, 2^(m+1)) is split into 2^P buckets
// of equal width 2^(m-P). A bucket is therefore at most 1/2^P of its values wide: with
// the default P = 8 a reported value is at most 0.39% above the true one. Values up to
// 2^R - 1 ns are tracked, R = 42 by default (4398 s, 73 minutes), in (R - P + 1) * 2^P
// buckets: 8960 counters, 70 KiB, allocated once by the constructor.
//
// Percentiles are the nearest rank (the smallest recorded value with at least p% of the
// values at or below it), reported as the upper bound of that value's bucket, and kept
// within the exact [min, max]: never below the true value, never above it by more than
// the bucket width. p0 is the exact minimum, p100 the exact maximum.
//
// A value beyond the range is still counted, in the last bucket, and min, max, and mean
// see it unclamped; a percentile that lands in that last bucket reports 2^R - 1.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

namespace mqtk {

struct HistogramLayout {
    int sub_bucket_bits = 8;  // P: 2^P buckets per power of two, at most 2^-P wide
    int range_bits = 42;      // R: values up to 2^R - 1 ns are told apart

    friend bool operator==(const HistogramLayout&, const HistogramLayout&) = default;
};

class Histogram {
  public:
    // Throws mqtk::Error(Usage) unless 1 <= P <= 14 and P < R <= 63.
    explicit Histogram(HistogramLayout layout = {});

    // The hot path: O(1), no allocation.
    void record(std::uint64_t ns) noexcept { record_n(ns, 1); }
    void record_n(std::uint64_t ns, std::uint64_t count) noexcept;

    // Adds `other`'s counts to this one's. Throws mqtk::Error(Usage) on a layout mismatch.
    void merge(const Histogram& other);
    // What was recorded since `earlier`, an earlier state of this same histogram (a
    // cumulative one read twice): the counts and the sum subtract exactly. The interval's
    // min (max) is exact when it is below (above) everything `earlier` saw, and otherwise
    // its bucket's bound, kept within this histogram's [min, max]. Throws
    // mqtk::Error(Usage) on a layout mismatch or an `earlier` that is not earlier (a
    // bucket that holds more there than here).
    Histogram since(const Histogram& earlier) const;
    void reset() noexcept;

    std::uint64_t count() const noexcept { return count_; }
    std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
    std::uint64_t max() const noexcept { return max_; }
    double mean() const noexcept { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }
    // `percentile` in [0, 100] (clamped); 0 for an empty histogram.
    std::uint64_t value_at_percentile(double percentile) const noexcept;
    // The sum of the recorded values, unclamped (ns).
    double sum() const noexcept { return sum_; }
    // How many recorded values are <= `ns`: exact when `ns` is the upper bound of a bucket
    // below highest_trackable() (is_bucket_upper_bound()), else counting only the buckets
    // wholly at or below it. The --metrics endpoint's cumulative buckets.
    std::uint64_t count_at_or_below(std::uint64_t ns) const noexcept;
    bool is_bucket_upper_bound(std::uint64_t ns) const noexcept {
        return ns < highest_trackable_ && bucket_upper_bound(bucket_index(ns)) == ns;
    }

    const HistogramLayout& layout() const noexcept { return layout_; }
    std::uint64_t highest_trackable() const noexcept { return highest_trackable_; }

    // Sparse and lossless: the layout, count, min, max, sum, and only the non-empty
    // buckets as [index, count] pairs:
    //   {"layout":{"unit":"ns","sub_bucket_bits":8,"range_bits":42},"count":3,"min":5,
    //    "max":90210,"sum":90310.0,"buckets":[[5,1],[95,1],[2400,1]]}
    nlohmann::json to_json() const;
    // Throws mqtk::Error(Usage) saying what is wrong with a malformed document.
    static Histogram from_json(const nlohmann::json& json);

  private:
    std::size_t bucket_index(std::uint64_t value) const noexcept;
    std::uint64_t bucket_upper_bound(std::size_t index) const noexcept;
    std::uint64_t bucket_lower_bound(std::size_t index) const noexcept {
        return index == 0 ? 0 : bucket_upper_bound(index - 1) + 1;
    }

    HistogramLayout layout_;
    std::uint64_t sub_bucket_count_;   // 2^P
    std::uint64_t highest_trackable_;  // 2^R - 1
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = UINT64_MAX;  // UINT64_MAX and 0 while empty, so merging just works
    std::uint64_t max_ = 0;
    // A double: exact up to 2^53 ns (104 days) of summed latency, 1e-16 relative beyond.
    double sum_ = 0.0;
};

inline std::size_t Histogram::bucket_index(std::uint64_t value) const noexcept {
    // Octave top_bit (at least P) starts at index (top_bit - P) * 2^P, and the value's top
    // P+1 bits, 2^P .. 2^(P+1) - 1, pick the bucket within it; below 2^(P+1), index = value.
    const int top_bit = static_cast<int>(std::bit_width(value | sub_bucket_count_)) - 1;
    const int shift = top_bit - layout_.sub_bucket_bits;
    return (static_cast<std::size_t>(shift) << layout_.sub_bucket_bits) + (value >> shift);
}

inline void Histogram::record_n(std::uint64_t ns, std::uint64_t count) noexcept {
    if (count == 0) return;
    counts_[bucket_index(std::min(ns, highest_trackable_))] += count;
    count_ += count;
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
    sum_ += static_cast<double>(ns) * static_cast<double>(count);
}

}  // namespace mqtk
