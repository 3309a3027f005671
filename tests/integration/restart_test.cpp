// Faults on the way: a broker restart, and a network cut, while `mqtk pub -l` streams
// 100,000 lines into `mqtk sub`, both with persistent sessions (-c -i ID), and a broker
// that does not come back. The lines are counted at the receiving end: every one arrives, in the
// order they were written (and at QoS 2 each only once, see persistent_broker()). Without -c the
// broker forgets what was in flight, and pub says how many messages went with the session.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::mqtk_argv;
using mqtk::test::Observer;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using Clock = std::chrono::steady_clock;

#ifdef MQTK_SANITIZE
// The sanitizer build runs the same paths for memory errors; its mqtk is 2-3 times slower,
// and 100,000 lines twice over would not fit the time a test is given.
constexpr int kLines = 20'000;
#else
constexpr int kLines = 100'000;
#endif
constexpr const char* kTopic = "restart/stream";

// Persistence keeps the sessions across restart(); no limit on what a session may queue
// while its client is away (mosquitto's default of 1000 would drop QoS 1/2 messages).
//
// max_inflight_messages: mosquitto 2.0.11 (Debian 12) sends QoS 2 lines to `recv` again
// after a restart although recv had them (issue 7). When messages queue up for a slow
// subscriber, each PUBCOMP moves up to max_inflight_messages queued messages into flight
// (db__message_delete_outgoing counts from the acknowledged message's position; fixed in
// 2.0.13), so far more than the maximum are in flight (1,467 of 20 seen). On restart
// persist_read.c puts only the first max_inflight_messages of them back in flight and the
// rest in the queue, and a queued QoS 2 message is sent as a new PUBLISH, even one whose
// PUBREL recv had already answered: Paho delivers it again (it must, MQTT-4.3.3). With a
// maximum above anything in flight here every message is restored in flight, with its
// state (65534: 2.0.11 reads 65535 as 0, "no maximum", which restores nothing in flight).
Broker::Config persistent_broker() {
    return {.persistence = true, .extra = "max_queued_messages 0\nmax_inflight_messages 65534\n"};
}

