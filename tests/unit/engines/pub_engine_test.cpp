// `mqtk pub`'s engine (core/pub.cpp) in-process against FakeConnection: what -m, --repeat
// and -l publish, how -W ends a run that still reads stdin or waits for acknowledgements,
// and how the publishes' outcomes (refused, dropped with the session, resent with it, a
// broker gone, a QoS 2 downgrade) become the exit code and its one line.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "core/pub.h"
#include "tests/unit/engines/fake_connection.h"

using mqtk::ConnectOptions;
using mqtk::ExitCode;
using mqtk::PayloadSource;
using mqtk::PubOptions;
using mqtk::test::FakeConnection;
using mqtk::test::InputPipe;
using mqtk::test::RunResult;
using namespace std::chrono_literals;

namespace {

PubOptions message_to(const std::string& topic, const std::string& payload) {
    PubOptions options;
    options.topic = topic;
    options.source = PayloadSource::Message;
    options.message = payload;
    return options;
}

PubOptions lines_to(const std::string& topic) {
    PubOptions options;
    options.topic = topic;
    options.source = PayloadSource::StdinLines;
    return options;
}

RunResult pub(FakeConnection& fake, const PubOptions& options, int input = -1,
              const ConnectOptions& connection = {}) {
    return mqtk::test::result_of(
        [&] { return mqtk::run_pub(connection, options, fake.factory(), input); });
}

// The same on another thread, for a test that plays the broker meanwhile. -W bounds it, so
// that a test whose engine never ends fails instead of hanging.
std::future<RunResult> start_pub(FakeConnection& fake, PubOptions options,
                                 const ConnectOptions& connection = {}) {
    if (!options.timeout) options.timeout = 10;
    return std::async(std::launch::async,
                      [&fake, options, connection] { return pub(fake, options, -1, connection); });
}

RunResult finished(std::future<RunResult>& run) {
    REQUIRE(run.wait_for(10s) == std::future_status::ready);
    return run.get();
}

std::vector<std::string> payloads(const FakeConnection& fake) {
    std::vector<std::string> result;
    for (const auto& message : fake.published())
        result.push_back(message.payload);
    return result;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("pub engine: -m publishes one message as given, then a clean DISCONNECT") {
    FakeConnection fake;
    auto options = message_to("a/b", "hello");
    options.qos = 1;
    options.retain = true;
    const RunResult result = pub(fake, options);
    CHECK(result.code == ExitCode::Success);
    CHECK(result.error.empty());
    const auto sent = fake.published();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].topic == "a/b");
    CHECK(sent[0].payload == "hello");
    CHECK(sent[0].qos == 1);
    CHECK(sent[0].retain);
    REQUIRE(fake.made());
    CHECK(fake.made()->command == "pub");
    // pub's session policy: it reconnects, and what it publishes meanwhile waits.
    CHECK(fake.made()->behaviour.auto_reconnect);
    CHECK(fake.made()->behaviour.publish_while_disconnected);
    // A normal end waits for the flows (the default 2 s), unlike a -W or signal end.
    CHECK(fake.disconnects() == std::vector{std::chrono::milliseconds(2000)});
}

TEST_CASE("pub engine: --repeat publishes the message that many times") {
    FakeConnection fake;
    auto options = message_to("t", "x");
    options.repeat = 3;
    CHECK(pub(fake, options).code == ExitCode::Success);
    CHECK(payloads(fake) == std::vector<std::string>{"x", "x", "x"});
}

TEST_CASE("pub engine: -l publishes each line of stdin, an empty one and an unterminated last") {
    FakeConnection fake;
    InputPipe stdin_pipe;
    stdin_pipe.write("one\ntwo\r\n\nlast");
    stdin_pipe.close();
    CHECK(pub(fake, lines_to("t"), stdin_pipe.input()).code == ExitCode::Success);
    // '\r' kept, as mosquitto_pub keeps it.
    CHECK(payloads(fake) == std::vector<std::string>{"one", "two\r", "", "last"});
}

