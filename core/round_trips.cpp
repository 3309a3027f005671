// Own-message recognition and round-trip timing for echo.
#include "core/round_trips.h"

#include <fmt/core.h>

#include <charconv>

namespace mqtk {

RoundTripTracker::RoundTripTracker(std::string tag, bool use_property)
    : tag_(std::move(tag)), use_property_(use_property) {}

void RoundTripTracker::on_send(Message& message, std::uint64_t now_ns) {
    const std::uint64_t sequence = next_sequence_++;
    if (use_property_) {
        Property property;
        property.id = PropertyId::UserProperty;
        property.text = kPropertyName;
        property.value = tag_ + ":" + std::to_string(sequence);
        message.properties.push_back(std::move(property));
    } else {
        by_payload_[message.payload].push_back(sequence);
    }
    in_flight_.emplace(sequence, now_ns);
    ++counts_.sent;
}

std::optional<std::uint64_t> RoundTripTracker::sequence_of(const Message& message) const {
    if (!use_property_) return std::nullopt;
    for (const auto& property : message.properties) {
        if (property.id != PropertyId::UserProperty || property.text != kPropertyName) continue;
        const std::string_view value = property.value;
        if (value.size() <= tag_.size() + 1 || value.substr(0, tag_.size()) != tag_ ||
            value[tag_.size()] != ':') {
            return std::nullopt;  // another echo's message: not ours
        }
        std::uint64_t sequence = 0;
        const auto digits = value.substr(tag_.size() + 1);
        const auto [end, ec] =
            std::from_chars(digits.data(), digits.data() + digits.size(), sequence);
        if (ec == std::errc() && end == digits.data() + digits.size()) return sequence;
    }
    return std::nullopt;
}

bool RoundTripTracker::on_receive(const Message& message, std::uint64_t now_ns) {
    if (use_property_) {
        const auto sequence = sequence_of(message);
        if (!sequence) return false;
        if (in_flight_.count(*sequence) == 0) {
            if (*sequence < next_sequence_) ++counts_.duplicates;
            return true;
        }
        returned(*sequence, now_ns);
        return true;
    }
    // MQTT 3.1.1: the oldest unreturned send of this payload, if any.
    const auto entry = by_payload_.find(message.payload);
    if (entry == by_payload_.end()) return false;
    const std::uint64_t sequence = entry->second.front();
    entry->second.pop_front();
    if (entry->second.empty()) by_payload_.erase(entry);
    returned(sequence, now_ns);
    return true;
}

void RoundTripTracker::returned(std::uint64_t sequence, std::uint64_t now_ns) {
    const auto sent = in_flight_.find(sequence);
    if (sent == in_flight_.end()) return;
    histogram_.record(now_ns - sent->second);
    in_flight_.erase(sent);
    ++counts_.returned;
    if (sequence < highest_returned_) ++counts_.out_of_order;
    if (sequence > highest_returned_) highest_returned_ = sequence;
}

RoundTripCounts RoundTripTracker::counts() const {
    RoundTripCounts counts = counts_;
    counts.outstanding = in_flight_.size();
    return counts;
}

namespace {

std::string format_ms(std::uint64_t ns) {
    return fmt::format("{:.3f} ms", ns / 1e6);
}

}  // namespace

std::string round_trip_summary(const Histogram& round_trips) {
    return fmt::format("round trip min {}, p50 {}, p90 {}, p99 {}, max {}",
                       format_ms(round_trips.min()), format_ms(round_trips.value_at_percentile(50)),
                       format_ms(round_trips.value_at_percentile(90)),
                       format_ms(round_trips.value_at_percentile(99)),
                       format_ms(round_trips.max()));
}

}  // namespace mqtk
