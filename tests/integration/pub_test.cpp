// `mqtk pub` against a private mosquitto, every flag observed on the wire by an independent
// client (mosquitto_sub through Observer, or mosquitto's own log and socket queues), never
// by trusting mqtk's own report. Usage errors: exit 2, one "mqtk: " line, nothing on
// stdout, and no connection made.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/fake_broker.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::BrokerFreeze;
using mqtk::test::check_error;
using mqtk::test::check_silent_success;  // pub prints nothing when it succeeds
using mqtk::test::FakeBroker;
using mqtk::test::lines_before_fence;
using mqtk::test::mqtk_binary;
using mqtk::test::Observer;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::RunOptions;
using mqtk::test::seconds_since;
using mqtk::test::str;
using mqtk::test::TempDir;
using mqtk::test::wait_for_client_gone;
using mqtk::test::wait_for_connect_line;
using Clock = std::chrono::steady_clock;
namespace packet = mqtk::test::packet;
using Lines = std::vector<std::string>;

// `mqtk pub -h 127.0.0.1 -p <port> args...`
std::vector<std::string> pub_argv(int port, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"pub"};
    const auto address = mqtk::test::address_args(port);
    argv.insert(argv.end(), address.begin(), address.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

ProcessResult pub(const Broker& broker, const std::vector<std::string>& args,
                  RunOptions options = {}) {
    return mqtk::test::mqtk(pub_argv(broker.port(), args), std::move(options));
}

// A background `mqtk pub` (for stdin that stays open).
Process pub_process(const Broker& broker, const std::vector<std::string>& args) {
    std::vector<std::string> argv = pub_argv(broker.port(), args);
    argv.insert(argv.begin(), mqtk_binary());
    return Process(std::move(argv));
}

std::string all_byte_values() {
    std::string bytes;
    for (int i = 0; i < 256; ++i)
        bytes.push_back(static_cast<char>(i));
    return bytes;
}

std::string hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        out += kDigits[static_cast<unsigned char>(c) >> 4];
        out += kDigits[static_cast<unsigned char>(c) & 0xf];
    }
    return out;
}

}  // namespace

// --- payload sources -----------------------------------------------------------------------

TEST_CASE("pub: -m publishes exactly one message with that payload") {
    Broker broker;
    Observer seen(broker, {"p/m"});
    check_silent_success(pub(broker, {"-t", "p/m", "-m", "hello world", "-i", "pub-m"}));
    REQUIRE(wait_for_client_gone(broker, "pub-m"));
    CHECK_LINES(lines_before_fence(seen, broker, "p/m", "p/m FENCE"), {"p/m hello world"});
}

TEST_CASE("pub: -f sends a binary file byte for byte, and an empty file as an empty message") {
    Broker broker;
    TempDir dir;
    const std::string bytes = all_byte_values() + "\n\r\n" + all_byte_values();
    Observer seen(broker, {"p/f"}, {"-F", "%x"});
    check_silent_success(
        pub(broker, {"-t", "p/f", "-f", dir.write("binary", bytes), "-i", "pub-f"}));
    check_silent_success(pub(broker, {"-t", "p/f", "-f", dir.write("empty", ""), "-i", "pub-f2"}));
    REQUIRE(wait_for_client_gone(broker, "pub-f2"));
    const Lines lines = lines_before_fence(seen, broker, "p/f", hex("FENCE"));
    REQUIRE(lines.size() == 2);
    CHECK(Observer::unhex(lines[0]) == bytes);
    CHECK(lines[1].empty());
}

TEST_CASE("pub: -s sends all of stdin as one binary message") {
    Broker broker;
    const std::string bytes = "line one\nline two\n" + all_byte_values() + "\n\n";
    Observer seen(broker, {"p/s"}, {"-F", "%x"});
    check_silent_success(pub(broker, {"-t", "p/s", "-s", "-i", "pub-s"}, {.stdin_data = bytes}));
    check_silent_success(
        pub(broker, {"-t", "p/s", "--stdin-file", "-i", "pub-s2"}, {.stdin_data = "long form"}));
    REQUIRE(wait_for_client_gone(broker, "pub-s2"));
    const Lines lines = lines_before_fence(seen, broker, "p/s", hex("FENCE"));
    REQUIRE(lines.size() == 2);
    CHECK(Observer::unhex(lines[0]) == bytes);
    CHECK(Observer::unhex(lines[1]) == "long form");
}

