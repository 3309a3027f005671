// The interoperability matrix: mqtk against brokers and with clients that no one here
// wrote. Rows are brokers (mosquitto 2.0, Aedes 1.2, RabbitMQ 3.10 with its MQTT plugin),
// columns are the cells below; every message mqtk sends is checked by outside clients
// (mosquitto_sub, MQTT.js, Paho's Python client) and every message mqtk receives comes
// from them. Where a broker departs from MQTT 3.1.1/5 as mosquitto implements it, the
// cell asserts what that broker does and what mqtk does there; docs/interop.md is the
// matrix in words.
//
// mosquitto and Aedes start in well under a second, so each cell is a test case with a
// broker of its own. RabbitMQ takes about 12 s: one node per test process
// (RabbitBroker::shared()) serves all its cells, which are therefore SUBCASEs of one test
// case — ctest runs each test case in a process of its own. Topics and client ids are
// per cell, so cells never see each other's messages or sessions.
//
// Run it all: ctest -L interop (or -R interop), or mqtk_integration -tc='interop:*'.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/helpers.h"
#include "support/other_brokers.h"
#include "support/other_clients.h"
#include "support/process.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::AedesBroker;
using mqtk::test::Broker;
using mqtk::test::contains;
using mqtk::test::Delivery;
using mqtk::test::Endpoint;
using mqtk::test::kOutsideClients;
using mqtk::test::occurrences;
using mqtk::test::OutsideClient;
using mqtk::test::OutsidePublish;
using mqtk::test::OutsideSubscriber;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::RabbitBroker;
using mqtk::test::RunOptions;
using mqtk::test::str;
using mqtk::test::TempDir;
using Clock = std::chrono::steady_clock;
using Lines = std::vector<std::string>;

enum class Kind { Mosquitto, Aedes, RabbitMQ };

// A row of the matrix: which broker, and where it listens.
struct Target {
    Kind kind;
    Endpoint endpoint;
};

// --- What each broker does differently (asserted, and listed in docs/interop.md) ------------

// MQTT 5: only mosquitto. Aedes answers a v5 CONNECT with a 3.1.1 CONNACK "unacceptable
// protocol version"; RabbitMQ 3.10 closes the connection without a CONNACK. mqtk calls
// both a refusal (exit 4).
bool speaks_v5(const Target& t) {
    return t.kind == Kind::Mosquitto;
}
// RabbitMQ 3.10 grants at most QoS 1 (and acknowledges a QoS 2 PUBLISH with a PUBACK).
int max_granted_qos(const Target& t) {
    return t.kind == Kind::RabbitMQ ? 1 : 2;
}
// mqtk pub's exit code at this QoS: a QoS 2 publish answered with a PUBACK (RabbitMQ) was
// delivered as QoS 1, which mqtk reports as a failure (exit 1), as mosquitto_pub does.
int mqtk_pub_exit(const Target& t, int qos) {
    return qos > max_granted_qos(t) ? 1 : 0;
}
// RabbitMQ 3.10's PUBACK to a QoS 2 PUBLISH is a protocol error for libmosquitto:
// mosquitto_pub -q 2 exits 2, "A network protocol error occurred", though the broker
// took the message (mqtk, MQTT.js and Paho accept the PUBACK).
bool mosquitto_pub_qos2_fails(const Target& t) {
    return t.kind == Kind::RabbitMQ;
}
// RabbitMQ 3.10 sends retained messages only to subscriptions to that exact topic.
bool retained_reach_wildcards(const Target& t) {
    return t.kind != Kind::RabbitMQ;
}
// RabbitMQ 3.10 keeps only the QoS 1 subscriptions of a persistent session: with QoS 0
// ones alone it answers "no session present" next time (and echo subscribes again).
bool keeps_qos0_sessions(const Target& t) {
    return t.kind != Kind::RabbitMQ;
}
// RabbitMQ 3.10 answers a QoS 2 PUBLISH with PUBACK. Paho takes that as the end of the
// publish, yet keeps the message in flight waiting for a PUBREC: after mqtk's window of 20
// such messages nothing more is sent (see the known-bug test case at the end).
constexpr int kRabbitQos2Window = 20;

// --- Helpers ----------------------------------------------------------------------------------

