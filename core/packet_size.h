// The size of the PUBLISH packet a message becomes, for refusing a message that cannot be
// sent before sending it: beyond MQTT's largest packet (a remaining length of 268,435,455
// bytes) no broker can take it, and an MQTT 5 broker announces a smaller Maximum Packet
// Size in CONNACK. Sent anyway, such a message makes the broker drop the connection
// ("packet too large"), which a QoS 0 publisher never even notices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/message.h"
#include "core/options.h"

namespace mqtk {

// MQTT's largest remaining length (the 4-byte variable byte integer's maximum).
inline constexpr std::size_t kMaxRemainingLength = 268'435'455;

// Bytes of the whole PUBLISH packet (fixed header included) that carries message, as the
// broker counts them against its Maximum Packet Size.
std::size_t publish_packet_size(const Message& message, ProtocolVersion version);

// Throws mqtk::Error when message cannot be published: Usage when it exceeds what MQTT
// allows at all (known before connecting), Failure when it exceeds broker_maximum (the
// Maximum Packet Size of a v5 CONNACK, if the broker announced one).
void check_publish_size(const Message& message, ProtocolVersion version,
                        std::optional<std::uint32_t> broker_maximum = std::nullopt);

}  // namespace mqtk
