// Per-subscriber bookkeeping of the sequence numbers it received from each publisher:
// new, duplicate, or out of order, exactly, in memory that stays constant while delivery
// is in order.
//
// Each publisher's stream keeps `base` (every sequence below it was seen) and a bitmap of
// what was seen from there on; leading complete words are dropped as they fill. A lost
// message leaves its word incomplete, so after a loss the bitmap grows by one bit per
// later message: 125 KB per million messages per (subscriber, publisher) pair, the price
// of telling a late message from a duplicate exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace mqtk {

enum class Arrival {
    New,         // first time, and after everything seen so far from this publisher
    OutOfOrder,  // first time, but a later sequence number had already arrived
    Duplicate,   // seen before
};

struct SequenceCounts {
    std::uint64_t unique = 0;  // distinct sequence numbers received
    std::uint64_t duplicates = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t gaps = 0;  // sequence numbers below the highest seen, not (yet) received
};

class SequenceTracker {
  public:
    // `publishers`: sequence numbers are tracked per publisher index 0 .. publishers-1.
    explicit SequenceTracker(std::size_t publishers);

    // Callers check publisher < publishers() first.
    Arrival record(std::size_t publisher, std::uint64_t sequence);

    std::size_t publishers() const { return streams_.size(); }
    const SequenceCounts& counts() const { return counts_; }
    // Distinct sequence numbers received from one publisher.
    std::uint64_t unique_from(std::size_t publisher) const { return streams_[publisher].unique; }

  private:
    struct Stream {
        std::uint64_t base = 0;  // a multiple of 64: every sequence below it was seen
        std::uint64_t next = 0;  // one past the highest sequence seen
        std::uint64_t unique = 0;
        std::vector<std::uint64_t> words;  // bit i of word w: sequence base + 64w + i seen
    };
    std::vector<Stream> streams_;
    SequenceCounts counts_;
};

}  // namespace mqtk
