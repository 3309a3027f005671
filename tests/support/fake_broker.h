// A broker that misbehaves on purpose, for the fault tests (integration/faults_test.cpp):
// a TCP server on a free loopback port whose every accepted connection runs a script in a
// thread of its own. The scripts here cover what real brokers and wrong ports do to a
// client during the handshake (never answer, hang up after CONNECT, answer something that
// is not MQTT), and a relay to a real broker that drops packets of chosen types, so a
// stage such as "waiting for PUBACKs" can be held open for as long as a test needs while
// the real broker still sees (and logs) everything the client sends.
//
// Everything clients send is parsed into packets and kept, whatever the script does with
// it, so a test can check what mqtk sent (a CONNECT, a DISCONNECT) and whether it hung up.
//
//   mqtk::test::FakeBroker silent(mqtk::test::FakeBroker::silent());
//   auto r = mqtk({"pub", "-p", std::to_string(silent.port()), "-t", "t", "-m", "x",
//                  "--connect-timeout", "2"});
//   CHECK(silent.wait_for_packet(1, 1s));  // it did send a CONNECT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/wire.h"  // MqttPacket

namespace mqtk::test {

// MQTT control packet types (the high nibble of the first byte).
namespace packet {
inline constexpr std::uint8_t kConnect = 1;
inline constexpr std::uint8_t kConnack = 2;
inline constexpr std::uint8_t kPublish = 3;
inline constexpr std::uint8_t kPuback = 4;
inline constexpr std::uint8_t kSubscribe = 8;
inline constexpr std::uint8_t kSuback = 9;
inline constexpr std::uint8_t kDisconnect = 14;
}  // namespace packet

class FakeBroker {
  public:
    struct State;  // shared with the threads; defined in fake_broker.cpp

    // One accepted client connection, as a script sees it. Every read is bounded and
    // returns early when the FakeBroker is being destroyed.
    class Connection {
      public:
        Connection(std::shared_ptr<State> state, int fd);
        ~Connection();  // closes the socket
        Connection(const Connection&) = delete;
        Connection& operator=(const Connection&) = delete;

        // The client's next complete packet; nullopt at the timeout, when the client
        // closed the connection or when the broker stops.
        std::optional<MqttPacket> read_packet(std::chrono::milliseconds timeout);
        // Reads (and records) until the client closes or the broker stops.
        void drain();
        void send(std::string_view bytes);
        // Forwards both ways between the client and 127.0.0.1:upstream_port until either
        // side closes; packets from upstream whose type is in `drop` never reach the client.
        void relay(int upstream_port, const std::set<std::uint8_t>& drop);
        bool client_closed() const { return client_closed_; }

      private:
        bool fill(std::chrono::steady_clock::time_point until);  // false: nothing more
        std::optional<MqttPacket> take_packet();

        std::shared_ptr<State> state_;
        int fd_;
        std::string buffer_;  // bytes received, not yet a complete packet
        bool client_closed_ = false;
    };
    using Script = std::function<void(Connection&)>;

    // Listens at once; each connection accepted runs `script`, then is closed.
    explicit FakeBroker(Script script);
    ~FakeBroker();  // stops every script and joins the threads
    FakeBroker(const FakeBroker&) = delete;
    FakeBroker& operator=(const FakeBroker&) = delete;

    int port() const { return port_; }

    // --- scripts ---
    // Reads whatever comes and never answers (a broker hung before its CONNACK).
    static Script silent();
    // Reads the CONNECT, then hangs up.
    static Script close_after_connect();
    // Reads the CONNECT, sends `bytes`, then reads on without closing.
    static Script answer_after_connect(std::string bytes);
    // A relay to a real broker that withholds the packet types in `drop` from the client.
    static Script relay_dropping(int upstream_port, std::set<std::uint8_t> drop);
    // A broker (MQTT 3.1.1) that accepts everything and answers every QoS 1 and QoS 2
    // PUBLISH with a PUBACK, as RabbitMQ 3.10 does: a QoS 2 publisher waits for ever for
    // its PUBREC. Subscriptions are granted QoS 1; nothing is delivered to anyone.
    static Script puback_for_qos2();

    // --- what clients did ---
    std::size_t connections() const;  // accepted so far
    // Every complete packet clients sent so far, connection after connection.
    std::vector<MqttPacket> client_packets() const;
    // True as soon as a client sent a packet of that type.
    bool wait_for_packet(std::uint8_t type, std::chrono::milliseconds timeout) const;
    // True once a relay withheld `count` packets of that type from its clients.
    bool wait_for_dropped(std::uint8_t type, std::size_t count,
                          std::chrono::milliseconds timeout) const;
    // True once `count` connections were closed by their client (EOF or reset seen).
    bool wait_for_client_hangups(std::size_t count, std::chrono::milliseconds timeout) const;

  private:
    std::shared_ptr<State> state_;
    int port_ = -1;
};

// A CONNACK accepting an MQTT 3.1.1 CONNECT (session present 0, return code 0).
inline constexpr std::string_view kConnackAccepted{"\x20\x02\x00\x00", 4};

}  // namespace mqtk::test
