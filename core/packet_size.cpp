// PUBLISH packet sizes (see packet_size.h), counted as MQTT 3.1.1 section 3.3 and MQTT 5
// section 3.3 lay the packet out.
#include "core/packet_size.h"

#include "core/error.h"

namespace mqtk {
namespace {

// Bytes of a variable byte integer: 7 bits per byte.
std::size_t varint_size(std::size_t value) {
    std::size_t bytes = 1;
    while (value >= 128) {
        value /= 128;
        ++bytes;
    }
    return bytes;
}

std::size_t property_size(const Property& property) {
    const std::size_t id = 1;  // every MQTT 5 property identifier is below 128
    switch (property_type(property.id)) {
        case PropertyType::Byte:
            return id + 1;
        case PropertyType::TwoByte:
            return id + 2;
        case PropertyType::FourByte:
            return id + 4;
        case PropertyType::VarInt:
            return id + varint_size(property.number);
        case PropertyType::Utf8:
        case PropertyType::Binary:
            return id + 2 + property.text.size();
        case PropertyType::Pair:
            return id + 2 + property.text.size() + 2 + property.value.size();
    }
    return id;
}

std::size_t remaining_length(const Message& message, ProtocolVersion version) {
    std::size_t length = 2 + message.topic.size() + message.payload.size();
    if (message.qos > 0) length += 2;  // packet identifier
    if (version == ProtocolVersion::V5) {
        std::size_t properties = 0;
        for (const auto& property : message.properties)
            properties += property_size(property);
        length += varint_size(properties) + properties;
    }
    return length;
}

}  // namespace

std::size_t publish_packet_size(const Message& message, ProtocolVersion version) {
    const std::size_t remaining = remaining_length(message, version);
    return 1 + varint_size(remaining) + remaining;
}

void check_publish_size(const Message& message, ProtocolVersion version,
                        std::optional<std::uint32_t> broker_maximum) {
    const std::size_t remaining = remaining_length(message, version);
    if (remaining > kMaxRemainingLength) {
        throw usage_error(
            "message too large: a {}-byte payload to '{}' exceeds MQTT's largest packet "
            "(payloads are at most 268,435,455 bytes, less topic and headers)",
            message.payload.size(), message.topic);
    }
    const std::size_t packet = 1 + varint_size(remaining) + remaining;
    if (broker_maximum && packet > *broker_maximum) {
        throw make_error(ExitCode::Failure,
                         "message too large: the PUBLISH of a {}-byte payload is {} bytes, the "
                         "broker accepts packets of at most {} bytes (its Maximum Packet Size)",
                         message.payload.size(), packet, *broker_maximum);
    }
}

}  // namespace mqtk
