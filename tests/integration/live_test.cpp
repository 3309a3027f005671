// Live figures against a private mosquitto: the --stats stream of bench, echo and sub (its
// last line is the command's result, its intervals add up to its totals, a broker restart
// shows as a connection lost and reconnected, a bad path or interval is exit 2 before any
// connection) and sub --message-rate (mosquitto 2.1's per-second count).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::check_error;
using mqtk::test::contains;
using mqtk::test::free_port;
using mqtk::test::mqtk_argv;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::run_mqtk;
using mqtk::test::str;
using mqtk::test::TempDir;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const Broker::Config kRoomy{.extra = "max_queued_messages 1000000"};

// Every line of a --stats file, parsed (a line that is not JSON fails the test).
std::vector<json> read_stats(const std::string& path) {
    std::ifstream in(path);
    std::vector<json> lines;
    for (std::string line; std::getline(in, line);) {
        INFO(line);
        REQUIRE_NOTHROW(lines.push_back(json::parse(line)));
    }
    return lines;
}

std::uint64_t u64(const json& j) {
    return j.get<std::uint64_t>();
}

// The shape every stream has: lines in time order, only the last one final.
void check_stream(const std::vector<json>& lines, const char* command) {
    REQUIRE(lines.size() >= 2);
    double elapsed = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        INFO(lines[i].dump());
        CHECK(lines[i]["command"] == command);
        CHECK(lines[i]["final"] == (i + 1 == lines.size()));
        CHECK(lines[i]["elapsed_s"].get<double>() >= elapsed);
        elapsed = lines[i]["elapsed_s"].get<double>();
        CHECK(std::regex_match(lines[i]["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    }
}

// The intervals' counts add up to the last line's totals.
void check_intervals_add_up(const std::vector<json>& lines) {
    const json& total = lines.back()["total"];
    for (const char* key : {"sent", "received", "lost", "duplicates", "out_of_order"}) {
        std::uint64_t sum = 0;
        for (const auto& line : lines)
            sum += u64(line["interval"]["messages"][key]);
        INFO(key);
        CHECK(sum == u64(total["messages"][key]));
    }
    for (const char* key : {"lost", "reconnected"}) {
        std::uint64_t sum = 0;
        for (const auto& line : lines)
            sum += u64(line["interval"]["connections"][key]);
        INFO(key);
        CHECK(sum == u64(total["connections"][key]));
    }
    for (const auto& [name, latency] : total["latency"].items()) {
        std::uint64_t sum = 0;
        for (const auto& line : lines)
            sum += u64(line["interval"]["latency"][name]["count"]);
        CAPTURE(name);
        CHECK(sum == u64(latency["count"]));
    }
}

bool wait_for_file(const std::string& path, Process& process, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!std::filesystem::exists(path) && process.running() && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    return std::filesystem::exists(path);
}

// Waits until some line of the stream satisfies `pred`.
bool wait_for_line(const std::string& path, const std::function<bool(const json&)>& pred,
                   std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        std::ifstream in(path);
        for (std::string line; std::getline(in, line);) {
            const json j = json::parse(line, nullptr, false);
            if (!j.is_discarded() && pred(j)) return true;
        }
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
}

}  // namespace

TEST_CASE("stats: bench's last line is its --json result, and the intervals add up to it") {
    Broker broker(kRoomy);
    TempDir dir;
    for (const std::string workers : {"1", "2"}) {
        CAPTURE(workers);
        const std::string stats = dir.file("bench-" + workers + ".jsonl");
        const ProcessResult r = run_mqtk({"bench",
                                          "-h",
                                          broker.host(),
                                          "-p",
                                          str(broker.port()),
                                          "--publishers",
                                          "2",
                                          "--subscribers",
                                          "1",
                                          "-q",
                                          "1",
                                          "--duration",
                                          "1.5",
                                          "--warmup",
                                          "0.2",
                                          "--workers",
                                          workers,
                                          "--json",
                                          "--stats",
                                          stats,
                                          "--stats-interval",
                                          "0.2"},
                                         {.timeout = 30s});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        const json result = json::parse(r.out);
        const auto lines = read_stats(stats);
        check_stream(lines, "bench");
        const json& total = lines.back()["total"];
        INFO(total.dump());
        for (const char* key : {"sent", "received", "lost", "duplicates", "out_of_order"}) {
            INFO(key);
            CHECK(total["messages"][key] == result["messages"][key]);
        }
        CHECK(u64(total["messages"]["sent"]) > 0);
        for (const char* name : {"end_to_end", "publish_ack"}) {
            for (const char* key :
                 {"count", "min_ns", "p50_ns", "p90_ns", "p99_ns", "p99.9_ns", "max_ns"}) {
                INFO(name << " " << key);
                CHECK(total["latency"][name][key] == result["latency"][name][key]);
            }
        }
        check_intervals_add_up(lines);
        // Live while it ran (through the workers' pipes with 2), not only at the end: some
        // earlier line saw messages and every client connected.
        const auto live = [&](const char* key) {
            return std::any_of(lines.begin(), lines.end() - 1,
                               [&](const json& l) { return u64(l["total"]["messages"][key]) > 0; });
        };
        CHECK(live("sent"));
        CHECK(live("received"));
        CHECK(std::any_of(lines.begin(), lines.end() - 1,
                          [](const json& l) { return l["interval"]["connections"]["up"] == 3; }));
    }
}

TEST_CASE("stats: echo's last line is its summary, and the intervals add up to it") {
    Broker broker;
    TempDir dir;
    const std::string stats = dir.file("echo.jsonl");
    const ProcessResult r = run_mqtk(
        {"echo", "-h", broker.host(), "-p", str(broker.port()), "-i", "live-echo", "--clean",
         "--delay", "0.05", "-C", "30", "--stats", stats, "--stats-interval", "0.3"},
        {.timeout = 30s});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    std::smatch m;
    REQUIRE(std::regex_search(
        r.err, m,
        std::regex(
            R"((\d+) sent, (\d+) returned, (\d+) lost, (\d+) duplicated, (\d+) out of order)")));
    const auto lines = read_stats(stats);
    check_stream(lines, "echo");
    const json& total = lines.back()["total"];
    INFO(total.dump());
    CHECK(total["messages"]["sent"] == std::stoull(m[1]));
    CHECK(total["messages"]["received"] == std::stoull(m[2]));
    CHECK(total["messages"]["lost"] == std::stoull(m[3]));
    CHECK(total["messages"]["duplicates"] == std::stoull(m[4]));
    CHECK(total["messages"]["out_of_order"] == std::stoull(m[5]));
    CHECK(std::stoull(m[2]) >= 30);
    // The summary's round trips, in its words, from the stream's nanoseconds.
    const json& rtt = total["latency"]["round_trip"];
    const auto ms = [&](const char* key) { return fmt::format("{:.3f} ms", u64(rtt[key]) / 1e6); };
    CHECK(contains(r.err,
                   fmt::format("round trip min {}, p50 {}, p90 {}, p99 {}, max {}", ms("min_ns"),
                               ms("p50_ns"), ms("p90_ns"), ms("p99_ns"), ms("max_ns"))));
    CHECK(u64(rtt["count"]) == std::stoull(m[2]));
    check_intervals_add_up(lines);
}

TEST_CASE("stats: a broker restart shows as a connection lost and reconnected (sub, echo)") {
    for (const std::string command : {"sub", "echo"}) {
        CAPTURE(command);
        Broker broker({.persistence = true});
        TempDir dir;
        const std::string stats = dir.file("stats.jsonl");
        std::vector<std::string> args = {"-i",  "restarted-" + command, "-q", "1", "--stats",
                                         stats, "--stats-interval",     "0.2"};
        if (command == "sub") {
            args.insert(args.end(), {"-t", "live/#", "--ready-file", dir.file("ready")});
        } else {
            args.insert(args.end(), {"--delay", "0.1"});
        }
        Process process(mqtk_argv(command, broker.port(), args));
        // Connected: the stream says so.
        REQUIRE(wait_for_line(
            stats, [](const json& l) { return l["total"]["connections"]["up"] == 1; }, 15s));
        broker.restart();
        INFO(process.stderr_so_far());
        REQUIRE(process.wait_for_stderr("reconnected", 30s));
        CHECK(wait_for_line(
            stats,
            [](const json& l) {
                return l["total"]["connections"]["reconnected"] == 1 &&
                       l["total"]["connections"]["up"] == 1;
            },
            5s));
        process.send_signal(SIGINT);
        const ProcessResult r = process.wait(15s);
        INFO(r.describe());
        CHECK(r.exit_code == 130);
        const auto lines = read_stats(stats);
        check_stream(lines, command.c_str());
        const json& connections = lines.back()["total"]["connections"];
        CHECK(connections["lost"] == 1);
        CHECK(connections["reconnected"] == 1);
        CHECK(connections["up"] == 0);  // disconnected at the end
        check_intervals_add_up(lines);
    }
}

TEST_CASE("stats: sub counts what it received, the last line after the last message") {
    Broker broker;
    TempDir dir;
    const std::string stats = dir.file("sub.jsonl");
    const std::string ready = dir.file("ready");
    Process sub(mqtk_argv("sub", broker.port(),
                          {"-t", "counted", "-C", "25", "--stats", stats, "--ready-file", ready}));
    REQUIRE(wait_for_file(ready, sub, 15s));
    const ProcessResult pub =
        run_mqtk({"pub", "-p", str(broker.port()), "-t", "counted", "-m", "x", "--repeat", "25"});
    REQUIRE(pub.exit_code == 0);
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    const auto lines = read_stats(stats);
    REQUIRE(!lines.empty());
    CHECK(lines.back()["final"] == true);
    CHECK(lines.back()["total"]["messages"]["received"] == 25);
    CHECK(lines.back()["total"]["messages"]["sent"] == 0);
}

TEST_CASE(
    "stats: a --stats file that cannot be written or a bad interval is exit 2, before any "
    "connection") {
    // Nothing listens on the port: an attempt to connect would be exit 3.
    const int port = free_port();
    TempDir dir;
    for (const std::string command : {"bench", "echo", "sub"}) {
        CAPTURE(command);
        std::vector<std::string> topic;
        if (command == "sub") topic = {"-t", "x"};
        const auto with = [&](std::vector<std::string> args) {
            args.insert(args.begin(), topic.begin(), topic.end());
            args.insert(args.begin(), {command, "-h", "127.0.0.1", "-p", str(port)});
            return run_mqtk(args);
        };
        const ProcessResult unwritable = with({"--stats", dir.file("no/such/dir/stats")});
        INFO(unwritable.describe());
        check_error(unwritable, 2);
        CHECK(contains(unwritable.err, "--stats"));
        for (const std::string interval : {"0", "-1", "abc", "nan"}) {
            CAPTURE(interval);
            const ProcessResult bad = with({"--stats", "-", "--stats-interval", interval});
            INFO(bad.describe());
            check_error(bad, 2);
            CHECK(contains(bad.err, "--stats-interval"));
        }
    }
}

TEST_CASE("sub --message-rate: the arrivals of each second, once a second, instead of them") {
    Broker broker;
    TempDir dir;
    const std::string ready = dir.file("ready");
    // -C is not counted and -T does not filter under --message-rate (mosquitto 2.1: the
    // count comes before any processing, which is off).
    Process sub(mqtk_argv(
        "sub", broker.port(),
        {"-t", "rate/#", "-T", "rate/hidden", "-C", "1", "--message-rate", "--ready-file", ready}));
    REQUIRE(wait_for_file(ready, sub, 15s));
    const auto start = Clock::now();
    for (const char* topic : {"rate/a", "rate/hidden"}) {
        const ProcessResult pub =
            run_mqtk({"pub", "-p", str(broker.port()), "-t", topic, "-m", "x", "--repeat", "20"});
        REQUIRE(pub.exit_code == 0);
    }
    const std::regex line(R"(\d+ msgs/s)");
    const auto lines_of = [&](std::string_view out) {
        std::vector<std::string> lines;
        std::string text(out);
        for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos;
             at = end + 1)
            lines.push_back(text.substr(at, end - at));
        return lines;
    };
    REQUIRE(sub.wait_until(
        [&](std::string_view out, std::string_view) { return lines_of(out).size() >= 3; }, 10s));
    const double three_lines = std::chrono::duration<double>(Clock::now() - start).count();
    sub.send_signal(SIGINT);
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 130);
    std::uint64_t sum = 0;
    for (const auto& l : lines_of(r.out)) {
        CAPTURE(l);
        CHECK(std::regex_match(l, line));
        sum += std::stoull(l);
    }
    CHECK(sum == 40);
    // A line a second from the SUBACK: the third within 3 s of it (the clock here started
    // a little after), plus 0.5 s for a loaded machine.
    CHECK(three_lines >= 2.0);
    CHECK(three_lines < 3.5);
}