TEST_CASE("pub: -l sends each line as mosquitto_pub -l does") {
    // Blank lines are zero-length messages, '\r' stays, a last line without '\n' counts.
    const std::string input = "a\n\nb\r\n\xc3\xa9 \xff\nlast";
    Broker broker;
    Observer seen(broker, {"l/#"}, {"-F", "%t %x"});
    const ProcessResult reference =
        mqtk::test::run({"mosquitto_pub", "-h", broker.host(), "-p", str(broker.port()), "-t",
                         "l/reference", "-l", "-i", "reference"},
                        {.stdin_data = input, .timeout = 20s});
    REQUIRE(reference.exit_code == 0);
    check_silent_success(pub(broker, {"-t", "l/mqtk", "-l", "-i", "pub-l"}, {.stdin_data = input}));
    REQUIRE(wait_for_client_gone(broker, "reference"));
    REQUIRE(wait_for_client_gone(broker, "pub-l"));
    const Lines lines = lines_before_fence(seen, broker, "l/fence", "l/fence " + hex("FENCE"));
    Lines from_reference, from_mqtk;
    for (const auto& line : lines) {
        const auto space = line.find(' ');
        const std::string topic = line.substr(0, space);
        const std::string payload = space == std::string::npos ? "" : line.substr(space + 1);
        (topic == "l/reference" ? from_reference : from_mqtk).push_back(payload);
    }
    CHECK_LINES(from_mqtk, {"61", "", "620d", "c3a920ff", "6c617374"});
    CHECK(from_mqtk == from_reference);
}

TEST_CASE("pub: -l streams: a line is published before stdin is closed") {
    Broker broker;
    Observer seen(broker, {"l/stream"});
    Process mqtk = pub_process(broker, {"-t", "l/stream", "-l", "-q", "1", "-i", "streamer"});
    REQUIRE(!wait_for_connect_line(broker, "streamer").empty());
    mqtk.write_stdin("first\n");
    CHECK_LINES(seen.lines(1, 10s), {"l/stream first"});
    CHECK(mqtk.running());
    mqtk.write_stdin("second\n");
    CHECK_LINES(seen.lines(2, 10s), {"l/stream first", "l/stream second"});
    CHECK(mqtk.running());
    mqtk.close_stdin();
    const ProcessResult r = mqtk.wait(20s);
    check_silent_success(r);
}

TEST_CASE("pub: -l with empty stdin exits promptly with 0 and publishes nothing") {
    Broker broker;
    Observer seen(broker, {"l/empty"});
    Process mqtk = pub_process(broker, {"-t", "l/empty", "-l", "-q", "1", "-i", "empty"});
    // Timed from the end of stdin, once connected: how long a loaded machine takes to start
    // mqtk (under a sanitizer) and connect it is not what "promptly" is about.
    REQUIRE(!wait_for_connect_line(broker, "empty").empty());
    const auto start = Clock::now();
    mqtk.close_stdin();
    const ProcessResult r = mqtk.wait(20s);
    const double elapsed = seconds_since(start);
    check_silent_success(r);
    CHECK(elapsed < 1.0);  // promptly: a DISCONNECT and the way out, on a loaded machine
    REQUIRE(wait_for_client_gone(broker, "empty"));
    CHECK(lines_before_fence(seen, broker, "l/empty", "l/empty FENCE").empty());
}

TEST_CASE("pub: -n sends a zero-length message") {
    Broker broker;
    Observer seen(broker, {"p/n"}, {"-F", "%l|%x|%t"});
    check_silent_success(pub(broker, {"-t", "p/n", "-n"}));
    check_silent_success(pub(broker, {"-t", "p/n", "--null-message"}));
    CHECK_LINES(seen.lines(2, 10s), {"0||p/n", "0||p/n"});
}

