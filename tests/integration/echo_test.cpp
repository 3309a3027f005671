// `mqtk echo` against a private mosquitto: the board's three effects, its options, the
// MQTT 5 responder against the real mosquitto_rr, a broker restart mid-loop, and the
// round-trip summary. What circulates is watched by an independent mosquitto_sub
// (Observer); injections come from the real mosquitto_pub.
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::inject;
using mqtk::test::mqtk_binary;
using mqtk::test::Observer;
using mqtk::test::occurrences;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::run;
using mqtk::test::run_mqtk;
using mqtk::test::RunOptions;
using mqtk::test::split_lines;
using mqtk::test::str;
using mqtk::test::wait_for_subscriptions;
using Clock = std::chrono::steady_clock;
using Lines = std::vector<std::string>;

std::vector<std::string> echo_argv(const Broker& broker, const std::string& id,
                                   const std::vector<std::string>& args) {
    std::vector<std::string> argv = {mqtk_binary(),      "echo", "-h", broker.host(), "-p",
                                     str(broker.port()), "-i",   id};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

Process start_echo(const Broker& broker, const std::string& id,
                   const std::vector<std::string>& args) {
    return Process(echo_argv(broker, id, args));
}

ProcessResult echo_run(const Broker& broker, const std::string& id,
                       const std::vector<std::string>& args,
                       std::chrono::milliseconds timeout = 20s) {
    auto argv = echo_argv(broker, id, args);
    argv.erase(argv.begin());
    return run_mqtk(argv, {.timeout = timeout});
}

std::size_t count(const Lines& lines, const std::string& line) {
    return static_cast<std::size_t>(std::count(lines.begin(), lines.end(), line));
}

// Waits until the observer has printed `line` at least n times.
bool wait_count(Observer& observer, const std::string& line, std::size_t n,
                std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (count(observer.lines(), line) >= n) return true;
        if (Clock::now() >= deadline) return false;
        observer.lines(observer.lines().size() + 1, 50ms);
    }
}

// Waits until stdout of process has `line` (a whole line) at least n times.
bool wait_output_count(Process& process, const std::string& line, std::size_t n,
                       std::chrono::milliseconds timeout) {
    return process.wait_until(
        [&](std::string_view out, std::string_view) { return count(split_lines(out), line) >= n; },
        timeout);
}

// Stops a running echo with SIGINT and returns its result (130 expected).
ProcessResult interrupt(Process& echo) {
    echo.send_signal(SIGINT);
    return echo.wait(15s);
}

// The summary echo prints on stderr.
struct Summary {
    long echoed = -1;
    long sent = -1, returned = -1, lost = -1, duplicated = -1, out_of_order = -1;
    bool has_round_trips = false;
    double min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

Summary parse_summary(const std::string& err) {
    Summary s;
    std::smatch m;
    static const std::regex counts(
        R"(mqtk echo: (\d+) echoed; own messages: (\d+) sent, (\d+) returned, (\d+) lost, )"
        R"((\d+) duplicated, (\d+) out of order\n)");
    if (std::regex_search(err, m, counts)) {
        s.echoed = std::stol(m[1]);
        s.sent = std::stol(m[2]);
        s.returned = std::stol(m[3]);
        s.lost = std::stol(m[4]);
        s.duplicated = std::stol(m[5]);
        s.out_of_order = std::stol(m[6]);
    }
    static const std::regex times(
        R"(mqtk echo: round trip min ([0-9.]+) ms, p50 ([0-9.]+) ms, p90 ([0-9.]+) ms, )"
        R"(p99 ([0-9.]+) ms, max ([0-9.]+) ms\n)");
    if (std::regex_search(err, m, times)) {
        s.has_round_trips = true;
        s.min = std::stod(m[1]);
        s.p50 = std::stod(m[2]);
        s.p90 = std::stod(m[3]);
        s.p99 = std::stod(m[4]);
        s.max = std::stod(m[5]);
    }
    return s;
}

void check_consistent(const Summary& s) {
    REQUIRE(s.echoed >= 0);
    CHECK(s.returned <= s.sent);
    CHECK(s.returned + s.lost == s.sent);
    CHECK(s.duplicated == 0);
    CHECK(s.out_of_order == 0);
    if (s.returned > 0) {
        REQUIRE(s.has_round_trips);
        CHECK(s.min > 0);
        CHECK(s.min <= s.p50);
        CHECK(s.p50 <= s.p90);
        CHECK(s.p90 <= s.p99);
        CHECK(s.p99 <= s.max);
        CHECK(s.max < 10000);
    }
}

}  // namespace

// --- The board's three effects ---------------------------------------------------------------