TEST_CASE("pub engine: -W ends -l while stdin stays open: exit 5, nothing published") {
    FakeConnection fake;
    InputPipe stdin_pipe;  // never written, never closed
    auto options = lines_to("t");
    options.timeout = 0.3;
    const auto start = std::chrono::steady_clock::now();
    const RunResult result = pub(fake, options, stdin_pipe.input());
    CHECK(result.code == ExitCode::Timeout);
    CHECK(result.error == "timed out after 0.3 s: stdin not read to its end, nothing published");
    CHECK(seconds_since(start) < 0.3 + 0.5);  // the promise, and a margin for a loaded machine
    // Past -W nothing is worth waiting for (and a late DISCONNECT lets the will go out).
    CHECK(fake.disconnects() == std::vector{std::chrono::milliseconds(0)});
}

TEST_CASE("pub engine: -W after some lines of an open stdin names what was published") {
    FakeConnection fake;
    InputPipe stdin_pipe;
    stdin_pipe.write("a\nb\n");
    auto options = lines_to("t");
    options.timeout = 0.3;
    const RunResult result = pub(fake, options, stdin_pipe.input());
    CHECK(result.code == ExitCode::Timeout);
    CHECK(result.error ==
          "timed out after 0.3 s: stdin not read to its end; 2 messages published, all "
          "acknowledged");
    CHECK(payloads(fake) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("pub engine: -W while the broker acknowledges nothing: exit 5 with the count") {
    FakeConnection fake;
    fake.auto_acknowledge = false;
    auto options = message_to("t", "x");
    options.qos = 1;
    options.timeout = 0.3;
    const RunResult result = pub(fake, options);
    CHECK(result.code == ExitCode::Timeout);
    CHECK(result.error == "timed out after 0.3 s: 1 of 1 messages not acknowledged");
    CHECK(fake.disconnects() == std::vector{std::chrono::milliseconds(0)});
}

TEST_CASE("pub engine: -s with an empty stdin is a usage error, before connecting") {
    FakeConnection fake;
    InputPipe stdin_pipe;
    stdin_pipe.close();
    PubOptions options;
    options.topic = "t";
    options.source = PayloadSource::Stdin;
    const RunResult result = pub(fake, options, stdin_pipe.input());
    CHECK(result.code == ExitCode::Usage);
    CHECK(result.error == "-s: zero length input on stdin (-n publishes an empty message)");
    CHECK(fake.connects() == 0);
}

TEST_CASE("pub engine: -s publishes all of stdin as one message") {
    FakeConnection fake;
    InputPipe stdin_pipe;
    stdin_pipe.write("line 1\nline 2\n");
    stdin_pipe.close();
    PubOptions options;
    options.topic = "t";
    options.source = PayloadSource::Stdin;
    CHECK(pub(fake, options, stdin_pipe.input()).code == ExitCode::Success);
    CHECK(payloads(fake) == std::vector<std::string>{"line 1\nline 2\n"});
}

TEST_CASE("pub engine: a publish the broker refuses is exit 1 with its reason and the count") {
    FakeConnection fake;
    fake.auto_acknowledge = false;
    auto options = message_to("t", "x");
    options.qos = 1;
    options.repeat = 3;
    auto run = start_pub(fake, options);
    REQUIRE(fake.await([&] { return fake.published().size() == 3; }));
    fake.acknowledge(2);
    fake.refuse("broker refused the publish: Not authorized (0x87)");
    const RunResult result = finished(run);
    CHECK(result.code == ExitCode::Failure);
    CHECK(result.error ==
          "broker refused the publish: Not authorized (0x87) (1 of 3 messages not delivered)");
}

TEST_CASE("pub engine: messages in flight when the clean session is lost are counted dropped") {
    FakeConnection fake;
    fake.auto_acknowledge = false;
    auto options = message_to("t", "x");
    options.qos = 1;
    options.repeat = 2;
    auto run = start_pub(fake, options);
    REQUIRE(fake.await([&] { return fake.published().size() == 2; }));
    fake.drop();
    fake.restore(/*session_present=*/false);
    const RunResult result = finished(run);
    CHECK(result.code == ExitCode::Failure);
    CHECK(result.error ==
          "connection to fake:1883 was lost: 2 of 2 messages in flight were dropped with the "
          "clean session (-c -i ID keeps them for resending)");
    CHECK(fake.counts().dropped == 2);
}

TEST_CASE("pub engine: with a kept session what was in flight is resent, and the run succeeds") {
    FakeConnection fake;
    fake.auto_acknowledge = false;
    ConnectOptions connection;
    connection.clean_session = false;
    connection.client_id = "keeper";
    auto options = message_to("t", "x");
    options.qos = 1;
    options.repeat = 2;
    auto run = start_pub(fake, options, connection);
    REQUIRE(fake.await([&] { return fake.published().size() == 2; }));
    fake.drop();
    fake.restore(/*session_present=*/true);
    const RunResult result = finished(run);
    CHECK(result.code == ExitCode::Success);
    CHECK(result.error.empty());
    const auto counts = fake.counts();
    CHECK(counts.resent == 2);
    CHECK(counts.dropped == 0);
}

TEST_CASE("pub engine: a broker away longer than --connect-timeout ends the run with exit 3") {
    FakeConnection fake;
    fake.auto_acknowledge = false;
    ConnectOptions connection;
    connection.connect_timeout = 0.3;
    auto options = message_to("t", "x");
    options.qos = 1;
    auto run = start_pub(fake, options, connection);
    REQUIRE(fake.await([&] { return fake.published().size() == 1; }));
    const auto lost_at = std::chrono::steady_clock::now();
    fake.drop();
    const RunResult result = finished(run);
    CHECK(result.code == ExitCode::Unreachable);
    CHECK(result.error ==
          "connection to fake:1883 lost and not regained within 0.3 s: 1 of 1 messages not "
          "acknowledged");
    // The budget, plus the 100 ms between looks and a margin for a loaded machine.
    CHECK(seconds_since(lost_at) < 0.3 + 0.1 + 0.5);
}

TEST_CASE("pub engine: a message over the broker's Maximum Packet Size is not sent: exit 1") {
    FakeConnection fake;
    fake.connect_result.version = mqtk::ProtocolVersion::V5;
    mqtk::Property maximum;
    maximum.id = mqtk::PropertyId::MaximumPacketSize;
    maximum.number = 64;
    fake.connect_result.properties.push_back(maximum);
    ConnectOptions connection;
    connection.version = mqtk::ProtocolVersion::V5;
    const RunResult result = pub(fake, message_to("t", std::string(100, 'x')), -1, connection);
    CHECK(result.code == ExitCode::Failure);
    // The refused message counts as attempted and not delivered (not "0 of 0").
    CHECK(result.error ==
          "message too large: the PUBLISH of a 100-byte payload is 106 bytes, the broker "
          "accepts packets of at most 64 bytes (its Maximum Packet Size) (1 of 1 messages not "
          "delivered)");
    CHECK(fake.published().empty());
}

TEST_CASE("pub engine: QoS 2 answered with a PUBACK is exit 1 naming the downgrade") {
    FakeConnection fake;
    fake.qos2_answered_with_puback = true;
    auto options = message_to("t", "x");
    options.qos = 2;
    const RunResult result = pub(fake, options);
    CHECK(result.code == ExitCode::Failure);
    CHECK(result.error ==
          "the broker answered 1 of 1 QoS 2 messages with a PUBACK, as QoS 1: it may not "
          "support QoS 2 (use -q 1 with it)");
}

TEST_CASE("pub engine: a full window holds the publisher until acknowledgements make room") {
    FakeConnection fake;
    fake.auto_acknowledge = false;
    fake.window = 2;
    auto options = message_to("t", "x");
    options.qos = 1;
    options.repeat = 5;
    auto run = start_pub(fake, options);
    REQUIRE(fake.await([&] { return fake.published().size() == 2; }));
    // Nothing to wait for but a silence: the third must not go out before an acknowledgement.
    std::this_thread::sleep_for(200ms);
    CHECK(fake.published().size() == 2);
    fake.acknowledge(1);
    REQUIRE(fake.await([&] { return fake.published().size() == 3; }));
    while (run.wait_for(10ms) != std::future_status::ready)
        fake.acknowledge();
    CHECK(run.get().code == ExitCode::Success);
    CHECK(fake.published().size() == 5);
    CHECK(fake.counts().completed == 5);
}
