// `mqtk req` (alias `rr`) against real brokers and responders: the reply matched by its
// correlation data, a stale reply passed over, the -W bound, MQTT 3.1.1 with
// `mqtk echo --reply-topic`, `mqtk echo --responder`, a responder no one here wrote
// (MQTT.js, tests/support/interop/mqttjs_responder.mjs), --retain-handling and -R, --count's
// round trips, an interrupt, and Aedes and RabbitMQ. The cases it shares with mosquitto_rr
// are in differential_test.cpp.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/helpers.h"
#include "support/other_brokers.h"
#include "support/process.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::AedesBroker;
using mqtk::test::Broker;
using mqtk::test::contains;
using mqtk::test::inject;
using mqtk::test::mqtk_argv;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::RabbitBroker;
using mqtk::test::run_mqtk;
using mqtk::test::seconds_since;
using mqtk::test::split_lines;
using mqtk::test::str;
using mqtk::test::wait_for_subscriptions;
using Args = std::vector<std::string>;
using Clock = std::chrono::steady_clock;

ProcessResult req(int port, const Args& args, mqtk::test::RunOptions options = {}) {
    Args argv = {"req", "-h", "127.0.0.1", "-p", str(port)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_mqtk(argv, options);
}

// MQTT.js answering on `topic` (see mqttjs_responder.mjs), subscribed when this returns.
Process mqttjs_responder(int port, const Args& args) {
    Args argv = {"node", mqtk::test::interop_npm_dir() + "/mqttjs_responder.mjs", "--port",
                 str(port)};
    argv.insert(argv.end(), args.begin(), args.end());
    Process responder(argv);
    if (!responder.wait_for_stderr("subscribed", 30s)) {
        throw std::runtime_error("MQTT.js responder did not subscribe: " +
                                 responder.stderr_so_far());
    }
    return responder;
}

// `mqtk echo` answering requests on `topic`, subscribed when this returns.
Process echo_responder(const Broker& broker, const std::string& id, const Args& args) {
    Args argv = mqtk_argv("echo", broker.port(), {"-i", id, "--clean", "-n", "--delay", "0"});
    argv.insert(argv.end(), args.begin(), args.end());
    Process echo(argv);
    const std::string topic = args[std::find(args.begin(), args.end(), "-t") - args.begin() + 1];
    if (!wait_for_subscriptions(broker, id, {topic}, 10s, &echo)) {
        throw std::runtime_error("echo did not subscribe: " + echo.stderr_so_far());
    }
    return echo;
}

// What starting, connecting and leaving cost on this machine right now: a one-shot
// publish by the same binary to the same broker, timed as the runs it is compared with.
// A bound of -W plus this plus a small margin holds on a loaded machine, where a fixed
// margin did not (10.78 s against 10.5 s in a CI run with the suites in parallel).
double one_shot_seconds(const Broker& broker) {
    const auto start = Clock::now();
    const ProcessResult r =
        run_mqtk({"pub", "-h", "127.0.0.1", "-p", str(broker.port()), "-t", "svc/x", "-m", "x"});
    const double took = seconds_since(start);
    REQUIRE_MESSAGE(r.exit_code == 0, r.describe());
    return took;
}

}  // namespace

TEST_CASE("req: prints the reply of a responder no one here wrote (MQTT.js), exit 0") {
    Broker broker;
    Process responder = mqttjs_responder(broker.port(), {"--topic", "svc/js"});
    const ProcessResult r = req(broker.port(), {"-t", "svc/js", "-m", "ping"});
    INFO(r.describe());
    INFO(responder.stderr_so_far());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "re:ping\n");
    CHECK(r.err.empty());
}

// A reply with other correlation data comes first, as a late answer to an earlier request
// would: mqtk passes it over and prints the one that answers its own request. mosquitto_rr,
// which never checks, takes the first (docs/compatibility.md).
TEST_CASE("req: a reply with another correlation data is never taken") {
    Broker broker;
    Process responder = mqttjs_responder(broker.port(), {"--topic", "svc/stale", "--stale-first"});
    const ProcessResult r = req(broker.port(), {"-t", "svc/stale", "-m", "q", "-W", "5"});
    INFO(r.describe());
    INFO(responder.stderr_so_far());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "re:q\n");

    const ProcessResult rr =
        mqtk::test::run({"mosquitto_rr", "-h", "127.0.0.1", "-p", str(broker.port()), "-t",
                         "svc/stale", "-e", "svc/stale/reply", "-m", "q", "-W", "5"});
    INFO(rr.describe());
    CHECK(rr.out == "stale:q\n");
}

