// An independent witness of what reaches a Broker: the real mosquitto_sub running in the
// background, so tests check mqtk's publishing without trusting mqtk's subscribing.
//
// What it returns is exactly what mosquitto_sub prints with extra_args (default "-v":
// "topic payload" lines): lines() splits it into lines, raw() gives the bytes unchanged.
// For byte-exact payload checks choose the format:
//   - one message:    extra_args {"-N"} (no newline appended), then raw() == payload;
//   - many messages:  extra_args {"-F", "%x"} (payload as hex, one per line), then
//                     Observer::unhex(line) == payload.
//
// No race with the test's first publish: the constructor returns only once the broker has
// logged every subscription (mosquitto logs "<client id> <qos> <filter>" right after
// adding it, before its SUBACK). Nothing is published for the sake of synchronisation, so
// the output holds only the test's messages and -C, -R, -N, -F... behave as in a terminal.
// After Broker::restart() mosquitto_sub reconnects and resubscribes by itself, but nothing
// waits for that: make a new Observer instead.
//
//   Observer seen(broker, {"sensors/#"});
//   mqtk({"pub", "-p", std::to_string(broker.port()), "-t", "sensors/a", "-m", "1"});
//   CHECK(seen.lines(1, 5s) == std::vector<std::string>{"sensors/a 1"});
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "support/broker.h"
#include "support/process.h"

namespace mqtk::test {

class Observer {
  public:
    // Subscribes to filters on broker.port() (anonymous, plain MQTT) as client id
    // "mqtk-observer-<pid>-<n>", or the -i/--id given in extra_args. Throws
    // std::runtime_error (with mosquitto_sub's stderr and the broker log) when the
    // subscriptions are not active within 30 s.
    Observer(const Broker& broker, std::vector<std::string> filters,
             std::vector<std::string> extra_args = {"-v"});
    ~Observer() = default;  // kills mosquitto_sub if it still runs
    Observer(const Observer&) = delete;
    Observer& operator=(const Observer&) = delete;

    // The complete ('\n'-terminated) lines printed so far, after waiting until there are
    // at least at_least of them, mosquitto_sub exited, or the timeout passed.
    std::vector<std::string> lines(std::size_t at_least = 0,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Everything printed so far, byte for byte, after waiting for at_least_bytes likewise.
    std::string raw(std::size_t at_least_bytes = 0,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

    // For runs that end by themselves (-C, -W in extra_args): waits for mosquitto_sub.
    ProcessResult wait(std::chrono::milliseconds timeout);

    const std::string& client_id() const { return client_id_; }
    // mosquitto_sub's stderr, for failure messages.
    std::string diagnostics() const;

    // "00ff41" -> "\x00\xff" "A"; throws std::invalid_argument on anything but hex pairs.
    static std::string unhex(std::string_view hex);

  private:
    void wait_until_subscribed(const Broker& broker, const std::vector<std::string>& filters);

    std::string client_id_;
    Process process_;
};

}  // namespace mqtk::test