TEST_CASE("echo: effect 1 - a subscriber on foo_topic sees hello") {
    Broker broker;
    Observer seen(broker, {"foo_topic"});
    Process echo = start_echo(broker, "board-1", {"--delay", "0.2"});
    const Lines lines = seen.lines(1, 10s);
    INFO(echo.stderr_so_far());
    REQUIRE_FALSE(lines.empty());
    CHECK(lines[0] == "foo_topic hello");
    const ProcessResult r = interrupt(echo);
    CHECK(r.exit_code == 130);
}

TEST_CASE("echo: effect 2 - hello circulates") {
    Broker broker;
    Observer seen(broker, {"foo_topic"});
    Process echo = start_echo(broker, "board-2", {"--delay", "0.2"});
    INFO(echo.stderr_so_far());
    CHECK(wait_count(seen, "foo_topic hello", 3, 10s));
    CHECK(wait_output_count(echo, "hello", 2, 10s));  // echo prints what comes back
    const Lines lines = seen.lines();
    CHECK(std::all_of(lines.begin(), lines.end(),
                      [](const std::string& l) { return l == "foo_topic hello"; }));
    const ProcessResult r = interrupt(echo);
    CHECK(r.exit_code == 130);
}

TEST_CASE("echo: effect 3 - an injected message is printed and circulates beside hello") {
    Broker broker;
    Observer seen(broker, {"foo_topic"});
    Process echo = start_echo(broker, "board-3", {"--delay", "0.2"});
    REQUIRE(wait_count(seen, "foo_topic hello", 1, 10s));
    inject(broker, {"-t", "foo_topic", "-m", "11 22 3311"});
    CHECK(echo.wait_for_output("11 22 3311\n", 10s));
    // The injection itself plus at least two echoes of it...
    CHECK(wait_count(seen, "foo_topic 11 22 3311", 3, 10s));
    // ...while hello keeps going.
    const std::size_t hellos = count(seen.lines(), "foo_topic hello");
    CHECK(wait_count(seen, "foo_topic hello", hellos + 2, 10s));
    const ProcessResult r = interrupt(echo);
    CHECK(r.exit_code == 130);
    CHECK(count(split_lines(r.out), "11 22 3311") >= 2);
}

// --- Options ----------------------------------------------------------------------------------

TEST_CASE("echo: --delay spaces the republishes") {
    Broker broker;
    Observer seen(broker, {"foo_topic"}, {"-F", "%U %p"});
    Process echo = start_echo(broker, "delayed", {"--delay", "0.5"});
    const Lines lines = seen.lines(5, 15s);
    interrupt(echo);
    REQUIRE(lines.size() >= 5);
    std::vector<double> times;
    for (const auto& line : lines) {
        REQUIRE(line.ends_with(" hello"));
        times.push_back(std::stod(line));
    }
    for (std::size_t i = 1; i < times.size(); ++i) {
        const double gap = times[i] - times[i - 1];
        INFO("gap " << i << ": " << gap << " s");
        CHECK(gap >= 0.45);
        CHECK(gap < 2.0);  // generous: a loaded machine
    }
    // The whole run: 4 gaps of 0.5 s and little else.
    CHECK(times[4] - times[0] < 4.0);
}

TEST_CASE("echo: -n sends nothing until someone else starts the loop") {
    Broker broker;
    Observer seen(broker, {"foo_topic"});
    Process echo = start_echo(broker, "silent", {"-n", "--delay", "0.2"});
    REQUIRE(wait_for_subscriptions(broker, "silent", {"foo_topic"}, 10s, &echo));
    CHECK(seen.lines(1, 1s).empty());
    inject(broker, {"-t", "foo_topic", "-m", "start"});
    CHECK(wait_count(seen, "foo_topic start", 3, 10s));
    CHECK(count(seen.lines(), "foo_topic hello") == 0);
    const ProcessResult r = interrupt(echo);
    CHECK(r.exit_code == 130);
}