TEST_CASE("stats: req --count: the requests, the replies and their round trips") {
    Broker broker;
    TempDir dir;
    Process responder(
        mqtk_argv("echo", broker.port(),
                  {"-i", "live-responder", "-V", "5", "--responder", "-t", "svc/live", "--clean"}));
    REQUIRE(mqtk::test::wait_for_subscriptions(broker, "live-responder", {"svc/live"}, 10s));
    const std::string stats = dir.file("req.jsonl");
    const ProcessResult r =
        run_mqtk({"req", "-p", str(broker.port()), "-t", "svc/live", "-m", "q", "--count", "4",
                  "--interval", "0.1", "--stats", stats, "--stats-interval", "0.1"});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    auto lines = read_stats(stats);
    check_stream(lines, "req");
    const json& total = lines.back()["total"];
    INFO(total.dump());
    CHECK(total["messages"]["sent"] == 4);
    CHECK(total["messages"]["received"] == 4);
    CHECK(total["messages"]["lost"] == 0);
    const json& rtt = total["latency"]["round_trip"];
    CHECK(rtt["count"] == 4);
    const auto ms = [&](const char* key) { return fmt::format("{:.3f} ms", u64(rtt[key]) / 1e6); };
    CHECK(contains(r.err,
                   fmt::format("round trip min {}, p50 {}, p90 {}, p99 {}, max {}", ms("min_ns"),
                               ms("p50_ns"), ms("p90_ns"), ms("p99_ns"), ms("max_ns"))));
    check_intervals_add_up(lines);

    // Unanswered: the request that timed out is lost.
    const ProcessResult lost = run_mqtk({"req", "-p", str(broker.port()), "-t", "svc/nobody", "-m",
                                         "q", "--count", "3", "-W", "0.3", "--stats", stats});
    INFO(lost.describe());
    CHECK(lost.exit_code == 5);
    lines = read_stats(stats);
    REQUIRE(!lines.empty());
    CHECK(lines.back()["total"]["messages"]["sent"] == 1);
    CHECK(lines.back()["total"]["messages"]["received"] == 0);
    CHECK(lines.back()["total"]["messages"]["lost"] == 1);
}