// --- publish options -----------------------------------------------------------------------

TEST_CASE("pub: -r retains the message for later subscribers, without -r nothing is kept") {
    Broker broker;
    check_silent_success(pub(broker, {"-t", "r/kept", "-m", "kept", "-r"}));
    check_silent_success(pub(broker, {"-t", "r/long", "-m", "long form", "--retain"}));
    check_silent_success(pub(broker, {"-t", "r/not", "-m", "not kept", "-i", "not-retained"}));
    REQUIRE(wait_for_client_gone(broker, "not-retained"));
    // Subscribed only now: retained messages arrive right after SUBACK, before the fence.
    Observer later(broker, {"r/#"}, {"-F", "%r %t %p"});
    Lines lines = lines_before_fence(later, broker, "r/fence", "0 r/fence FENCE");
    std::sort(lines.begin(), lines.end());
    CHECK_LINES(lines, {"1 r/kept kept", "1 r/long long form"});
}

TEST_CASE("pub: -q 0, 1 and 2 reach the broker with that QoS") {
    Broker broker;
    Observer seen(broker, {"q"}, {"-q", "2", "-F", "%q %p"});
    for (const char* qos : {"0", "1", "2"}) {
        check_silent_success(pub(broker, {"-t", "q", "-q", qos, "-m", std::string("qos") + qos}));
    }
    check_silent_success(pub(broker, {"-t", "q", "--qos", "2", "-m", "long form"}));
    CHECK_LINES(seen.lines(4, 10s), {"0 qos0", "1 qos1", "2 qos2", "2 long form"});
}

TEST_CASE("pub: --repeat sends N copies and --repeat-delay spaces them") {
    Broker broker;
    Observer seen(broker, {"rep/#"}, {"-F", "%t %p @s @N"});
    check_silent_success(
        pub(broker, {"-t", "rep/fast", "-m", "x", "--repeat", "5", "-i", "rep-fast"}));
    const auto start = Clock::now();
    const ProcessResult spaced =
        pub(broker, {"-t", "rep/slow", "-m", "y", "--repeat", "4", "--repeat-delay", "0.3", "-q",
                     "1", "-i", "rep-slow"});
    const double elapsed = seconds_since(start);
    check_silent_success(spaced);
    CHECK(elapsed >= 0.85);  // three pauses of 0.3 s
    REQUIRE(wait_for_client_gone(broker, "rep-slow"));
    const Lines lines = lines_before_fence(seen, broker, "rep/fence", "rep/fence FENCE ");
    std::vector<double> slow_times;
    int fast = 0;
    for (const auto& line : lines) {
        if (line.starts_with("rep/fast x ")) ++fast;
        if (line.starts_with("rep/slow y ")) {
            const auto s = line.substr(11);
            const auto space = s.find(' ');
            slow_times.push_back(std::stod(s.substr(0, space)) +
                                 std::stod(s.substr(space + 1)) / 1e9);
        }
    }
    CHECK(fast == 5);
    REQUIRE(slow_times.size() == 4);
    for (std::size_t i = 1; i < slow_times.size(); ++i) {
        INFO("gap " << i << ": " << slow_times[i] - slow_times[i - 1] << " s");
        CHECK(slow_times[i] - slow_times[i - 1] >= 0.1);  // observed spacing, with slack
    }
    CHECK(slow_times.back() - slow_times.front() >= 0.5);
}

namespace {

// Writes a first line to a `pub -l` and waits until `seen` got it: mqtk is connected and
// publishing (its connect line in the broker's log comes before the CONNACK is sent, so a
// broker frozen right after that line might never have answered).
void first_line_through(Process& mqtk, Observer& seen, const std::string& line) {
    mqtk.write_stdin(line + "\n");
    REQUIRE(seen.lines(1, 10s).size() == 1);
}

}  // namespace