const char* short_name(OutsideClient c) {
    switch (c) {
        case OutsideClient::Mosquitto:
            return "mosquitto";
        case OutsideClient::MqttJs:
            return "mqttjs";
        case OutsideClient::Paho:
            return "paho";
    }
    return "?";
}

// A client id no other cell or test process uses (the RabbitMQ node is shared).
std::string unique_id(const std::string& what) {
    static int next = 0;
    return "interop-" + what + "-" + str(::getpid()) + "-" + str(++next);
}

std::vector<std::string> mqtk_argv(const Target& t, const std::string& command,
                                   const std::vector<std::string>& args) {
    std::vector<std::string> argv = {mqtk::test::mqtk_binary(), command, "-h",
                                     t.endpoint.host,           "-p",    str(t.endpoint.port)};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

ProcessResult run_mqtk(const Target& t, const std::string& command,
                       const std::vector<std::string>& args, RunOptions options = {}) {
    auto argv = mqtk_argv(t, command, args);
    argv.erase(argv.begin());
    return mqtk::test::mqtk(std::move(argv), std::move(options));
}

Process start_mqtk(const Target& t, const std::string& command,
                   const std::vector<std::string>& args) {
    return Process(mqtk_argv(t, command, args));
}

std::unique_ptr<OutsideSubscriber> subscribe(OutsideClient client, const Target& t,
                                             std::vector<std::string> filters, int qos,
                                             int version = 4) {
    return std::make_unique<OutsideSubscriber>(
        client, t.endpoint,
        mqtk::test::OutsideSubscription{
            .filters = std::move(filters), .qos = qos, .version = version});
}

void publish_outside(OutsideClient client, const Target& t, const OutsidePublish& message) {
    const ProcessResult r = mqtk::test::outside_publish(client, t.endpoint, message);
    INFO(mqtk::test::client_name(client) << " publishing: " << r.describe());
    REQUIRE(r.exit_code == 0);
}

// True when text is exactly one line "mqtk: ...\n", the contract's error line.
bool one_error_line(const std::string& text) {
    return text.starts_with("mqtk: ") && text.find('\n') == text.size() - 1;
}

std::size_t count_payload(const std::vector<Delivery>& got, const std::string& payload) {
    return static_cast<std::size_t>(std::count_if(
        got.begin(), got.end(), [&](const Delivery& d) { return d.payload == payload; }));
}

// Waits until sub has received the payload at least n times.
bool wait_payloads(OutsideSubscriber& sub, const std::string& payload, std::size_t n,
                   std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto got = sub.deliveries();
        if (count_payload(got, payload) >= n) return true;
        if (Clock::now() >= deadline) return false;
        sub.deliveries(got.size() + 1, 100ms);
    }
}