TEST_CASE("req: no reply within -W is exit 5, within the bound") {
    Broker broker;
    const auto start = Clock::now();
    const ProcessResult r = req(broker.port(), {"-t", "svc/nobody", "-m", "x", "-W", "1"});
    const double took = seconds_since(start);
    INFO(r.describe());
    mqtk::test::check_error(r, 5);
    CHECK(contains(r.err, "no reply on 'mqtk/req/"));
    // -W 1 plus start-up, connecting and the DISCONNECT (a one-shot publish's time, now),
    // plus 0.3 s.
    const double overhead = one_shot_seconds(broker);
    CHECK(took >= 1.0);
    CHECK(took < 1.0 + overhead + 0.3);
}

// -W bounds reading -s too, as for pub: a producer that never closes its output (stdin
// here stays open) must not hang the request. Before, req read stdin to its end first.
TEST_CASE("req: -s from a stdin that never ends stops at -W, exit 5") {
    Broker broker;
    const auto start = Clock::now();
    Process p({mqtk::test::mqtk_binary(), "req", "-h", "127.0.0.1", "-p", str(broker.port()), "-t",
               "svc/nobody", "-s", "-W", "1"});
    const ProcessResult r = p.wait(10s);
    const double took = seconds_since(start);
    INFO(r.describe());
    mqtk::test::check_error(r, 5);
    CHECK(contains(r.err, "stdin not read to its end"));
    const double overhead = one_shot_seconds(broker);
    CHECK(took >= 1.0);
    CHECK(took < 1.0 + overhead + 0.3);
}

// mosquitto_rr waits for ever without -W; req's default is 10 s (docs/compatibility.md).
TEST_CASE("req: without -W the wait ends after 10 s, exit 5") {
    Broker broker;
    const auto start = Clock::now();
    const ProcessResult r = req(broker.port(), {"-t", "svc/nobody", "-m", "x"}, {.timeout = 30s});
    const double took = seconds_since(start);
    INFO(r.describe());
    mqtk::test::check_error(r, 5);
    CHECK(contains(r.err, "in 10 s"));
    const double overhead = one_shot_seconds(broker);
    CHECK(took >= 10.0);
    CHECK(took < 10.0 + overhead + 0.3);
}

TEST_CASE("req: MQTT 3.1.1 pairs with mqtk echo --reply-topic") {
    Broker broker;
    Process echo = echo_responder(broker, "req-echo-v3",
                                  {"-V", "311", "-t", "svc/v3", "--reply-topic", "svc/v3/reply"});
    const ProcessResult r =
        req(broker.port(), {"-V", "311", "-t", "svc/v3", "-e", "svc/v3/reply", "-m", "hi", "-v"});
    INFO(r.describe());
    INFO(echo.stderr_so_far());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "svc/v3/reply hi\n");
}

TEST_CASE("req: -V 311 without -e is a usage error naming -e") {
    Broker broker;
    for (const char* version : {"311", "31"}) {
        const ProcessResult r = req(broker.port(), {"-V", version, "-t", "svc", "-m", "x"});
        INFO(r.describe());
        mqtk::test::check_error(r, 2);
        CHECK(contains(r.err, "-e RESPONSE_TOPIC is needed with -V"));
    }
}

TEST_CASE("req: mqtk echo --responder answers, as rr too, with sub's output formats") {
    Broker broker;
    Process echo = echo_responder(broker, "req-responder", {"-V", "5", "--responder", "-t", "svc"});
    const ProcessResult plain = req(broker.port(), {"-t", "svc", "-m", "hello"});
    INFO(plain.describe());
    CHECK(plain.exit_code == 0);
    CHECK(plain.out == "hello\n");

    // The alias, the default response topic and -F's correlation data.
    const ProcessResult rr = run_mqtk({"rr", "-h", "127.0.0.1", "-p", str(broker.port()), "-t",
                                       "svc", "-m", "x", "-F", "%t|%D|%p"});
    INFO(rr.describe());
    CHECK(rr.exit_code == 0);
    CHECK(std::regex_match(rr.out,
                           std::regex("mqtk/req/[0-9a-f]{16}\\|mqtk-req:[0-9a-f]{16}:1\\|x\n")));

    const ProcessResult json =
        req(broker.port(), {"-t", "svc", "-e", "svc/answers", "-m", "j", "--json"});
    INFO(json.describe());
    CHECK(json.exit_code == 0);
    CHECK(contains(json.out, "\"topic\":\"svc/answers\""));
    CHECK(contains(json.out, "\"payload\":\"j\""));

    const ProcessResult no_eol = req(broker.port(), {"-t", "svc", "-n", "-N"});
    CHECK(no_eol.exit_code == 0);
    CHECK(no_eol.out.empty());
}

