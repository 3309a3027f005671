// The MQTT 5 property table: wire ids, value types, mosquitto's names, and which packet
// each may travel in (MQTT 5.0 section 2.2.2.2), plus parsing of `-D CMD NAME VALUE`.
#include "core/properties.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "core/error.h"
#include "core/utf8.h"

namespace mqtk {
namespace {

using K = PacketKind;

constexpr unsigned bit(PacketKind kind) {
    return 1u << static_cast<unsigned>(kind);
}

struct PropertyInfo {
    PropertyId id;
    std::string_view name;
    PropertyType type;
    unsigned packets;  // bit set of PacketKind: where a client may send it
};

// Packets listed are the ones a client sends; broker-only properties list none.
const std::array<PropertyInfo, 27> kTable{{
    {PropertyId::PayloadFormatIndicator, "payload-format-indicator", PropertyType::Byte,
     bit(K::Publish) | bit(K::Will)},
    {PropertyId::MessageExpiryInterval, "message-expiry-interval", PropertyType::FourByte,
     bit(K::Publish) | bit(K::Will)},
    {PropertyId::ContentType, "content-type", PropertyType::Utf8, bit(K::Publish) | bit(K::Will)},
    {PropertyId::ResponseTopic, "response-topic", PropertyType::Utf8,
     bit(K::Publish) | bit(K::Will)},
    {PropertyId::CorrelationData, "correlation-data", PropertyType::Binary,
     bit(K::Publish) | bit(K::Will)},
    {PropertyId::SubscriptionIdentifier, "subscription-identifier", PropertyType::VarInt,
     bit(K::Subscribe)},
    {PropertyId::SessionExpiryInterval, "session-expiry-interval", PropertyType::FourByte,
     bit(K::Connect) | bit(K::Disconnect)},
    {PropertyId::AssignedClientIdentifier, "assigned-client-identifier", PropertyType::Utf8, 0},
    {PropertyId::ServerKeepAlive, "server-keep-alive", PropertyType::TwoByte, 0},
    {PropertyId::AuthenticationMethod, "authentication-method", PropertyType::Utf8,
     bit(K::Connect) | bit(K::Auth)},
    {PropertyId::AuthenticationData, "authentication-data", PropertyType::Binary,
     bit(K::Connect) | bit(K::Auth)},
    {PropertyId::RequestProblemInformation, "request-problem-information", PropertyType::Byte,
     bit(K::Connect)},
    {PropertyId::WillDelayInterval, "will-delay-interval", PropertyType::FourByte, bit(K::Will)},
    {PropertyId::RequestResponseInformation, "request-response-information", PropertyType::Byte,
     bit(K::Connect)},
    {PropertyId::ResponseInformation, "response-information", PropertyType::Utf8, 0},
    {PropertyId::ServerReference, "server-reference", PropertyType::Utf8, 0},
    {PropertyId::ReasonString, "reason-string", PropertyType::Utf8,
     bit(K::Disconnect) | bit(K::Auth)},
    {PropertyId::ReceiveMaximum, "receive-maximum", PropertyType::TwoByte, bit(K::Connect)},
    {PropertyId::TopicAliasMaximum, "topic-alias-maximum", PropertyType::TwoByte, bit(K::Connect)},
    {PropertyId::TopicAlias, "topic-alias", PropertyType::TwoByte, bit(K::Publish)},
    {PropertyId::MaximumQos, "maximum-qos", PropertyType::Byte, 0},
    {PropertyId::RetainAvailable, "retain-available", PropertyType::Byte, 0},
    {PropertyId::UserProperty, "user-property", PropertyType::Pair,
     bit(K::Connect) | bit(K::Publish) | bit(K::Subscribe) | bit(K::Unsubscribe) |
         bit(K::Disconnect) | bit(K::Will) | bit(K::Auth)},
    {PropertyId::MaximumPacketSize, "maximum-packet-size", PropertyType::FourByte, bit(K::Connect)},
    {PropertyId::WildcardSubscriptionAvailable, "wildcard-subscription-available",
     PropertyType::Byte, 0},
    {PropertyId::SubscriptionIdentifierAvailable, "subscription-identifier-available",
     PropertyType::Byte, 0},
    {PropertyId::SharedSubscriptionAvailable, "shared-subscription-available", PropertyType::Byte,
     0},
}};

const PropertyInfo& info(PropertyId id) {
    for (const auto& entry : kTable) {
        if (entry.id == id) return entry;
    }
    throw usage_error("unknown MQTT 5 property id {}", static_cast<int>(id));
}

std::string_view packet_name(PacketKind kind) {
    switch (kind) {
        case K::Connect:
            return "connect";
        case K::Publish:
            return "publish";
        case K::Subscribe:
            return "subscribe";
        case K::Unsubscribe:
            return "unsubscribe";
        case K::Disconnect:
            return "disconnect";
        case K::Will:
            return "will";
        case K::Auth:
            return "auth";
    }
    return "?";
}

// mosquitto matches command and property names with strcasecmp: "-D PUBLISH User-Property".
bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::uint32_t parse_number(std::string_view name, std::string_view text, std::uint64_t max) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value > max) {
        throw usage_error("invalid value '{}' for property {}: expected 0..{}", text, name, max);
    }
    return static_cast<std::uint32_t>(value);
}

}  // namespace

