// MQTT clients that no one here wrote, as independent witnesses and counterparts of mqtk
// in the interoperability tests: mosquitto_sub/mosquitto_pub (Debian), MQTT.js (npm
// `mqtt`: its own CLI and tests/support/interop/mqttjs_client.mjs) and Eclipse Paho's
// Python client (Debian's python3-paho-mqtt under /usr/bin/python3,
// tests/support/interop/paho_client.py). All three are driven alike, against any broker
// (unlike Observer, which relies on mosquitto's log to know when it is subscribed).
//
//   OutsideSubscriber seen(OutsideClient::MqttJs, {broker.host(), broker.port()},
//                          {.filters = {"t/#"}, .qos = 2});
//   mqtk({"pub", "-p", std::to_string(broker.port()), "-t", "t/a", "-m", "x", "-q", "2"});
//   auto got = seen.deliveries(1);   // got[0].topic == "t/a", got[0].qos == 2
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "support/process.h"

namespace mqtk::test {

enum class OutsideClient { Mosquitto, MqttJs, Paho };
inline constexpr OutsideClient kOutsideClients[] = {OutsideClient::Mosquitto, OutsideClient::MqttJs,
                                                    OutsideClient::Paho};

// "mosquitto_sub/pub", "MQTT.js", "paho-mqtt (Python)".
std::string client_name(OutsideClient client);
// The installed version: "2.0.11-1.2+deb12u2", "5.16.0", "1.6.1-1".
std::string client_version(OutsideClient client);

struct Endpoint {
    std::string host;
    int port = -1;
};

// One message as an outside subscriber received it.
struct Delivery {
    std::string topic;
    std::string payload;  // as text (the tests use UTF-8 payloads)
    int qos = -1;
    bool retain = false;
    std::vector<std::pair<std::string, std::string>> user_properties;  // MQTT 5
    std::string content_type;                                          // MQTT 5
};

struct OutsideSubscription {
    std::vector<std::string> filters;
    int qos = 0;
    int version = 4;  // the protocol level: 4 (MQTT 3.1.1) or 5
};

// The client subscribed in the background until destroyed.
class OutsideSubscriber {
  public:
    // Returns once the broker's SUBACK came (granted() tells what it granted); throws
    // std::runtime_error with the client's output when that takes more than 30 s or the
    // client ends (refused, unreachable, missing package).
    OutsideSubscriber(OutsideClient client, Endpoint broker, OutsideSubscription subscription);
    ~OutsideSubscriber() = default;  // kills the client
    OutsideSubscriber(const OutsideSubscriber&) = delete;
    OutsideSubscriber& operator=(const OutsideSubscriber&) = delete;

    // The QoS the broker granted, one per filter (128 = refused).
    const std::vector<int>& granted() const { return granted_; }
    // What arrived so far, after waiting until at_least messages did or the timeout passed.
    std::vector<Delivery> deliveries(std::size_t at_least = 0,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // The client's name, command line and output so far, for INFO().
    std::string diagnostics() const;

  private:
    std::vector<Delivery> parse(const std::string& out) const;

    OutsideClient client_;
    std::vector<std::string> argv_;
    Process process_;
    std::vector<int> granted_;
};

struct OutsidePublish {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
    int version = 4;
    std::vector<std::pair<std::string, std::string>> user_properties;  // MQTT 5
    std::string content_type;                                          // MQTT 5
};

// Publishes one message and returns once the client ended (after the acknowledgement
// for QoS 1/2). MQTT.js publishes with its own CLI (`mqtt pub`) for MQTT 3.1.1 and with
// mqttjs_client.mjs for MQTT 5, which the CLI does not speak.
ProcessResult outside_publish(OutsideClient client, const Endpoint& broker,
                              const OutsidePublish& message);

}  // namespace mqtk::test
