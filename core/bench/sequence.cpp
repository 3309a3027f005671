// The sequence tracker's bitmap arithmetic (see sequence.h).
#include "core/bench/sequence.h"

namespace mqtk {

SequenceTracker::SequenceTracker(std::size_t publishers) : streams_(publishers) {}

Arrival SequenceTracker::record(std::size_t publisher, std::uint64_t sequence) {
    Stream& s = streams_[publisher];
    if (sequence < s.base) {
        ++counts_.duplicates;
        return Arrival::Duplicate;
    }
    const std::uint64_t offset = sequence - s.base;
    const std::size_t word = static_cast<std::size_t>(offset / 64);
    const std::uint64_t bit = std::uint64_t{1} << (offset % 64);
    if (word >= s.words.size()) s.words.resize(word + 1, 0);
    if ((s.words[word] & bit) != 0) {
        ++counts_.duplicates;
        return Arrival::Duplicate;
    }
    s.words[word] |= bit;
    ++s.unique;
    ++counts_.unique;

    Arrival arrival = Arrival::New;
    if (sequence < s.next) {
        arrival = Arrival::OutOfOrder;
        ++counts_.out_of_order;
        --counts_.gaps;  // it filled a hole
    } else {
        counts_.gaps += sequence - s.next;  // the holes it jumped over
        s.next = sequence + 1;
    }

    // In-order delivery fills the front word and drops it, so the bitmap stays one word.
    std::size_t full = 0;
    while (full < s.words.size() && s.words[full] == ~std::uint64_t{0})
        ++full;
    if (full > 0) {
        s.words.erase(s.words.begin(), s.words.begin() + static_cast<std::ptrdiff_t>(full));
        s.base += 64 * full;
    }
    return arrival;
}

}  // namespace mqtk
