// Helpers for the sub and echo integration tests: what the broker logged about a client's
// subscriptions, mosquitto_pub as an independent publisher, hex/base64/line utilities, and
// a WireTap, a TCP relay between a client and the broker that records every byte the
// client sends, so the packets themselves (SUBSCRIBE options and properties) can be read.
//
// NOTE: reconstructed from wire.cpp and its callers after this header was accidentally
// overwritten; the declarations match the definitions in wire.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/broker.h"
#include "support/process.h"

namespace mqtk::test {

// The QoS of each subscription to exactly `filter` that mosquitto logged for client_id
// ("<client id> <qos> <filter>"), in log order.
std::vector<int> logged_subscriptions(std::string_view log, std::string_view client_id,
                                      std::string_view filter);

// How many unsubscriptions from exactly `filter` mosquitto logged for client_id.
std::size_t logged_unsubscriptions(std::string_view log, std::string_view client_id,
                                   std::string_view filter);

// True once the broker has logged a subscription of client_id to every filter; false at
// the timeout, or early when `process` (if given) has exited.
bool wait_for_subscriptions(const Broker& broker, std::string_view client_id,
                            const std::vector<std::string>& filters,
                            std::chrono::milliseconds timeout, const Process* process = nullptr);

// The real mosquitto_pub against broker.port() with args appended to -h/-p.
ProcessResult mosquitto_pub(const Broker& broker, std::vector<std::string> args);

// "\x00\xff" -> "00ff" (lower case, as mosquitto_sub's %x).
std::string to_hex(std::string_view bytes);

// RFC 4648 base64 (padded) to bytes; throws std::invalid_argument on malformed input.
std::string base64_decode(std::string_view text);

// The complete ('\n'-terminated) lines of text, without their '\n'.
std::vector<std::string> split_lines(std::string_view text);

// How many times `part` occurs in `text` (overlapping ones too): packets in a -d trace,
// lines in a broker log.
std::size_t occurrences(std::string_view text, std::string_view part);

// An MQTT 5 SUBSCRIBE packet's variable header and payload, decoded.
struct SubscribePacket {
    struct Entry {
        std::string filter;
        std::uint8_t options = 0;  // QoS, no-local, retain-as-published, retain handling
    };
    std::uint16_t packet_id = 0;
    std::vector<std::uint32_t> subscription_identifiers;
    std::vector<std::pair<std::string, std::string>> user_properties;
    std::vector<Entry> entries;
};

// Parses the body (everything after the fixed header) of an MQTT 5 SUBSCRIBE. Throws
// std::runtime_error when it is malformed.
SubscribePacket parse_subscribe_v5(std::string_view body);

// One MQTT control packet: the fixed header's first byte and the rest after the length.
struct MqttPacket {
    std::uint8_t header = 0;  // packet type << 4 | flags
    std::string body;
};

// A relay on a free loopback port that forwards every connection to broker_port and
// records what clients send, for tests that must see the packets themselves.
class WireTap {
  public:
    explicit WireTap(int broker_port);
    ~WireTap();
    WireTap(const WireTap&) = delete;
    WireTap& operator=(const WireTap&) = delete;

    int port() const;  // where clients connect instead of the broker

    // Every complete packet clients sent so far, connection after connection.
    std::vector<MqttPacket> client_packets() const;
    // A network cut: closes every relayed connection at once, both ways (clients and the
    // broker see the peer go away); new connections are relayed again afterwards.
    void cut();
    // The first packet of `type` (e.g. 8 = SUBSCRIBE) clients sent, waiting up to timeout.
    std::optional<MqttPacket> wait_for_packet(std::uint8_t type,
                                              std::chrono::milliseconds timeout) const;

    struct State;  // defined in wire.cpp

  private:
    std::shared_ptr<State> state_;
};

}  // namespace mqtk::test
