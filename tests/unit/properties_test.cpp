// The MQTT 5 property table and `-D CMD NAME VALUE` parsing (core/properties.h).
#include "core/properties.h"

#include <doctest/doctest.h>

#include "core/error.h"

using mqtk::PacketKind;
using mqtk::PropertyId;

TEST_CASE("properties: command and property names match in any case, as in mosquitto") {
    CHECK(mqtk::packet_kind_from_name("publish") == PacketKind::Publish);
    CHECK(mqtk::packet_kind_from_name("PUBLISH") == PacketKind::Publish);
    CHECK(mqtk::packet_kind_from_name("Will") == PacketKind::Will);
    CHECK_FALSE(mqtk::packet_kind_from_name("publishx"));
    CHECK(mqtk::property_from_name("User-Property") == PropertyId::UserProperty);
    CHECK(mqtk::property_from_name("CONTENT-TYPE") == PropertyId::ContentType);
    CHECK_FALSE(mqtk::property_from_name("content_type"));
    const auto property =
        mqtk::parse_property_argument(PacketKind::Publish, "Message-Expiry-Interval", "60");
    CHECK(property.id == PropertyId::MessageExpiryInterval);
    CHECK(property.number == 60);
    // Names written out (--json) stay mosquitto's lower case.
    CHECK(mqtk::property_name(PropertyId::UserProperty) == "user-property");
}