TEST_CASE("pub: -M bounds the QoS 1 messages in flight") {
    // With the broker frozen nothing is acknowledged, so the unread bytes queued at the
    // broker's socket are what mqtk allowed itself to send: at most -M publishes. -W ends
    // the run while it waits for room: once mqtk has exited, nothing more can be sent, so
    // the queue then is all it ever sent (no pause that merely hopes the excess showed up).
    // A PUBLISH here is 12 bytes: header 2, topic "m" 3, packet id 2, payload "xxxxx" 5;
    // mqtk leaves a DISCONNECT (2) on its way out, and its FIN counts as 1 in the queue.
    // 3 and 8 both below the default (20), so the bound is -M's doing.
    constexpr long kPublish = 12;
    constexpr long kGoodbye = 2 + 1;
    for (const int max_inflight : {3, 8}) {
        CAPTURE(max_inflight);
        Broker broker;
        Observer seen(broker, {"m"}, {"-q", "1"});
        const std::string id = "inflight-" + str(max_inflight);
        Process mqtk = pub_process(
            broker, {"-t", "m", "-l", "-q", "1", "-M", str(max_inflight), "-i", id, "-W", "3"});
        const std::string connected = wait_for_connect_line(broker, id);
        REQUIRE(!connected.empty());
        const int client_port = mqtk::test::client_port_from(connected);
        first_line_through(mqtk, seen, "first");
        ProcessResult r;
        long queued = 0;
        {
            BrokerFreeze freeze(broker);
            for (int i = 0; i < 10; ++i)
                mqtk.write_stdin("xxxxx\n");
            r = mqtk.wait(20s);  // -W 3: stdin stays open, only the deadline ends the run
            queued = mqtk::test::broker_receive_queue(broker.port(), client_port);
        }
        INFO(r.describe());
        INFO("bytes queued at the broker: " << queued);
        check_error(r, 5);
        // mqtk may not have read the first PUBACK before the freeze: at most -M publishes,
        // and not fewer than -M - 1.
        const long publishes = (queued - kGoodbye) / kPublish;
        CHECK((queued - kGoodbye) % kPublish == 0);
        CHECK(publishes >= max_inflight - 1);
        CHECK(publishes <= max_inflight);
        // What it says it published is what the broker got: the first line and the queue.
        CHECK(r.err.find("stdin not read to its end; " + str(publishes + 1) +
                         " messages published") != std::string::npos);
        // (Not what the observer gets after the thaw: mosquitto drops the rest of the
        // queue once its first PUBACK meets the closed connection.)
    }
}