TEST_CASE("echo: a persistent session is found again and not re-subscribed - --clean starts over") {
    for (const char* version : {"311", "5"}) {
        INFO("-V " << std::string(version));
        Broker broker;
        const std::string id = std::string("persistent-") + version;
        // The broker's log reaches us through a pipe: wait for a count, don't just read it.
        auto subscriptions = [&](std::size_t expected) {
            broker.wait_for_log(
                [&](std::string_view log) {
                    return mqtk::test::logged_subscriptions(log, id, "foo_topic").size() >=
                           expected;
                },
                10s);
            return mqtk::test::logged_subscriptions(broker.log(), id, "foo_topic").size();
        };
        // -W (from the connection) must cover the SUBACK, which it also bounds: generous.
        // Nothing arrives in these set-up runs, so they end with exit 5 (not the SUBACK's
        // timeout: that one says so).
        const ProcessResult first = echo_run(broker, id, {"-V", version, "-n", "-W", "3"});
        INFO(first.describe());
        REQUIRE(first.exit_code == 5);
        CHECK(first.err.ends_with("mqtk: nothing came back on 'foo_topic' in 3 s\n"));
        CHECK(subscriptions(1) == 1);

        // Second run: the broker has the session, so no SUBSCRIBE, yet messages arrive.
        Process second = start_echo(broker, id, {"-V", version, "-n", "--delay", "0.2"});
        REQUIRE(broker.wait_for_log(
            [&](std::string_view log) { return occurrences(log, " as " + id + " (") >= 2; }, 10s));
        inject(broker, {"-t", "foo_topic", "-m", "session kept"});
        CHECK(second.wait_for_output("session kept\n", 10s));
        const ProcessResult r = interrupt(second);
        CHECK(r.exit_code == 130);
        // Anything it sent is logged before its disconnection.
        CHECK(broker.wait_for_log(
            [&](std::string_view log) {
                return occurrences(log, "Client " + id + " disconnected.") >= 2;
            },
            10s));
        CHECK(subscriptions(1) == 1);

        // --clean: no session, so it subscribes again.
        const ProcessResult clean =
            echo_run(broker, id, {"-V", version, "-n", "--clean", "-W", "3"});
        INFO(clean.describe());
        CHECK(clean.exit_code == 5);
        CHECK(subscriptions(2) == 2);
    }
}

TEST_CASE("echo: --reply-topic answers once on that topic, without a loop") {
    Broker broker;
    Observer seen(broker, {"foo_topic", "answers"});
    Process echo = start_echo(broker, "replier", {"--reply-topic", "answers", "--delay", "0"});
    const Lines first = seen.lines(2, 10s);
    CHECK(first == Lines{"foo_topic hello", "answers hello"});
    inject(broker, {"-t", "foo_topic", "-m", "ping"});
    CHECK(seen.lines(4, 10s) ==
          Lines{"foo_topic hello", "answers hello", "foo_topic ping", "answers ping"});
    // Nothing more: the answers are not echoed again.
    CHECK(seen.lines(5, 1s).size() == 4);
    const ProcessResult r = interrupt(echo);
    CHECK(r.exit_code == 130);
    CHECK(r.out == "hello\nping\n");
}

TEST_CASE("echo: --responder answers the real mosquitto_rr (MQTT 5)") {
    Broker broker;
    Process echo = start_echo(broker, "responder", {"-V", "5", "--responder", "-t", "service"});
    REQUIRE(wait_for_subscriptions(broker, "responder", {"service"}, 10s, &echo));
    const ProcessResult rr =
        run({"mosquitto_rr", "-V", "5", "-h", broker.host(), "-p", str(broker.port()), "-t",
             "service", "-e", "service/reply", "-m", "x", "-W", "10"},
            {.timeout = 20s});
    INFO(rr.describe());
    INFO(echo.stderr_so_far());
    CHECK(rr.exit_code == 0);
    CHECK(rr.out == "x\n");

    // The correlation data goes back with the reply; a request without a response topic
    // gets no answer.
    Observer replies(broker, {"service/#"}, {"-V", "5", "-F", "%t|%D|%p"});
    inject(broker, {"-V", "5", "-t", "service", "-m", "no answer"});
    inject(broker, {"-V", "5", "-t", "service", "-m", "y", "-D", "publish", "response-topic",
                    "service/r2", "-D", "publish", "correlation-data", "abc-1"});
    CHECK(replies.lines(3, 10s) ==
          Lines{"service||no answer", "service|abc-1|y", "service/r2|abc-1|y"});
    CHECK(replies.lines(4, 500ms).size() == 3);
    const ProcessResult r = interrupt(echo);
    CHECK(r.exit_code == 130);
}

TEST_CASE("echo: --responder without -V 5 is a usage error") {
    Broker broker;
    const ProcessResult r = echo_run(broker, "responder-v3", {"--responder", "-t", "service"});
    INFO(r.describe());
    CHECK(r.exit_code == 2);
    CHECK(r.err.starts_with("mqtk: "));
    CHECK(r.err.find("-V 5") != std::string::npos);
}