TEST_CASE("req: --count sends N requests, one reply each, round trips on stderr") {
    Broker broker;
    Process echo = echo_responder(broker, "req-count", {"-V", "5", "--responder", "-t", "svc/n"});
    const ProcessResult r =
        req(broker.port(), {"-t", "svc/n", "-m", "r", "--count", "5", "--interval", "0.05"});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "r\nr\nr\nr\nr\n");
    CHECK(contains(r.err, "mqtk req: 5 requests, 5 replies\n"));
    CHECK(std::regex_search(r.err,
                            std::regex("mqtk req: round trip min [0-9.]+ ms, p50 [0-9.]+ "
                                       "ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms\n")));

    // Without a responder the first request times out: exit 5 naming it.
    const ProcessResult lost =
        req(broker.port(), {"-t", "svc/none", "-m", "r", "--count", "3", "-W", "0.5"});
    INFO(lost.describe());
    CHECK(lost.exit_code == 5);
    CHECK(contains(lost.err, "mqtk req: 1 requests, 0 replies\n"));
    CHECK(contains(lost.err, "mqtk: no reply to request 1 of 3"));
}

// A retained message on the response topic that carries the correlation data the request
// will carry (-D publish correlation-data): the broker's copy answers at once, unless
// --retain-handling never (mosquitto 2.1) or -R keeps it away.
TEST_CASE("req: --retain-handling and -R decide whether a retained message is the reply") {
    Broker broker;
    inject(broker, {"-V", "5", "-r", "-t", "svc/kept", "-m", "old", "-D", "publish",
                    "correlation-data", "c1"});
    const Args base = {"-t", "svc/q", "-e",      "svc/kept",         "-m", "x", "-W",
                       "1",  "-D",    "publish", "correlation-data", "c1"};
    for (const char* handling : {"", "always", "new", "0", "1"}) {
        Args args = base;
        if (*handling != '\0') args.insert(args.end(), {"--retain-handling", handling});
        const ProcessResult r = req(broker.port(), args);
        INFO(handling << ": " << r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.out == "old\n");
    }
    for (const Args& extra :
         {Args{"--retain-handling", "never"}, Args{"--retain-handling", "2"}, Args{"-R"}}) {
        Args args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        const ProcessResult r = req(broker.port(), args);
        INFO(extra.back() << ": " << r.describe());
        CHECK(r.exit_code == 5);
        CHECK(r.out.empty());
    }
    const ProcessResult bad = req(broker.port(), {"-t", "a", "-m", "x", "--retain-handling", "x"});
    mqtk::test::check_error(bad, 2);
    CHECK(contains(bad.err, "always, new or never"));
    const ProcessResult v3 = req(broker.port(), {"-V", "311", "-t", "a", "-e", "b", "-m", "x",
                                                 "--retain-handling", "never"});
    mqtk::test::check_error(v3, 2);
}

// MQTT 3.1.1 has no correlation: the first message on -e is the reply, a retained one too
// (as mosquitto_rr), unless -R (as mosquitto 2.1's -R; 2.0.11 ignores it).
TEST_CASE("req: -V 311 takes a retained message on -e as the reply, unless -R") {
    Broker broker;
    inject(broker, {"-r", "-t", "svc/v3kept", "-m", "old"});
    const Args base = {"-V", "311", "-t", "svc/v3q", "-e", "svc/v3kept", "-m", "x", "-W", "1"};
    const ProcessResult taken = req(broker.port(), base);
    INFO(taken.describe());
    CHECK(taken.exit_code == 0);
    CHECK(taken.out == "old\n");
    Args skip = base;
    skip.push_back("-R");
    const ProcessResult skipped = req(broker.port(), skip);
    INFO(skipped.describe());
    CHECK(skipped.exit_code == 5);
    CHECK(skipped.out.empty());
}