TEST_CASE("pub: under MQTT 5 the broker's Receive Maximum caps -M") {
    // mosquitto 2.0.11 advertises max_inflight_messages as the Receive Maximum of its
    // CONNACK (send_connack.c). A relay withholds the broker's PUBACKs, so nothing mqtk
    // sends is ever acknowledged: the PUBLISH packets it sent are its in-flight window.
    // -M 50 and 30 messages: a window that ignored the broker's 5 would send all 30.
    constexpr std::size_t kBrokerMaximum = 5;
    Broker broker({.extra = "max_inflight_messages " + str(kBrokerMaximum) + "\n"});
    FakeBroker relay(FakeBroker::relay_dropping(broker.port(), {packet::kPuback}));
    const auto publishes = [&relay] {
        const auto packets = relay.client_packets();
        return static_cast<std::size_t>(std::count_if(
            packets.begin(), packets.end(),
            [](const mqtk::test::MqttPacket& p) { return (p.header >> 4) == packet::kPublish; }));
    };
    std::vector<std::string> argv =
        pub_argv(relay.port(), {"-V", "5", "-M", "50", "-q", "1", "--repeat", "30", "-t", "capped",
                                "-m", "x", "-W", "20"});
    argv.insert(argv.begin(), mqtk_binary());
    Process mqtk(std::move(argv));
    const auto deadline = Clock::now() + 10s;
    while (publishes() < kBrokerMaximum && mqtk.running() && Clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    std::this_thread::sleep_for(500ms);  // room for any excess to show up
    CHECK(publishes() == kBrokerMaximum);
    CHECK(mqtk.running());  // still waiting for the acknowledgements
    REQUIRE(mqtk.send_signal(SIGINT));
    CHECK(mqtk.wait(20s).exit_code == 130);
}

TEST_CASE("pub: -W exits 5 when acknowledgements cannot arrive") {
    Broker broker;
    Observer seen(broker, {"w"});
    Process mqtk = pub_process(broker, {"-t", "w", "-l", "-q", "1", "-W", "3", "-i", "stalled"});
    // pub -W counts from its start, which comes before its CONNECT: timed from the broker's
    // connect line, the run is bounded by -W plus the exit alone, however long a loaded
    // machine took to start mqtk (under a sanitizer) and connect it.
    REQUIRE(!wait_for_connect_line(broker, "stalled").empty());
    const auto start = Clock::now();
    first_line_through(mqtk, seen, "acknowledged");
    BrokerFreeze freeze(broker);
    mqtk.write_stdin("never acknowledged\n");
    mqtk.close_stdin();
    const ProcessResult r = mqtk.wait(20s);
    const double elapsed = seconds_since(start);
    freeze.resume();
    INFO("elapsed " << elapsed << " s");
    INFO(r.describe());
    check_error(r, 5);
    // -W 3 bounds the run: no lingering on the frozen broker (Paho would hold the
    // DISCONNECT back for 2 s, which this bound catches unless connecting alone took 0.5 s).
    CHECK(elapsed < 4.5);
    // The second message was never acknowledged; whether mqtk had read the first PUBACK
    // before the freeze is a race.
    CHECK(r.err.find("of 2 messages not acknowledged") != std::string::npos);
}

TEST_CASE("pub: -W bounds the whole run, the connection attempt included") {
    // A broker that accepts TCP but never answers CONNECT; the connect timeout is far.
    mqtk::test::SilentServer silent;
    const auto start = Clock::now();
    const ProcessResult r = mqtk::test::mqtk(
        pub_argv(silent.port(), {"-t", "w", "-m", "x", "-q", "1", "-W", "1"}), {.timeout = 30s});
    const double elapsed = seconds_since(start);
    INFO("elapsed " << elapsed << " s");
    // -W 1, not the 10 s default connect timeout, ended it, with 1 s for the start-up of
    // a process (~0.3 s under ASan) on a loaded machine.
    CHECK(elapsed < 1.0 + 1.0);
    check_error(r, 5);
}

TEST_CASE("pub: -W bounds reading stdin too (-s, -l, --jsonl) and says what was left") {
    Broker broker;
    for (const std::string source : {"-s", "-l", "--jsonl"}) {
        CAPTURE(source);
        // stdin stays open: only -W can end the run.
        Process mqtk = source == "--jsonl" ? pub_process(broker, {source, "-W", "1"})
                                           : pub_process(broker, {"-t", "w", source, "-W", "1"});
        const auto start = Clock::now();
        const ProcessResult r = mqtk.wait(20s);
        const double elapsed = seconds_since(start);
        INFO("elapsed " << elapsed << " s");
        check_error(r, 5);
        CHECK(r.err.find("timed out after 1 s: stdin not read to its end, nothing published") !=
              std::string::npos);
        CHECK(elapsed < 1.0 + 1.0);  // -W, plus room for a slow start on a loaded machine
    }
    // What was published is accounted for.
    Process lines = pub_process(broker, {"-t", "w", "-l", "-q", "1", "-W", "2"});
    lines.write_stdin("a\nb\n");
    const ProcessResult r = lines.wait(20s);
    check_error(r, 5);
    CHECK(r.err.find("stdin not read to its end; 2 messages published, all acknowledged") !=
          std::string::npos);
}

TEST_CASE("pub: -W cutting --repeat short says how many repeats were sent") {
    Broker broker;
    const ProcessResult r = pub(broker, {"-t", "w", "-m", "x", "-q", "1", "--repeat", "100",
                                         "--repeat-delay", "0.1", "-W", "1"});
    check_error(r, 5);
    // About 10 were sent at 0.1 s intervals in 1 s, and each was acknowledged at once.
    CHECK(r.err.find("of 100 repeats sent, all acknowledged") != std::string::npos);
}

TEST_CASE("pub: 200 lines at QoS 1 are all delivered, and exit waits for the acks") {
    Broker broker;
    Observer seen(broker, {"many"}, {"-q", "1", "-F", "%p"});
    Lines expected = {"first"};
    std::string input;
    for (int i = 0; i < 200; ++i) {
        expected.push_back("line-" + str(i));
        input += expected.back() + "\n";
    }
    {
        INFO("the broker frozen: stdin read to its end, nothing acknowledged");
        // -M above the input, so all of it is read and sent while nothing can be
        // acknowledged: only the wait for the PUBACKs keeps mqtk from exiting 0, and -W
        // ends that wait. Its exit is the event waited for, no pause that hopes a premature
        // exit would have shown by then.
        Process mqtk = pub_process(
            broker, {"-t", "many", "-l", "-q", "1", "-M", "250", "-W", "3", "-i", "many"});
        const std::string connected = wait_for_connect_line(broker, "many");
        REQUIRE(!connected.empty());
        const int client_port = mqtk::test::client_port_from(connected);
        first_line_through(mqtk, seen, "first");
        ProcessResult r;
        long queued = 0;
        {
            BrokerFreeze freeze(broker);
            mqtk.write_stdin(input);
            mqtk.close_stdin();
            r = mqtk.wait(20s);
            queued = mqtk::test::broker_receive_queue(broker.port(), client_port);
        }
        INFO(r.describe());
        check_error(r, 5);
        // 200 or 201: mqtk may not have read the first PUBACK before the freeze.
        CHECK(r.err.find("of 201 messages not acknowledged") != std::string::npos);
        // All 200 went out before the exit: each PUBLISH is header 2, topic "many" 6,
        // packet id 2 and its payload; then a DISCONNECT (2) and the FIN (counted as 1).
        long sent_bytes = 2 + 1;
        for (std::size_t i = 1; i < expected.size(); ++i)
            sent_bytes += 2 + 6 + 2 + static_cast<long>(expected[i].size());
        CHECK(queued == sent_bytes);
    }
    {
        INFO("the broker running: all acknowledged, then exit 0");
        Observer again(broker, {"many"}, {"-q", "1", "-F", "%p"});
        const ProcessResult r = pub(broker, {"-t", "many", "-l", "-q", "1"}, {.stdin_data = input});
        check_silent_success(r);
        CHECK_LINES(again.lines(200, 10s), (Lines(expected.begin() + 1, expected.end())));
    }
}

// --- JSON Lines ------------------------------------------------------------------------------

TEST_CASE("pub: --jsonl publishes hand-written records: topic, payload, qos, retain, properties") {
    Broker broker;
    Observer seen(broker, {"j/#"},
                  {"-V", "5", "-q", "2", "--retain-as-published", "-F", "%t|%q|%r|%x|%C|%P"});
    const std::string input =
        R"({"topic":"j/text","payload":"hello","encoding":"utf8","qos":1,"retain":false})"
        "\n"
        R"({"topic":"j/bin","payload":"AP+AQQ==","encoding":"base64","qos":2})"
        "\n"
        "\n"  // blank lines are skipped
        R"({"topic":"j/props","payload":"p","properties":{"content-type":"text/plain",)"
        R"("user-property":[["k","v"],["k","w"]]}})"
        "\n"
        R"({"topic":"j/kept","payload":"r","retain":true,"qos":0})";
    check_silent_success(
        pub(broker, {"--jsonl", "-V", "5", "-q", "1", "-i", "jsonl"}, {.stdin_data = input}));
    // Sorted: a QoS 2 message is forwarded only at PUBREL, so it may overtake none or all.
    Lines lines = seen.lines(4, 10s);
    std::sort(lines.begin(), lines.end());
    CHECK_LINES(lines, {"j/bin|2|0|00ff8041||", "j/kept|0|1|72||",
                        "j/props|1|0|70|text/plain|k:v k:w", "j/text|1|0|68656c6c6f||"});
    // And the retained one is retained.
    const ProcessResult later =
        mqtk::test::run({"mosquitto_sub", "-h", broker.host(), "-p", str(broker.port()), "-t",
                         "j/kept", "-C", "1", "-W", "5", "-F", "%r %p"},
                        {.timeout = 20s});
    CHECK(later.out == "1 r\n");
}

TEST_CASE("pub: --jsonl rejects a bad line with exit 2 naming the line") {
    Broker broker;
    const ProcessResult bad_json = pub(broker, {"--jsonl"},
                                       {.stdin_data = R"({"topic":"j/a","payload":"ok"})"
                                                      "\n{not json\n"});
    check_error(bad_json, 2);
    CHECK(bad_json.err.find("line 2") != std::string::npos);
    const ProcessResult wildcard = pub(broker, {"--jsonl"},
                                       {.stdin_data = R"({"topic":"j/#","payload":"x"})"
                                                      "\n"});
    check_error(wildcard, 2);
    CHECK(wildcard.err.find("line 1") != std::string::npos);
}

TEST_CASE("pub: --jsonl refuses what it would drop: -t, and properties without MQTT 5") {
    Broker broker;
    const std::string with_properties =
        R"({"topic":"j/a","payload":"plain"})"
        "\n"
        R"({"topic":"j/b","payload":"p","properties":{"content-type":"text/plain"}})"
        "\n";
    // Under MQTT 3.1.1 the properties of line 2 cannot travel: exit 2 naming the line,
    // rather than a replay that silently differs from the capture.
    const ProcessResult v3 = pub(broker, {"--jsonl"}, {.stdin_data = with_properties});
    check_error(v3, 2);
    CHECK(v3.err.find("line 2") != std::string::npos);
    CHECK(v3.err.find("-V 5") != std::string::npos);
    check_silent_success(pub(broker, {"--jsonl", "-V", "5"}, {.stdin_data = with_properties}));
    // Each record names its topic: -t would do nothing.
    const ProcessResult topic = pub(broker, {"--jsonl", "-t", "other"},
                                    {.stdin_data = R"({"topic":"j/c","payload":"x"})"
                                                   "\n"});
    check_error(topic, 2);
    CHECK(topic.err.find("-t") != std::string::npos);
}

// --- MQTT 5 properties -------------------------------------------------------------------------

TEST_CASE("pub: -D publish properties arrive as given (MQTT 5)") {
    Broker broker;
    Observer seen(broker, {"props/#"}, {"-V", "5", "-F", "%P|%C|%R|%D|%E|%F|%t|%p"});
    // Every publish property a client may send; user properties repeat a key, and their
    // order must survive.
    const std::vector<std::vector<std::string>> properties = {
        {"user-property", "b", "2"},        {"user-property", "a", "1"},
        {"user-property", "b", "3"},        {"content-type", "text/x-test"},
        {"response-topic", "reply/here"},   {"correlation-data", "c0rr"},
        {"message-expiry-interval", "100"}, {"payload-format-indicator", "1"},
    };
    std::vector<std::string> args = {"-V", "5", "-t", "props/all", "-m", "payload", "-q", "1"};
    for (const auto& property : properties) {
        args.insert(args.end(), {"-D", "publish"});
        args.insert(args.end(), property.begin(), property.end());
    }
    check_silent_success(pub(broker, args));
    const Lines lines = seen.lines(1, 10s);
    REQUIRE(lines.size() == 1);
    // The broker forwards the remaining expiry: 100, or 99 once a second has passed.
    const bool expiry_ok =
        lines[0] == "b:2 a:1 b:3|text/x-test|reply/here|c0rr|100|1|props/all|payload" ||
        lines[0] == "b:2 a:1 b:3|text/x-test|reply/here|c0rr|99|1|props/all|payload";
    INFO(lines[0]);
    CHECK(expiry_ok);
    // A topic alias is resolved by the broker: the message arrives on its topic.
    check_silent_success(pub(broker, {"-V", "5", "-t", "props/alias", "-m", "aliased", "-D",
                                      "publish", "topic-alias", "1"}));
    CHECK(seen.lines(2, 10s).at(1) == "||||||props/alias|aliased");
}

TEST_CASE("pub: -D switches to MQTT 5, unless a -V after it says otherwise") {
    Broker broker;
    check_silent_success(pub(broker, {"-t", "t", "-m", "x", "-D", "publish", "content-type", "a"}));
    check_silent_success(pub(
        broker, {"-V", "311", "-t", "t", "-m", "x", "-D", "publish", "user-property", "k", "v"}));
    check_error(pub(broker, {"-t", "t", "-m", "x", "-D", "publish", "user-property", "k", "v", "-V",
                             "311"}),
                2);
    CHECK(mqtk::test::connections_before_fence(broker) == 2);
}

TEST_CASE("pub: a publish the broker refuses is exit 1 with the reason (MQTT 5)") {
    TempDir dir;
    const std::string acl = dir.write("acl", "topic readwrite allowed/#\ntopic deny denied/#\n");
    Broker broker({.extra = "acl_file " + acl + "\n"});
    for (const char* qos : {"1", "2"}) {
        CAPTURE(qos);
        const ProcessResult refused =
            pub(broker, {"-V", "5", "-q", qos, "-t", "denied/x", "-m", "no"});
        check_error(refused, 1);
        CHECK(refused.err.find("not authorized") != std::string::npos);
    }
    check_silent_success(pub(broker, {"-V", "5", "-q", "1", "-t", "allowed/x", "-m", "yes"}));
}

// --- usage errors: exit 2, before connecting -------------------------------------------------

TEST_CASE("pub: an invalid topic is exit 2 and no connection is attempted") {
    Broker broker;
    const std::vector<std::string> topics = {
        "a/#", "#", "a/+/b", "+", "", "bad\xff utf8", "bad\xc3", std::string(65536, 'x')};
    for (const auto& topic : topics) {
        CAPTURE(topic.substr(0, 20));
        check_error(pub(broker, {"-t", topic, "-m", "x"}), 2);
        check_error(pub(broker, {"-t", topic, "-l", "-q", "1"}, {.stdin_data = "x\n"}), 2);
    }
    CHECK(mqtk::test::connections_before_fence(broker) == 0);
    // And with nothing listening it is still 2 (invalid input), not 3 (unreachable).
    const int nothing = mqtk::test::free_port();
    check_error(mqtk::test::mqtk(pub_argv(nothing, {"-t", "a/#", "-m", "x"})), 2);
}

TEST_CASE("pub: missing topic or message, or two sources, is exit 2") {
    Broker broker;
    TempDir dir;
    const std::string file = dir.write("f", "x");
    const std::vector<std::vector<std::string>> cases = {
        {"-m", "x"},
        {"-t", "t"},
        {"-t", "t", "-q", "1"},
        {"-t", "t", "-m", "x", "-f", file},
        {"-t", "t", "-m", "x", "-n"},
        {"-t", "t", "-l", "-s"},
        {"-L", "mqtt://127.0.0.1:" + str(broker.port()), "-m", "x"},
        {"-t", "t", "-m", "x", "--repeat", "0"},
        {"-t", "t", "-m", "x", "--repeat-delay", "-1"},
        {"-t", "t", "-m", "x", "-M", "0"},
        {"-t", "t", "-m", "x", "-W", "0"},
    };
    for (const auto& args : cases) {
        std::string joined;
        for (const auto& a : args)
            joined += a + " ";
        CAPTURE(joined);
        check_error(pub(broker, args), 2);
    }
    CHECK(mqtk::test::connections_before_fence(broker) == 0);
}

TEST_CASE("pub: an unreadable -f is exit 2") {
    Broker broker;
    TempDir dir;
    const ProcessResult missing = pub(broker, {"-t", "t", "-f", dir.file("missing")});
    check_error(missing, 2);
    CHECK(missing.err.find(dir.file("missing")) != std::string::npos);
    check_error(pub(broker, {"-t", "t", "-f", dir.path()}), 2);
    CHECK(mqtk::test::connections_before_fence(broker) == 0);
}