std::size_t count_lines(std::string_view text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string numbered_lines(int from, int to) {
    std::string text;
    for (int i = from; i < to; ++i)
        text += std::to_string(i) + '\n';
    return text;
}

// What the receiver printed, checked against 0..lines-1: all there, and in order (after
// dropping the duplicates QoS 1 may bring).
void check_stream(const std::string& out, int qos, int lines) {
    std::vector<long> received;
    std::size_t start = 0;
    for (std::size_t end = out.find('\n'); end != std::string::npos;
         start = end + 1, end = out.find('\n', start)) {
        received.push_back(std::stol(out.substr(start, end - start)));
    }
    std::set<long> seen;
    std::vector<long> first_arrivals;
    for (long n : received) {
        if (seen.insert(n).second) first_arrivals.push_back(n);
    }
    const std::size_t duplicates = received.size() - first_arrivals.size();
    long first_missing = -1;
    for (long n = 0; n < lines && first_missing < 0; ++n) {
        if (seen.count(n) == 0) first_missing = n;
    }
    INFO("received " << received.size() << " lines, " << seen.size() << " distinct, " << duplicates
                     << " duplicates, first missing: " << first_missing);
    CHECK(seen.size() == static_cast<std::size_t>(lines));
    CHECK(std::is_sorted(first_arrivals.begin(), first_arrivals.end()));
    // Exactly once at QoS 2 (with the broker set up as persistent_broker() says).
    if (qos == 2) CHECK(duplicates == 0);
}

// One run: receiver and publisher through `port` (the broker's or a tap's), `fault` done
// once the receiver has a fifth of the lines, i.e. in the middle of the stream.
// `tls` adds --cafile for a TLS port.
template <typename Fault>
void stream_through(const Broker& broker, int port, int qos, Fault fault, bool tls = false) {
    const int lines = kLines;
    const std::string q = std::to_string(qos);
    std::vector<std::string> sub_args = {"-t", kTopic, "-q", q, "-c", "-i", "recv"};
    std::vector<std::string> pub_args = {
        "-t", kTopic, "-q", q, "-l", "-c", "-i", "send", "--connect-timeout", "30"};
    if (tls) {
        for (auto* args : {&sub_args, &pub_args}) {
            args->push_back("--cafile");
            args->push_back(Broker::ca_file());
        }
    }
    Process receiver(mqtk_argv("sub", port, sub_args));
    REQUIRE(mqtk::test::wait_for_subscriptions(broker, "recv", {kTopic}, 10s, &receiver));
    Process publisher(mqtk_argv("pub", port, pub_args));
    publisher.write_stdin(numbered_lines(0, lines));
    publisher.close_stdin();
    const auto fifth = static_cast<std::size_t>(lines / 5);
    const bool midway = receiver.wait_until(
        [fifth](std::string_view out, std::string_view) { return count_lines(out) >= fifth; }, 60s);
    REQUIRE(midway);
    fault();
    const ProcessResult sent = publisher.wait(45s);
    INFO("pub: " << sent.describe());
    CHECK(sent.exit_code == 0);
    // Wait for every distinct line (duplicates make the count only larger).
    receiver.wait_until(
        [all = static_cast<std::size_t>(lines)](std::string_view out, std::string_view) {
            return count_lines(out) >= all;
        },
        45s);
    // A marker published after the last line: the broker sends a session's messages in
    // order, resent ones first, so once the marker is out any late duplicate is too.
    const std::string marker = "end-of-stream";
    REQUIRE(mqtk::test::run({"mosquitto_pub", "-h", broker.host(), "-p",
                             std::to_string(broker.port()), "-q", q, "-t", kTopic, "-m", marker})
                .exit_code == 0);
    REQUIRE(receiver.wait_for_output("\n" + marker + "\n", 20s));
    receiver.send_signal(SIGINT);
    const ProcessResult received = receiver.wait(10s);
    CHECK(received.exit_code == 130);
    const auto at = received.out.rfind(marker + "\n");
    REQUIRE(at == received.out.size() - marker.size() - 1);  // the marker came last
    check_stream(received.out.substr(0, at), qos, lines);
}

// One case per QoS, so each has its own time budget.
TEST_CASE("restart: 100,000 QoS 1 lines from pub -l -c into sub -c across a broker restart") {
    Broker broker(persistent_broker());
    stream_through(broker, broker.port(), 1, [&] { broker.restart(); });
}

TEST_CASE("restart: 100,000 QoS 2 lines from pub -l -c into sub -c across a broker restart") {
    Broker broker(persistent_broker());
    stream_through(broker, broker.port(), 2, [&] { broker.restart(); });
}

// A network cut: both clients talk to the broker through a relay (support/wire.h) that
// closes every connection at once, both ways, in the middle of the stream.
TEST_CASE("restart: 100,000 QoS 1 lines from pub -l -c into sub -c through a network cut") {
    Broker broker(persistent_broker());
    mqtk::test::WireTap tap(broker.port());
    stream_through(broker, tap.port(), 1, [&] { tap.cut(); });
}

TEST_CASE("restart: 100,000 QoS 2 lines from pub -l -c into sub -c through a network cut") {
    Broker broker(persistent_broker());
    mqtk::test::WireTap tap(broker.port());
    stream_through(broker, tap.port(), 2, [&] { tap.cut(); });
}

// TLS takes another path through Paho (SSL_write, then OpenSSL's write()) to the same
// fault that core/connection/hooks/paho_hooks.h describes for plain TCP.
TEST_CASE("restart: 100,000 QoS 1 lines over TLS from pub -l -c into sub -c through a cut") {
    Broker::Config config = persistent_broker();
    config.tls = true;
    Broker broker(config);
    mqtk::test::WireTap tap(broker.tls_port());
    stream_through(
        broker, tap.port(), 1, [&] { tap.cut(); }, true);
}

TEST_CASE("restart: pub gives up on a broker that stays away, with the count of the lost") {
    Broker broker(persistent_broker());
    // -d: the trace shows each PUBACK as it arrives.
    Process publisher(mqtk_argv(
        "pub", broker.port(),
        {"-t", kTopic, "-q", "1", "-l", "-c", "-i", "send", "--connect-timeout", "2", "-d"}));
    publisher.write_stdin(numbered_lines(0, 100));
    // The first 100 lines all acknowledged before the broker goes.
    REQUIRE(publisher.wait_until(
        [](std::string_view, std::string_view err) {
            return mqtk::test::occurrences(err, "<- PUBACK") >= 100;
        },
        20s));
    broker.stop();
    const auto stopped = Clock::now();
    publisher.write_stdin(numbered_lines(100, 200));  // still streaming: never acknowledged
    const ProcessResult r = publisher.wait(20s);
    INFO(r.describe());
    CHECK_FALSE(r.timed_out);
    // The budget is --connect-timeout from the loss; Paho's reconnect back-off adds ~1 s.
    // (Well below the 10 s of the default connect timeout.)
    CHECK(Clock::now() - stopped < 9s);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("not regained within 2 s") != std::string::npos);
    // 100 acknowledged; then the window (-M, 20) filled while the broker was away.
    CHECK(r.err.find("20 of 120 messages not acknowledged") != std::string::npos);
    CHECK(r.out.empty());
}