TEST_CASE("req: an interrupt while waiting is exit 130, at once") {
    Broker broker;
    Process p(
        mqtk_argv("req", broker.port(),
                  {"-i", "req-int", "-t", "svc/i", "-e", "svc/i/reply", "-m", "x", "-W", "30"}));
    REQUIRE(wait_for_subscriptions(broker, "req-int", {"svc/i/reply"}, 10s, &p));
    const auto start = Clock::now();
    p.send_signal(SIGINT);
    const ProcessResult r = p.wait(10s);
    INFO(r.describe());
    CHECK(r.exit_code == 130);
    CHECK(r.out.empty());
    CHECK(seconds_since(start) < 1.0);
}

TEST_CASE("req: usage errors are exit 2 before connecting") {
    const int closed = mqtk::test::free_port();
    for (const Args& args :
         {Args{"-m", "x"}, Args{"-t", "a"}, Args{"-t", "a/#", "-m", "x"},
          Args{"-t", "a", "-e", "b/+", "-m", "x"}, Args{"-t", "a", "-m", "x", "-n"},
          Args{"-t", "a", "-m", "x", "-W", "0"}, Args{"-t", "a", "-m", "x", "--count", "0"},
          Args{"-t", "a", "-m", "x", "-D", "publish", "response-topic", "r"},
          Args{"-t", "a", "-f", "/nonexistent/file"}}) {
        const ProcessResult r = req(closed, args);
        INFO(mqtk::test::joined(args) << ": " << r.describe());
        mqtk::test::check_error(r, 2);
    }
}

// Aedes 1.2 speaks MQTT 3.1.1 only: -V 311 works with a responder there (MQTT.js), and
// req's default MQTT 5 is refused at once with one clear line.
TEST_CASE("interop: Aedes: req -V 311 with an MQTT.js responder, and MQTT 5 refused") {
    AedesBroker aedes;
    Process responder = mqttjs_responder(
        aedes.port(), {"--version", "4", "--topic", "svc/a", "--reply-topic", "svc/a/reply"});
    const ProcessResult r =
        req(aedes.port(), {"-V", "311", "-t", "svc/a", "-e", "svc/a/reply", "-m", "hi"});
    INFO(r.describe());
    INFO(aedes.log());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "re:hi\n");

    const auto start = Clock::now();
    const ProcessResult v5 = req(aedes.port(), {"-t", "svc/a", "-m", "hi"});
    INFO(v5.describe());
    mqtk::test::check_error(v5, 4);
    CHECK(contains(v5.err, "unacceptable protocol version"));
    CHECK(seconds_since(start) < 5.0);
}

// RabbitMQ 3.10 has no MQTT 5: req's default must end with a clear line, not hang; -V 311
// works with a responder there.
TEST_CASE("interop: RabbitMQ: req -V 311 with an MQTT.js responder, and MQTT 5 refused") {
    const RabbitBroker& rabbit = RabbitBroker::shared();
    const auto start = Clock::now();
    const ProcessResult v5 = req(rabbit.port(), {"-t", "svc/r", "-m", "hi"}, {.timeout = 45s});
    INFO(v5.describe());
    mqtk::test::check_error(v5, 4);
    CHECK(contains(v5.err, "MQTT 5"));
    CHECK(seconds_since(start) < 10.0);

    Process responder = mqttjs_responder(rabbit.port(), {"--version", "4", "--topic", "req/rabbit",
                                                         "--reply-topic", "req/rabbit/reply"});
    const ProcessResult r = req(rabbit.port(), {"-V", "311", "-t", "req/rabbit", "-e",
                                                "req/rabbit/reply", "-m", "hi", "-W", "10"});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "re:hi\n");
}

// A request the broker refuses (MQTT 5 PUBACK with a reason code) is exit 1 with the
// reason, at once: no reply can come, so waiting out -W would only hide the cause.
TEST_CASE("req: a request the broker refuses is exit 1 with the reason, not a timeout") {
    mqtk::test::TempDir dir;
    const std::string acl = dir.write("acl", "topic readwrite mqtk/#\ntopic deny denied/#\n");
    Broker broker({.extra = "acl_file " + acl + "\n"});
    const auto start = Clock::now();
    const ProcessResult r = req(broker.port(), {"-q", "1", "-t", "denied/x", "-m", "x", "-W", "5"});
    INFO(r.describe());
    mqtk::test::check_error(r, 1);
    CHECK(contains(r.err, "not authorized"));
    CHECK(seconds_since(start) < 2.0);
}
