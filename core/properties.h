// MQTT 5 properties as plain data, independent of Paho, with mosquitto's names for them
// (the names that `-D CMD NAME VALUE` takes and that --json writes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mqtk {

// Identifiers as on the wire (MQTT 5.0, section 2.2.2.2).
enum class PropertyId : std::uint8_t {
    PayloadFormatIndicator = 1,
    MessageExpiryInterval = 2,
    ContentType = 3,
    ResponseTopic = 8,
    CorrelationData = 9,
    SubscriptionIdentifier = 11,
    SessionExpiryInterval = 17,
    AssignedClientIdentifier = 18,
    ServerKeepAlive = 19,
    AuthenticationMethod = 21,
    AuthenticationData = 22,
    RequestProblemInformation = 23,
    WillDelayInterval = 24,
    RequestResponseInformation = 25,
    ResponseInformation = 26,
    ServerReference = 28,
    ReasonString = 31,
    ReceiveMaximum = 33,
    TopicAliasMaximum = 34,
    TopicAlias = 35,
    MaximumQos = 36,
    RetainAvailable = 37,
    UserProperty = 38,
    MaximumPacketSize = 39,
    WildcardSubscriptionAvailable = 40,
    SubscriptionIdentifierAvailable = 41,
    SharedSubscriptionAvailable = 42,
};

enum class PropertyType { Byte, TwoByte, FourByte, VarInt, Utf8, Binary, Pair };

// One property. Numeric kinds use `number`; string and binary kinds use `text`;
// a user property is the pair (`text`, `value`).
struct Property {
    PropertyId id{};
    std::uint32_t number = 0;
    std::string text;
    std::string value;

    bool operator==(const Property&) const = default;
};

using Properties = std::vector<Property>;

PropertyType property_type(PropertyId id);
// mosquitto's name, e.g. "message-expiry-interval".
std::string_view property_name(PropertyId id);
// Any case, as mosquitto: "Content-Type" is content-type.
std::optional<PropertyId> property_from_name(std::string_view name);

// The first property with this id, or nullptr.
const Property* find_property(const Properties& properties, PropertyId id);

// The packets a `-D` property may be attached to, as mosquitto names them.
enum class PacketKind { Connect, Publish, Subscribe, Unsubscribe, Disconnect, Will, Auth };
// Any case, as mosquitto: "PUBLISH" is publish.
std::optional<PacketKind> packet_kind_from_name(std::string_view name);
bool property_allowed_in(PropertyId id, PacketKind kind);

// Parses one `-D CMD NAME VALUE` triple (CMD already checked by the caller to be `kind`).
// Throws mqtk::Error(Usage) with a one-line reason on a bad name, value or placement.
Property parse_property_argument(PacketKind kind, std::string_view name, std::string_view value,
                                 std::string_view user_value = {});

}  // namespace mqtk