TEST_CASE("restart: a repeating pub does not retry for ever either") {
    Broker broker;
    Process publisher(
        mqtk_argv("pub", broker.port(),
                  {"-t", kTopic, "-q", "1", "-m", "x", "--repeat", "1000", "--repeat-delay", "0.05",
                   "--connect-timeout", "2", "-i", "repeater"}));
    REQUIRE(!mqtk::test::wait_for_connect_line(broker, "repeater", 10s).empty());
    std::this_thread::sleep_for(500ms);  // pacing: the broker goes mid-run, ~10 repeats in
    broker.stop();
    const ProcessResult r = publisher.wait(20s);
    INFO(r.describe());
    CHECK_FALSE(r.timed_out);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("lost and not regained within 2 s") != std::string::npos);
}

TEST_CASE("restart: without -c, pub says how many messages the clean session dropped") {
    Broker broker;
    // Sees the first line arrive: pub is connected and streaming. (A restart before pub
    // has connected makes its connect fail, exit 3: not the case under test.)
    Observer first(broker, {kTopic}, {"-C", "1"});
    Process publisher(mqtk_argv("pub", broker.port(),
                                {"-t", kTopic, "-q", "1", "-l", "--connect-timeout", "30",
                                 "-d"}));  // the trace shows what went out
    publisher.write_stdin(numbered_lines(0, 10));
    REQUIRE(first.lines(1, 20s).size() == 1);
    // Frozen, the broker acknowledges nothing more: the lines written now are certainly in
    // flight when it dies (stdin stays open, so pub cannot have finished). SIGKILL, as a
    // crash would, and a restart without persistence: the session and its messages are gone.
    REQUIRE(::kill(broker.pid(), SIGSTOP) == 0);
    publisher.write_stdin(numbered_lines(10, 20));
    REQUIRE(publisher.wait_for_stderr("PUBLISH msgid: 20 ", 10s));
    REQUIRE(::kill(broker.pid(), SIGKILL) == 0);
    broker.restart();
    publisher.close_stdin();
    const ProcessResult r = publisher.wait(60s);
    INFO(r.describe());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("in flight were dropped with the clean session") != std::string::npos);
    CHECK(r.err.find("reconnecting") != std::string::npos);
}

}  // namespace