PropertyType property_type(PropertyId id) {
    return info(id).type;
}

std::string_view property_name(PropertyId id) {
    for (const auto& entry : kTable) {
        if (entry.id == id) return entry.name;
    }
    return "unknown-property";
}

std::optional<PropertyId> property_from_name(std::string_view name) {
    for (const auto& entry : kTable) {
        if (same_name(entry.name, name)) return entry.id;
    }
    return std::nullopt;
}

const Property* find_property(const Properties& properties, PropertyId id) {
    for (const auto& property : properties) {
        if (property.id == id) return &property;
    }
    return nullptr;
}

std::optional<PacketKind> packet_kind_from_name(std::string_view name) {
    for (auto kind :
         {K::Connect, K::Publish, K::Subscribe, K::Unsubscribe, K::Disconnect, K::Will, K::Auth}) {
        if (same_name(packet_name(kind), name)) return kind;
    }
    return std::nullopt;
}

bool property_allowed_in(PropertyId id, PacketKind kind) {
    return (info(id).packets & bit(kind)) != 0;
}

Property parse_property_argument(PacketKind kind, std::string_view name, std::string_view value,
                                 std::string_view user_value) {
    const auto id = property_from_name(name);
    if (!id) throw usage_error("unknown MQTT 5 property '{}'", name);
    if (!property_allowed_in(*id, kind)) {
        throw usage_error("property {} is not allowed in {}", name, packet_name(kind));
    }
    Property property;
    property.id = *id;
    switch (property_type(*id)) {
        case PropertyType::Byte:
            property.number = parse_number(name, value, 0xFF);
            break;
        case PropertyType::TwoByte:
            property.number = parse_number(name, value, 0xFFFF);
            break;
        case PropertyType::FourByte:
            property.number = parse_number(name, value, 0xFFFFFFFF);
            break;
        case PropertyType::VarInt:
            property.number = parse_number(name, value, 268'435'455);
            if (property.number == 0) throw usage_error("property {} must not be 0", name);
            break;
        case PropertyType::Utf8:
            if (!is_valid_utf8(value)) throw usage_error("property {} is not valid UTF-8", name);
            property.text = value;
            break;
        case PropertyType::Binary:
            property.text = value;
            break;
        case PropertyType::Pair:
            if (!is_valid_utf8(value) || !is_valid_utf8(user_value)) {
                throw usage_error("user-property is not valid UTF-8");
            }
            property.text = value;
            property.value = user_value;
            break;
    }
    if (*id == PropertyId::PayloadFormatIndicator && property.number > 1) {
        throw usage_error("payload-format-indicator must be 0 (bytes) or 1 (UTF-8)");
    }
    if (*id == PropertyId::ResponseTopic &&
        property.text.find_first_of("+#") != std::string::npos) {
        throw usage_error("response-topic must not contain wildcards");
    }
    // MQTT 5 3.1.2.11.3 and 3.1.2.11.4: zero is a protocol error, and the broker would
    // close the connection for it (exit 3, as if it were unreachable).
    if ((*id == PropertyId::ReceiveMaximum || *id == PropertyId::MaximumPacketSize) &&
        property.number == 0) {
        throw usage_error("property {} must not be 0", name);
    }
    if (*id == PropertyId::TopicAlias && property.number == 0) {
        throw usage_error("topic-alias must be 1..65535");
    }
    return property;
}

}  // namespace mqtk
