// Promises the man page makes that no other test held mqtk to: pub's give-up after 30 s
// without an acknowledgement, -D properties on the will, the DISCONNECT and the
// UNSUBSCRIBE, and TLS trust from the system's store (--tls-use-os-certs, mqtts:// with no
// CA option). Each check is what a user of the promise would look at: the exit code and
// its line, what a subscriber receives, the bytes of the packet on the wire.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/fake_broker.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::concat;
using mqtk::test::contains;
using mqtk::test::FakeBroker;
using mqtk::test::mqtk_argv;
using mqtk::test::MqttPacket;
using mqtk::test::Observer;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::RunOptions;
using Clock = std::chrono::steady_clock;
using Args = std::vector<std::string>;
namespace packet = mqtk::test::packet;

// The body of the first packet of `type` the clients of `relay` sent; empty when none.
std::string first_body(const FakeBroker& relay, std::uint8_t type) {
    for (const MqttPacket& p : relay.client_packets()) {
        if ((p.header >> 4) == type) return p.body;
    }
    return {};
}

// An MQTT 5 user property as it stands in a packet: 0x26, then two length-prefixed strings.
std::string user_property_bytes(const std::string& key, const std::string& value) {
    auto prefixed = [](const std::string& s) {
        return std::string{static_cast<char>(s.size() >> 8), static_cast<char>(s.size() & 0xff)} +
               s;
    };
    return "\x26" + prefixed(key) + prefixed(value);
}

}  // namespace

// mqtk(1): "a QoS 1/2 publish ... that the broker acknowledges nothing of for 30 s ends
// with exit 1". A relay withholds every PUBACK, so nothing is ever acknowledged.
TEST_CASE("promises: pub gives up after 30 s without an acknowledgement, exit 1") {
    Broker broker;
    FakeBroker relay(FakeBroker::relay_dropping(broker.port(), {packet::kPuback}));
    const auto start = Clock::now();
    const ProcessResult r =
        mqtk::test::run(mqtk_argv("pub", relay.port(), {"-t", "promise/ack", "-q", "1", "-m", "x"}),
                        {.timeout = 60s});
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    INFO(r.describe() << "\nafter " << seconds << " s");
    CHECK(r.exit_code == 1);
    CHECK(mqtk::test::is_one_error_line(r.err));
    CHECK(contains(r.err, "acknowledged nothing for 30 s"));
    // The promised 30 s, plus 3 s for start-up and the DISCONNECT on a busy machine.
    CHECK(seconds >= 30.0);
    CHECK(seconds < 33.0);
}

TEST_CASE("promises: -D will user-property reaches whoever gets the will") {
    Broker broker;
    Observer will(broker, {"promise/will"}, {"-V", "5", "-F", "%P|%p"});
    const std::string id = "will-props";
    Process sub(
        mqtk_argv("sub", broker.port(),
                  {"-V", "5", "-i", id, "-t", "promise/x", "--will-topic", "promise/will",
                   "--will-payload", "gone", "-D", "will", "user-property", "why", "killed"}));
    REQUIRE(mqtk::test::wait_for_subscriptions(broker, id, {"promise/x"}, 10s, &sub));
    sub.send_signal(SIGKILL);  // no DISCONNECT: the broker sends the will
    CHECK(will.lines(1, 10s) == std::vector<std::string>{"why:killed|gone"});
}

TEST_CASE("promises: -D disconnect and -D unsubscribe properties are in their packets") {
    Broker broker;
    FakeBroker relay(FakeBroker::relay_dropping(broker.port(), {}));
    const ProcessResult r =
        mqtk::test::run(mqtk_argv("sub", relay.port(),
                                  {"-V", "5", "-t", "promise/u", "-U", "promise/u", "-E", "-D",
                                   "unsubscribe", "user-property", "unsub-key", "unsub-value", "-D",
                                   "disconnect", "user-property", "bye-key", "bye-value"}));
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(contains(first_body(relay, 10 /* UNSUBSCRIBE */),
                   user_property_bytes("unsub-key", "unsub-value")));
    CHECK(contains(first_body(relay, packet::kDisconnect),
                   user_property_bytes("bye-key", "bye-value")));
    // mosquitto_sub sends the same (the oracle for the bytes compared above).
    FakeBroker oracle_relay(FakeBroker::relay_dropping(broker.port(), {}));
    const ProcessResult oracle = mqtk::test::run({"mosquitto_sub",
                                                  "-h",
                                                  "127.0.0.1",
                                                  "-p",
                                                  std::to_string(oracle_relay.port()),
                                                  "-V",
                                                  "5",
                                                  "-t",
                                                  "promise/u",
                                                  "-U",
                                                  "promise/u",
                                                  "-E",
                                                  "-D",
                                                  "unsubscribe",
                                                  "user-property",
                                                  "unsub-key",
                                                  "unsub-value",
                                                  "-D",
                                                  "disconnect",
                                                  "user-property",
                                                  "bye-key",
                                                  "bye-value"});
    REQUIRE(oracle.exit_code == 0);
    CHECK(contains(first_body(oracle_relay, 10), user_property_bytes("unsub-key", "unsub-value")));
    CHECK(contains(first_body(oracle_relay, packet::kDisconnect),
                   user_property_bytes("bye-key", "bye-value")));
}

// The system's trust store is OpenSSL's default paths, which SSL_CERT_FILE overrides: with
// it naming the test CA, "the system" trusts the test broker; with an unrelated CA, not.
TEST_CASE("promises: --tls-use-os-certs and mqtts:// without a CA option use the system store") {
    Broker broker({.tls = true});
    const std::string port = std::to_string(broker.tls_port());
    const RunOptions trusted{.env = {{"SSL_CERT_FILE", Broker::ca_file()}}};
    const RunOptions untrusted{.env = {{"SSL_CERT_FILE", Broker::other_ca_file()}}};
    const Args os_certs = {"pub", "-h",          "localhost", "-p", port, "--tls-use-os-certs",
                           "-t",  "promise/tls", "-m",        "x"};
    const Args url = {"pub", "-L", "mqtts://localhost:" + port + "/promise/tls", "-m", "x"};
    for (const Args& args : {os_certs, url}) {
        CAPTURE(args[3]);
        const ProcessResult ok = mqtk::test::mqtk(args, trusted);
        INFO(ok.describe());
        CHECK(ok.exit_code == 0);
        const ProcessResult refused = mqtk::test::mqtk(args, untrusted);
        INFO(refused.describe());
        CHECK(refused.exit_code == 3);
        CHECK(mqtk::test::is_one_error_line(refused.err));
    }
}
