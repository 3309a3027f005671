// A received message built from fuzzer input: whatever a broker could send through Paho.
// Topic and payload are any bytes; properties are any of the 27 that MQTT 5 defines (Paho
// drops a packet with another identifier), with any value; the clock is any instant from
// 1970 on.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>

#include "core/message.h"

namespace mqtk::fuzz {

inline constexpr std::array<std::uint8_t, 27> kPropertyIds = {1,  2,  3,  8,  9,  11, 17, 18, 19,
                                                              21, 22, 23, 24, 25, 26, 28, 31, 33,
                                                              34, 35, 36, 37, 38, 39, 40, 41, 42};

inline Property fuzzed_property(FuzzedDataProvider& provider) {
    Property property;
    property.id = static_cast<PropertyId>(provider.PickValueInArray(kPropertyIds));
    property.number = provider.ConsumeIntegral<std::uint32_t>();
    property.text = provider.ConsumeRandomLengthString(64);
    if (property.id == PropertyId::UserProperty) {
        property.value = provider.ConsumeRandomLengthString(64);
    }
    return property;
}

// The payload takes the rest of the input, so call this last.
inline Message fuzzed_message(FuzzedDataProvider& provider) {
    Message message;
    message.topic = provider.ConsumeRandomLengthString(128);
    message.qos = provider.ConsumeIntegralInRange(0, 2);
    message.retain = provider.ConsumeBool();
    message.duplicate = provider.ConsumeBool();
    message.message_id = message.qos == 0 ? 0 : provider.ConsumeIntegralInRange(1, 65535);
    const auto since_epoch = std::chrono::nanoseconds(
        provider.ConsumeIntegralInRange<std::int64_t>(0, std::numeric_limits<std::int64_t>::max()));
    message.received_at = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
    const int count = provider.ConsumeIntegralInRange(0, 6);
    for (int i = 0; i < count; ++i)
        message.properties.push_back(fuzzed_property(provider));
    message.payload = provider.ConsumeRemainingBytesAsString();
    return message;
}

}  // namespace mqtk::fuzz