bool wait_for_file(const std::string& path, Process& owner, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!std::filesystem::exists(path)) {
        if (!owner.running() || Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

Lines sorted_lines(const std::string& text) {
    Lines lines = mqtk::test::split_lines(text);
    std::sort(lines.begin(), lines.end());
    return lines;
}

// --- The cells --------------------------------------------------------------------------------

// True when every line of a -d run's stderr is a trace line: no notice, no error.
bool only_trace_lines(const std::string& err) {
    const Lines lines = mqtk::test::split_lines(err);
    return std::all_of(lines.begin(), lines.end(),
                       [](const std::string& line) { return line.starts_with("mqtk: debug: "); });
}

// mqtk pub at QoS 0, 1 and 2 reaches all three outside clients, each subscribed at QoS 2,
// at the QoS the broker allows; with QoS 1/2 mqtk exits 0 promptly once acknowledged.
void pub_reaches_outside_clients(const Target& t) {
    const std::string base = "interop/pub/";
    std::vector<std::unique_ptr<OutsideSubscriber>> subscribers;
    for (const auto client : kOutsideClients) {
        subscribers.push_back(subscribe(client, t, {base + "#"}, 2));
        INFO(subscribers.back()->diagnostics());
        CHECK(subscribers.back()->granted() == std::vector<int>{max_granted_qos(t)});
    }
    for (const int qos : {0, 1, 2}) {
        INFO("QoS " << qos);
        const auto start = Clock::now();
        // -d: the trace shows when the acknowledgement came and when the DISCONNECT went out.
        Process pub = start_mqtk(
            t, "pub",
            {"-t", base + "q" + str(qos), "-m", "mqtk at QoS " + str(qos), "-q", str(qos), "-d"});
        if (qos > 0) {
            // RabbitMQ answers a QoS 2 PUBLISH with PUBACK; mqtk must not stall on it. Paho,
            // still waiting for a PUBREC, would hold the DISCONNECT back for the whole
            // disconnect timeout (2 s): timed from the acknowledgement, not from the start
            // of a process that a loaded machine (or a sanitizer) may take long to start.
            const bool acknowledged = pub.wait_until(
                [](std::string_view, std::string_view err) {
                    return err.find("<- PUBACK") != std::string_view::npos ||
                           err.find("<- PUBCOMP") != std::string_view::npos;
                },
                10s);
            const auto acknowledged_at = Clock::now();
            CHECK(acknowledged);
            CHECK(pub.wait_for_stderr("-> DISCONNECT", 10s));
            CHECK(Clock::now() - acknowledged_at < 1500ms);
        }
        const ProcessResult r = pub.wait(20s);
        INFO(r.describe());
        CHECK(r.exit_code == mqtk_pub_exit(t, qos));
        if (mqtk_pub_exit(t, qos) == 0) {
            CHECK(only_trace_lines(r.err));
        } else {
            CHECK(r.err.find("with a PUBACK, as QoS 1") != std::string::npos);
        }
        CHECK(r.out.empty());
        // Far below the 30 s without acknowledgements after which pub gives up.
        CHECK(Clock::now() - start < 10s);
    }
    for (auto& subscriber : subscribers) {
        const auto got = subscriber->deliveries(3, 10s);
        INFO(subscriber->diagnostics());
        REQUIRE(got.size() == 3);
        for (const int qos : {0, 1, 2}) {
            const auto it = std::find_if(got.begin(), got.end(), [&](const Delivery& d) {
                return d.topic == base + "q" + str(qos);
            });
            REQUIRE(it != got.end());
            CHECK(it->payload == "mqtk at QoS " + str(qos));
            CHECK(it->qos == std::min(qos, max_granted_qos(t)));
            CHECK_FALSE(it->retain);
        }
        CHECK(subscriber->deliveries(4, 300ms).size() == 3);  // nothing twice
    }
}

// Each outside client publishes at QoS 0, 1 and 2; mqtk sub -q 2 prints all nine, at the
// QoS the broker allows, and exits at -C.
void outside_clients_reach_sub(const Target& t) {
    const std::string base = "interop/sub/";
    TempDir dir;
    const std::string ready = dir.file("ready");
    Process sub = start_mqtk(t, "sub",
                             {"-i", unique_id("sub"), "-t", base + "#", "-q", "2", "-C", "9", "-W",
                              "60", "-F", "%t|%q|%r|%p", "--ready-file", ready});
    REQUIRE(wait_for_file(ready, sub, 10s));
    Lines expected;
    for (const auto client : kOutsideClients) {
        for (const int qos : {0, 1, 2}) {
            const std::string topic = base + short_name(client) + "/q" + str(qos);
            const std::string payload = std::string("from ") + short_name(client);
            if (client == OutsideClient::Mosquitto && qos == 2 && mosquitto_pub_qos2_fails(t)) {
                const ProcessResult r = mqtk::test::outside_publish(
                    client, t.endpoint, {.topic = topic, .payload = payload, .qos = qos});
                INFO(r.describe());
                CHECK(r.exit_code == 2);
                CHECK(contains(r.err, "protocol error"));
            } else {
                publish_outside(client, t, {.topic = topic, .payload = payload, .qos = qos});
            }
            expected.push_back(topic + "|" + str(std::min(qos, max_granted_qos(t))) + "|0|" +
                               payload);
        }
    }
    const ProcessResult r = sub.wait(60s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    std::sort(expected.begin(), expected.end());
    CHECK(sorted_lines(r.out) == expected);
}

// The board's three effects with an outside observer (mosquitto_sub) and outside
// injections (MQTT.js and Paho): the observer sees hello, hello circulates, and an
// injected message is printed by echo and circulates beside hello.
void echo_loop_with_outside_injection(const Target& t) {
    const std::string topic = "interop/echo/foo_topic";
    auto observer = subscribe(OutsideClient::Mosquitto, t, {topic}, 0);
    Process echo = start_mqtk(t, "echo", {"-i", unique_id("board"), "-t", topic, "--delay", "0.2"});
    INFO(observer->diagnostics());
    // 1. The observer sees hello.
    const auto first = observer->deliveries(1, 10s);
    REQUIRE_FALSE(first.empty());
    CHECK(first[0].payload == "hello");
    // 2. hello circulates: the observer sees it again and again, echo prints it.
    CHECK(wait_payloads(*observer, "hello", 3, 10s));
    CHECK(echo.wait_for_output("hello\nhello\n", 10s));
    // 3. Injected messages from two other clients are printed and circulate beside hello.
    publish_outside(OutsideClient::MqttJs, t, {.topic = topic, .payload = "11 22 3311"});
    publish_outside(OutsideClient::Paho, t, {.topic = topic, .payload = "from paho"});
    CHECK(echo.wait_for_output("11 22 3311\n", 10s));
    CHECK(echo.wait_for_output("from paho\n", 10s));
    CHECK(wait_payloads(*observer, "11 22 3311", 3, 10s));
    CHECK(wait_payloads(*observer, "from paho", 3, 10s));
    const std::size_t hellos = count_payload(observer->deliveries(), "hello");
    CHECK(wait_payloads(*observer, "hello", hellos + 2, 10s));
    echo.send_signal(SIGINT);
    const ProcessResult r = echo.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 130);
    CHECK(contains(r.err, "echoed"));
}

// echo's default persistent session: a QoS 1 message published (by Paho) while echo is
// away is delivered when it comes back, without a new SUBSCRIBE. With QoS 0 only,
// whether the session is kept depends on the broker.
// A set-up run of echo -n -W: subscribed, nothing arrived (exit 5, and not for a SUBACK).
bool set_up(const ProcessResult& r) {
    return r.exit_code == 5 && contains(r.err, "nothing came back");
}

void echo_persistent_session(const Target& t) {
    const std::string topic = "interop/session/foo_topic";
    const std::string id = unique_id("session");
    // The runs that only set a session up end at -W, which also bounds the wait for the
    // SUBACK: 3 s leaves a loaded node or Erlang broker time to answer. Nothing arrives in
    // them, so they end with exit 5, "nothing came back" (a missing SUBACK says so instead).
    const std::string setup_seconds = "3";
    const ProcessResult first =
        run_mqtk(t, "echo", {"-i", id, "-t", topic, "-q", "1", "-n", "-W", setup_seconds, "-d"});
    INFO(first.describe());
    REQUIRE(set_up(first));
    CHECK(occurrences(first.err, "-> SUBSCRIBE") == 1);
    publish_outside(OutsideClient::Paho, t, {.topic = topic, .payload = "while away", .qos = 1});
    const ProcessResult second =
        run_mqtk(t, "echo", {"-i", id, "-t", topic, "-q", "1", "-n", "-C", "1", "-W", "10", "-d"});
    INFO(second.describe());
    CHECK(second.exit_code == 0);
    CHECK(second.out == "while away\n");
    CHECK(occurrences(second.err, "-> SUBSCRIBE") == 0);

    // QoS 0 subscriptions only: the same id, so the session above is replaced first.
    const ProcessResult qos0 =
        run_mqtk(t, "echo", {"-i", id, "-t", topic, "--clean", "-n", "-W", setup_seconds});
    CHECK(set_up(qos0));
    // The persistent session with its QoS 0 subscription (acknowledged: not the SUBACK's
    // timeout).
    const ProcessResult kept =
        run_mqtk(t, "echo", {"-i", id, "-t", topic, "-n", "-W", setup_seconds});
    CHECK(set_up(kept));
    const ProcessResult again =
        run_mqtk(t, "echo", {"-i", id, "-t", topic, "-n", "-W", setup_seconds, "-d"});
    INFO(again.describe());
    CHECK(set_up(again));
    CHECK(occurrences(again.err, "-> SUBSCRIBE") == (keeps_qos0_sessions(t) ? 0 : 1));
    // Leave no session behind on a shared broker.
    const ProcessResult clean =
        run_mqtk(t, "echo", {"-i", id, "-t", topic, "--clean", "-n", "-W", setup_seconds});
    CHECK(set_up(clean));
}

// echo --responder -V 5 answers the real mosquitto_rr -V 5 — on a broker that speaks
// MQTT 5. Elsewhere mqtk ends at once with one clear line: exit 4 when the broker refuses
// the protocol version (Aedes), exit 3 when it drops the connection (RabbitMQ 3.10).
void echo_responder_with_mosquitto_rr(const Target& t) {
    const std::string service = "interop/rr/service";
    if (speaks_v5(t)) {
        Process echo = start_mqtk(
            t, "echo", {"-V", "5", "--responder", "-t", service, "-i", unique_id("rr"), "-d"});
        REQUIRE(echo.wait_for_stderr("<- SUBACK", 10s));
        const ProcessResult rr = mqtk::test::run(
            {"mosquitto_rr", "-V", "5", "-h", t.endpoint.host, "-p", str(t.endpoint.port), "-t",
             service, "-e", service + "/reply", "-m", "question", "-W", "10"},
            {.timeout = 20s});
        INFO(rr.describe());
        CHECK(rr.exit_code == 0);
        CHECK(rr.out == "question\n");
        echo.send_signal(SIGINT);
        CHECK(echo.wait(15s).exit_code == 130);
        return;
    }
    const auto start = Clock::now();
    const ProcessResult r =
        run_mqtk(t, "echo", {"-V", "5", "--responder", "-t", service, "--connect-timeout", "30"},
                 {.timeout = 45s});
    INFO(r.describe());
    CHECK(Clock::now() - start < 10s);  // well within the connect timeout: no hang
    CHECK(one_error_line(r.err));
    if (t.kind == Kind::Aedes) {
        CHECK(r.exit_code == 4);
        CHECK(contains(r.err, "unacceptable protocol version"));
    } else {
        CHECK(r.exit_code == 4);  // a hang-up on MQTT 5 is a refusal too
        CHECK(contains(r.err, "does not speak MQTT 5"));
    }
}

// Retained messages both ways: from mqtk to late outside subscribers (exact topic and
// wildcard), from an outside client to a late mqtk sub, and cleared by mqtk pub -r -n.
void retained_messages(const Target& t) {
    const std::string base = "interop/retained/";
    const std::string mine = base + "from-mqtk";
    const ProcessResult pub =
        run_mqtk(t, "pub", {"-t", mine, "-m", "kept by mqtk", "-r", "-q", "1"});
    INFO(pub.describe());
    REQUIRE(pub.exit_code == 0);
    for (const auto client : kOutsideClients) {
        auto late = subscribe(client, t, {mine}, 1);
        const auto got = late->deliveries(1, 10s);
        INFO(late->diagnostics());
        REQUIRE(got.size() == 1);
        CHECK(got[0].payload == "kept by mqtk");
        CHECK(got[0].retain);
    }
    {
        auto wildcard = subscribe(OutsideClient::Mosquitto, t, {base + "#"}, 1);
        INFO(wildcard->diagnostics());
        const auto got = wildcard->deliveries(1, retained_reach_wildcards(t) ? 10s : 1500ms);
        CHECK(got.size() == (retained_reach_wildcards(t) ? 1u : 0u));
    }

    const std::string theirs = base + "from-mqttjs";
    publish_outside(OutsideClient::MqttJs, t,
                    {.topic = theirs, .payload = "kept by MQTT.js", .qos = 1, .retain = true});
    const ProcessResult late =
        run_mqtk(t, "sub", {"-t", theirs, "-C", "1", "-W", "10", "-F", "%r|%p"});
    INFO(late.describe());
    CHECK(late.exit_code == 0);
    CHECK(late.out == "1|kept by MQTT.js\n");

    // mqtk pub -r -n clears what mqtk retained.
    const ProcessResult clear = run_mqtk(t, "pub", {"-t", mine, "-r", "-n", "-q", "1"});
    CHECK(clear.exit_code == 0);
    // -W also bounds the wait for the SUBACK: 3 s, so that the retained message (had it
    // been kept) would have had time to come after it.
    const ProcessResult none = run_mqtk(t, "sub", {"-t", mine, "-C", "1", "-W", "3"});
    INFO(none.describe());
    CHECK(none.exit_code == 5);
    CHECK_FALSE(contains(none.err, "did not acknowledge the subscription"));
    CHECK(none.out.empty());
    run_mqtk(t, "pub", {"-t", theirs, "-r", "-n", "-q", "1"});
}

std::string numbered_lines(int n) {
    std::string text;
    for (int i = 1; i <= n; ++i)
        text += str(i) + "\n";
    return text;
}

// QoS 1 and 2 in bursts, both ways, with an outside client on the other side: 50 numbered
// messages arrive once each and in order, at the QoS the broker allows.
void qos_bursts(const Target& t) {
    for (const int qos : {1, 2}) {
        INFO("QoS " << qos);
        // Beyond the window mqtk pub -q 2 hangs on RabbitMQ (the known-bug test case).
        const int kCount = t.kind == Kind::RabbitMQ && qos == 2 ? kRabbitQos2Window : 50;
        std::vector<std::string> numbers;
        for (int i = 1; i <= kCount; ++i)
            numbers.push_back(str(i));
        const std::string topic = "interop/qos/" + str(qos);
        auto seen = subscribe(OutsideClient::MqttJs, t, {topic + "/out"}, 2);
        const auto start = Clock::now();
        const ProcessResult pub = run_mqtk(t, "pub", {"-t", topic + "/out", "-q", str(qos), "-l"},
                                           {.stdin_data = numbered_lines(kCount)});
        INFO(pub.describe());
        CHECK(pub.exit_code == mqtk_pub_exit(t, qos));
        // Promptly: far from the 30 s without acknowledgements after which pub gives up.
        CHECK(Clock::now() - start < 15s);
        const auto got = seen->deliveries(kCount, 10s);
        INFO(seen->diagnostics());
        std::vector<std::string> payloads;
        for (const auto& d : got) {
            payloads.push_back(d.payload);
            CHECK(d.qos == std::min(qos, max_granted_qos(t)));
        }
        CHECK(payloads == numbers);
        CHECK(seen->deliveries(kCount + 1, 300ms).size() == static_cast<std::size_t>(kCount));

        // The other way: MQTT.js's CLI, one message per line of stdin, into mqtk sub -q 2.
        TempDir dir;
        const std::string ready = dir.file("ready");
        Process sub = start_mqtk(t, "sub",
                                 {"-t", topic + "/in", "-q", "2", "-C", str(kCount), "-W", "30",
                                  "-F", "%q %p", "--ready-file", ready});
        REQUIRE(wait_for_file(ready, sub, 10s));
        const ProcessResult in =
            mqtk::test::run({mqtk::test::interop_npm_dir() + "/node_modules/.bin/mqtt", "pub", "-h",
                             t.endpoint.host, "-p", str(t.endpoint.port), "-t", topic + "/in", "-q",
                             str(qos), "-s", "-M"},
                            {.stdin_data = numbered_lines(kCount)});
        INFO(in.describe());
        CHECK(in.exit_code == 0);
        const ProcessResult r = sub.wait(30s);
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        std::string expected;
        for (const auto& n : numbers)
            expected += str(std::min(qos, max_granted_qos(t))) + " " + n + "\n";
        CHECK(r.out == expected);
    }
}

// MQTT 5 where the broker speaks it: properties travel from mqtk to all three outside
// clients and back. Elsewhere pub and sub -V 5 end at once with one clear line.
void mqtt5(const Target& t) {
    const std::string base = "interop/v5/";
    if (!speaks_v5(t)) {
        for (const std::string command : {"pub", "sub"}) {
            INFO("mqtk " << command << " -V 5");
            std::vector<std::string> args = {"-V", "5", "-t", base + "x", "--connect-timeout",
                                             "30"};
            if (command == "pub") args.insert(args.end(), {"-m", "x"});
            const auto start = Clock::now();
            const ProcessResult r = run_mqtk(t, command, args, {.timeout = 45s});
            INFO(r.describe());
            CHECK(Clock::now() - start < 10s);  // well within the connect timeout: no hang
            CHECK(one_error_line(r.err));
            // One rule: a broker that does not speak MQTT 5 refuses the connection (4),
            // whether it says so in a CONNACK (Aedes) or hangs up (RabbitMQ).
            CHECK(r.exit_code == 4);
            CHECK(contains(r.err,
                           t.kind == Kind::Aedes ? "unacceptable protocol version" : "MQTT 5"));
        }
        return;
    }
    std::vector<std::unique_ptr<OutsideSubscriber>> subscribers;
    for (const auto client : kOutsideClients)
        subscribers.push_back(subscribe(client, t, {base + "out"}, 1, 5));
    const ProcessResult pub = run_mqtk(
        t, "pub",
        {"-V", "5", "-q", "1", "-t", base + "out", "-m", "with properties", "-D", "publish",
         "user-property", "origin", "mqtk", "-D", "publish", "content-type", "text/plain"});
    INFO(pub.describe());
    CHECK(pub.exit_code == 0);
    for (auto& s : subscribers) {
        const auto got = s->deliveries(1, 10s);
        INFO(s->diagnostics());
        REQUIRE(got.size() == 1);
        CHECK(got[0].payload == "with properties");
        CHECK(got[0].content_type == "text/plain");
        using Pairs = std::vector<std::pair<std::string, std::string>>;
        CHECK(got[0].user_properties == Pairs{{"origin", "mqtk"}});
    }

    TempDir dir;
    const std::string ready = dir.file("ready");
    Process sub = start_mqtk(t, "sub",
                             {"-V", "5", "-t", base + "in/#", "-q", "1", "-C", "3", "-W", "30",
                              "-F", "%t|%C|%P|%p", "--ready-file", ready});
    REQUIRE(wait_for_file(ready, sub, 10s));
    Lines expected;
    for (const auto client : kOutsideClients) {
        const std::string name = short_name(client);
        publish_outside(client, t,
                        {.topic = base + "in/" + name,
                         .payload = "v5 from " + name,
                         .qos = 1,
                         .version = 5,
                         .user_properties = {{"origin", name}},
                         .content_type = "text/x-" + name});
        expected.push_back(base + "in/" + name + "|text/x-" + name + "|origin:" + name +
                           "|v5 from " + name);
    }
    const ProcessResult r = sub.wait(30s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    std::sort(expected.begin(), expected.end());
    CHECK(sorted_lines(r.out) == expected);
}

// Runs a cell of the shared-node row. A failed REQUIRE, or an exception, inside a SUBCASE
// would end the whole test case and skip the cells after it: record it and go on.
template <typename Cell>
void run_cell(Cell cell, const Target& t) {
    try {
        cell(t);
    } catch (const doctest::detail::TestFailureException&) {
        // Already reported by the REQUIRE that threw it.
    } catch (const std::exception& error) {
        FAIL_CHECK("exception: " << error.what());
    }
}

// A short mqtk bench: two publishers of 200 messages each into one subscriber, at QoS 1
// and (where the broker grants it) QoS 2: nothing lost, duplicated or reordered. Then a
// storm of 20 connections, none refused.
void short_bench(const Target& t) {
    for (const int qos : {1, 2}) {
        if (qos > max_granted_qos(t)) continue;  // RabbitMQ: bug 3 in docs/interop.md
        INFO("QoS " << qos);
        const ProcessResult r =
            run_mqtk(t, "bench",
                     {"--publishers", "2", "--subscribers", "1", "--count", "200", "--warmup", "0",
                      "-q", str(qos), "-t", "interop/bench/" + str(qos) + "/%i", "--json"},
                     {.timeout = 30s});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        const auto result = nlohmann::json::parse(r.out, nullptr, false);
        REQUIRE(result.is_object());
        CHECK(result.value("complete", false));
        CHECK(result["errors"].empty());
        const auto& messages = result["messages"];
        CHECK(messages["expected"] == 400);
        CHECK(messages["received"] == 400);
        CHECK(messages["lost"] == 0);
        CHECK(messages["duplicates"] == 0);
        CHECK(messages["out_of_order"] == 0);
    }
    const ProcessResult storm =
        run_mqtk(t, "bench", {"--storm", "20", "--hold", "0.2", "--json"}, {.timeout = 30s});
    INFO(storm.describe());
    REQUIRE(storm.exit_code == 0);
    const auto result = nlohmann::json::parse(storm.out, nullptr, false);
    REQUIRE(result.is_object());
    CHECK(result["storm"]["connected"] == 20);
    CHECK(result["storm"]["failed"] == 0);
}

Target mosquitto_row(const Broker& broker) {
    return {Kind::Mosquitto, {broker.host(), broker.port()}};
}
Target aedes_row(const AedesBroker& broker) {
    return {Kind::Aedes, {broker.host(), broker.port()}};
}

}  // namespace

// mosquitto and Aedes: one test case per cell, each with a broker of its own.
#define INTEROP_CELL(title, cell)             \
    TEST_CASE("interop: mosquitto: " title) { \
        Broker broker;                        \
        cell(mosquitto_row(broker));          \
    }                                         \
    TEST_CASE("interop: Aedes: " title) {     \
        AedesBroker broker;                   \
        INFO("Aedes log:\n" << broker.log()); \
        cell(aedes_row(broker));              \
    }

INTEROP_CELL("mqtk pub reaches mosquitto_sub, MQTT.js and Paho", pub_reaches_outside_clients)
INTEROP_CELL("mosquitto_pub, MQTT.js and Paho reach mqtk sub", outside_clients_reach_sub)
INTEROP_CELL("echo loop with outside observer and injections", echo_loop_with_outside_injection)
INTEROP_CELL("echo persistent session", echo_persistent_session)
INTEROP_CELL("echo --responder and mosquitto_rr (MQTT 5)", echo_responder_with_mosquitto_rr)
INTEROP_CELL("retained messages", retained_messages)
INTEROP_CELL("QoS 1 and 2 bursts both ways", qos_bursts)
INTEROP_CELL("MQTT 5 properties both ways", mqtt5)
INTEROP_CELL("a short mqtk bench and connection storm", short_bench)

// RabbitMQ: every cell against one node, shared by the whole test process.
TEST_CASE("interop: RabbitMQ: every cell, on one node") {
    const RabbitBroker& broker = RabbitBroker::shared();
    const Target t{Kind::RabbitMQ, {broker.host(), broker.port()}};
    SUBCASE("mqtk pub reaches mosquitto_sub, MQTT.js and Paho") {
        run_cell(pub_reaches_outside_clients, t);
    }
    SUBCASE("mosquitto_pub, MQTT.js and Paho reach mqtk sub") {
        run_cell(outside_clients_reach_sub, t);
    }
    SUBCASE("echo loop with outside observer and injections") {
        run_cell(echo_loop_with_outside_injection, t);
    }
    SUBCASE("echo persistent session") {
        run_cell(echo_persistent_session, t);
    }
    SUBCASE("echo --responder and mosquitto_rr (MQTT 5)") {
        run_cell(echo_responder_with_mosquitto_rr, t);
    }
    SUBCASE("retained messages") {
        run_cell(retained_messages, t);
    }
    SUBCASE("QoS 1 and 2 bursts both ways") {
        run_cell(qos_bursts, t);
    }
    SUBCASE("MQTT 5 properties both ways") {
        run_cell(mqtt5, t);
    }
    SUBCASE("a short mqtk bench and connection storm") {
        run_cell(short_bench, t);
    }
}

// RabbitMQ 3.10 answers each QoS 2 PUBLISH with a PUBACK; Paho completes the publish but
// keeps the message in flight waiting for a PUBREC, so after a window of 20 nothing more is
// sent (docs/interop.md, bug 3). mqtk pub must still end within -W, and name the cause:
// exit 1, the broker answered QoS 2 as QoS 1 - never a hang, nor a bare timeout.
TEST_CASE("interop: RabbitMQ: mqtk pub -q 2 of more than 20 messages ends within -W") {
    const RabbitBroker& broker = RabbitBroker::shared();
    const Target t{Kind::RabbitMQ, {broker.host(), broker.port()}};
    const auto start = Clock::now();
    const ProcessResult r =
        run_mqtk(t, "pub", {"-t", "interop/qos2-bug", "-q", "2", "-l", "-W", "3"},
                 {.stdin_data = numbered_lines(50), .timeout = 45s});
    INFO(r.describe());
    CHECK_FALSE(r.timed_out);
    // -W 3 counts from the start; the failure ruled out is the 30 s stall budget or worse.
    CHECK(Clock::now() - start < 10s);
    // The bug's current state, so a fix or a regression shows: the first window goes out,
    // each answered as QoS 1, and mqtk says so (docs/compatibility.md) - not a timeout.
    CHECK(r.exit_code == 1);
    CHECK(one_error_line(r.err));
    CHECK(r.err.find("PUBACK") != std::string::npos);
}
