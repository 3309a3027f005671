// Recognises our own messages when they come back through the broker and times them,
// with sequence numbers so loss, duplicates and reordering are known. The payload that
// others see is never changed: under MQTT 5 the sequence number travels in a user
// property; under MQTT 3.1.1 a local table of what we sent (per payload, oldest first)
// recognises the returns.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/histogram.h"
#include "core/message.h"

namespace mqtk {

struct RoundTripCounts {
    std::uint64_t sent = 0;
    std::uint64_t returned = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t outstanding = 0;  // sent, not yet back
};

class RoundTripTracker {
  public:
    // `tag` identifies this client in the user property ("<tag>:<seq>").
    RoundTripTracker(std::string tag, bool use_property);

    // Stamps `message` (adds the property under MQTT 5) and notes the send time.
    void on_send(Message& message, std::uint64_t now_ns);
    // True when `message` is one of ours coming back; records its round trip.
    bool on_receive(const Message& message, std::uint64_t now_ns);

    const Histogram& round_trips() const { return histogram_; }
    RoundTripCounts counts() const;

    static constexpr std::string_view kPropertyName = "mqtk-seq";

  private:
    std::optional<std::uint64_t> sequence_of(const Message& message) const;
    void returned(std::uint64_t sequence, std::uint64_t now_ns);

    std::string tag_;
    bool use_property_;
    std::uint64_t next_sequence_ = 1;
    std::uint64_t highest_returned_ = 0;
    std::unordered_map<std::uint64_t, std::uint64_t> in_flight_;  // sequence -> send time
    std::unordered_map<std::string, std::deque<std::uint64_t>> by_payload_;  // MQTT 3.1.1
    RoundTripCounts counts_;
    Histogram histogram_;
};

// "round trip min 0.101 ms, p50 0.120 ms, p90 ..., p99 ..., max ...": the summary line
// echo and req print on stderr.
std::string round_trip_summary(const Histogram& round_trips);

}  // namespace mqtk
