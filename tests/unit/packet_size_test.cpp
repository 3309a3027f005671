// PUBLISH packet sizes against hand-counted packets (MQTT 3.1.1 / 5, section 3.3).
#include "core/packet_size.h"

#include <doctest/doctest.h>

#include "core/error.h"

namespace {

using mqtk::Message;
using mqtk::ProtocolVersion;

Message message(std::string topic, std::size_t payload_size, int qos) {
    Message m;
    m.topic = std::move(topic);
    m.payload.assign(payload_size, 'x');
    m.qos = qos;
    return m;
}

}  // namespace

TEST_CASE("packet size: fixed header, topic, packet id, properties and payload") {
    // 0x32 | remaining 12 | 00 03 "a/b" | packet id 2 bytes | "hello"
    CHECK(mqtk::publish_packet_size(message("a/b", 5, 1), ProtocolVersion::V311) == 14);
    CHECK(mqtk::publish_packet_size(message("a/b", 5, 0), ProtocolVersion::V311) == 12);
    // MQTT 5 adds the properties' length (0: one byte).
    CHECK(mqtk::publish_packet_size(message("a/b", 5, 1), ProtocolVersion::V5) == 15);
    Message typed = message("a/b", 5, 1);
    mqtk::Property content_type;
    content_type.id = mqtk::PropertyId::ContentType;
    content_type.text = "json";
    typed.properties.push_back(content_type);  // 1 id + 2 length + 4
    CHECK(mqtk::publish_packet_size(typed, ProtocolVersion::V5) == 15 + 7);
    // A remaining length of 128 and more takes two bytes: 1 + 2 + (2 + 1 + 125).
    CHECK(mqtk::publish_packet_size(message("t", 124, 0), ProtocolVersion::V311) == 1 + 1 + 127);
    CHECK(mqtk::publish_packet_size(message("t", 125, 0), ProtocolVersion::V311) == 1 + 2 + 128);
}

TEST_CASE("packet size: the broker's maximum and MQTT's own") {
    const Message m = message("t", 100, 1);
    const auto size = mqtk::publish_packet_size(m, ProtocolVersion::V5);
    CHECK_NOTHROW(mqtk::check_publish_size(m, ProtocolVersion::V5, size));
    try {
        mqtk::check_publish_size(m, ProtocolVersion::V5, size - 1);
        FAIL("a packet one byte over the maximum passed");
    } catch (const mqtk::Error& error) {
        CHECK(error.code() == mqtk::ExitCode::Failure);
        CHECK(std::string(error.what()).find("Maximum Packet Size") != std::string::npos);
    }
    const Message huge = message("t", mqtk::kMaxRemainingLength, 0);
    try {
        mqtk::check_publish_size(huge, ProtocolVersion::V311);
        FAIL("a payload beyond MQTT's largest packet passed");
    } catch (const mqtk::Error& error) {
        CHECK(error.code() == mqtk::ExitCode::Usage);
    }
}