TEST_CASE("echo: -C stops after N echoes with exit 0 and a consistent summary") {
    for (const char* version : {"311", "5"}) {
        INFO("-V " << std::string(version));
        Broker broker;
        Observer seen(broker, {"foo_topic"}, {"-F", "%p"});
        const auto start = Clock::now();
        const ProcessResult r =
            echo_run(broker, "counted", {"-V", version, "--delay", "0", "-C", "20", "--clean"});
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        // 21 round trips at --delay 0 take milliseconds; the rest is start-up and the way out.
        CHECK(Clock::now() - start < 3s);
        const Summary s = parse_summary(r.err);
        CHECK(s.echoed == 20);
        check_consistent(s);
        CHECK(s.sent == 21);  // hello and 20 echoes
        CHECK(s.returned >= 20);
        // Others see the payload unchanged, whatever echo uses to recognise its own.
        const Lines lines = seen.lines(21, 10s);
        CHECK(lines.size() >= 21);
        CHECK(std::all_of(lines.begin(), lines.end(),
                          [](const std::string& l) { return l == "hello"; }));
    }
}

TEST_CASE("echo: -W stops after the time with exit 0") {
    Broker broker;
    const auto start = Clock::now();
    // -W counts from the connection and must cover the SUBACK, hello's round trip and two
    // echoes 0.2 s apart: 3 s leaves room for a loaded machine.
    const ProcessResult r = echo_run(broker, "timed", {"--delay", "0.2", "-W", "3"});
    const auto elapsed = Clock::now() - start;
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(elapsed >= 3s);  // the clock started before the process, which connects later
    // -W 3 from the connection; 1.5 s for start-up, connect and the way out under load.
    CHECK(elapsed < 4500ms);
    const Summary s = parse_summary(r.err);
    CHECK(s.echoed >= 2);
    check_consistent(s);
    CHECK(split_lines(r.out).size() >= 2);
}

TEST_CASE("echo: SIGINT and SIGTERM exit 130 after a summary") {
    for (const int signal : {SIGINT, SIGTERM}) {
        INFO("signal " << signal);
        Broker broker;
        Process echo = start_echo(broker, "stopped", {"--delay", "0.1"});
        REQUIRE(wait_output_count(echo, "hello", 3, 10s));
        echo.send_signal(signal);
        const ProcessResult r = echo.wait(15s);
        INFO(r.describe());
        CHECK(r.exit_code == 130);
        CHECK_FALSE(r.timed_out);
        const Summary s = parse_summary(r.err);
        CHECK(s.echoed >= 2);
        check_consistent(s);
        CHECK(s.has_round_trips);
        CHECK(broker.wait_for_log("Client stopped disconnected.", 5s));
    }
}

TEST_CASE("echo: the loop resumes after a broker restart") {
    Broker broker({.persistence = true});
    Process echo = start_echo(broker, "survivor", {"-q", "1", "--delay", "0.2"});
    REQUIRE(wait_output_count(echo, "hello", 3, 10s));
    broker.restart();
    const std::size_t before = split_lines(echo.stdout_so_far()).size();
    Observer seen(broker, {"foo_topic"});
    INFO(echo.stderr_so_far());
    CHECK(wait_count(seen, "foo_topic hello", 3, 30s));
    CHECK(wait_output_count(echo, "hello", before + 2, 10s));
    const ProcessResult r = interrupt(echo);
    INFO(r.describe());
    CHECK(r.exit_code == 130);
    CHECK(r.err.find("reconnecting") != std::string::npos);
}

TEST_CASE("echo: -v, -F and --json print through sub's formatter") {
    Broker broker;
    SUBCASE("-F") {
        const ProcessResult r =
            echo_run(broker, "fmt", {"--delay", "0", "-C", "2", "-F", "%t:%p|%q|%r|%l|%x"});
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        const Lines lines = split_lines(r.out);
        REQUIRE(lines.size() >= 2);
        CHECK(lines[0] == "foo_topic:hello|0|0|5|68656c6c6f");
        CHECK(lines[1] == lines[0]);
    }
    SUBCASE("-v") {
        const ProcessResult r = echo_run(broker, "verbose", {"--delay", "0", "-C", "1", "-v"});
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(split_lines(r.out).at(0) == "foo_topic hello");
        CHECK(r.out.find('\033') == std::string::npos);
    }
    SUBCASE("--json") {
        const ProcessResult r =
            echo_run(broker, "json", {"--delay", "0", "-C", "1", "--json", "-q", "1"});
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        const auto object = nlohmann::json::parse(split_lines(r.out).at(0));
        CHECK(object["topic"] == "foo_topic");
        CHECK(object["payload"] == "hello");
        CHECK(object["encoding"] == "utf8");
        CHECK(object["qos"] == 1);
        CHECK(object["retain"] == false);
    }
}
