// `mqtk topics` against a real mosquitto holding retained topics while live ones are
// published (counts, QoS, retained flags, removals, --json sorted, -W 0.5, $SYS only with
// --sys, interrupts, an unreachable broker), and `mqtk sub --watch` in a real terminal:
// tmux runs it in a detached session of a fixed size, and capture-pane shows what is on the
// screen (lines updated in place, the redraw after resize-window, the screen given back
// after C-c or when the broker goes away), and on a pipe it is a usage error.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/fake_broker.h"
#include "support/helpers.h"
#include "support/process.h"
#include "support/skip.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::contains;
using mqtk::test::inject;
using mqtk::test::ProcessResult;
using mqtk::test::str;
using Args = std::vector<std::string>;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return lines;
}

// The inventory line of `topic` (its first word), or "" when it is not listed.
std::string line_of(const std::string& out, const std::string& topic) {
    for (const auto& line : lines_of(out)) {
        if (line.rfind(topic + " ", 0) == 0) return line;
    }
    return "";
}

// The words of a line: the inventory's columns when no payload has a space.
std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> words;
    std::istringstream stream(line);
    for (std::string word; stream >> word;)
        words.push_back(word);
    return words;
}

// `mqtk topics` in the background with client id `id`, returned once the broker has
// logged its subscription to "#", so that what the test publishes next is seen live.
mqtk::test::Process start_topics(const Broker& broker, const std::string& id, const Args& args) {
    mqtk::test::Process topics(
        mqtk::test::mqtk_argv("topics", broker.port(), mqtk::test::concat({"-i", id}, args)));
    REQUIRE(broker.wait_for_log(id + " 2 #", 10s));
    return topics;
}

}  // namespace

TEST_CASE("topics: retained and live topics with counts, QoS and retained flags, sorted") {
    Broker broker;
    inject(broker, {"-t", "held/a", "-m", "hello", "-r"});
    inject(broker, {"-t", "held/b", "-m", "two words", "-r", "-q", "1"});
    // Set and removed before: the broker holds nothing, so nothing is listed.
    inject(broker, {"-t", "gone/r", "-m", "x", "-r"});
    inject(broker, {"-t", "gone/r", "-n", "-r"});
    auto topics = start_topics(broker, "topics-inventory", {"-W", "3"});
    for (const char* value : {"1", "22", "333"})
        inject(broker, {"-t", "live/x", "-m", value, "-q", "1"});
    inject(broker, {"-t", "live/x", "-m", "4444", "-q", "2"});
    const ProcessResult r = topics.wait(20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 4);
    CHECK(words_of(lines[0]) ==
          Args{"TOPIC", "COUNT", "RATE/S", "BYTES", "QOS", "RETAINED", "PAYLOAD"});
    CHECK(words_of(lines[1]) == Args{"held/a", "1", "0.00", "5", "0", "yes", "hello"});
    CHECK(words_of(lines[2]) == Args{"held/b", "1", "0.00", "9", "1", "yes", "two", "words"});
    const auto live = words_of(lines[3]);
    REQUIRE(live.size() == 7);
    CHECK(live[0] == "live/x");
    CHECK(live[1] == "4");
    // 4 in -W 3, which counts from the SUBACK, while the rate counts from the SUBSCRIBE:
    // the round trip between them (under 0.5 s on a loaded machine) is in it too.
    CHECK(std::stod(live[2]) <= 4 / 3.0 + 0.005);
    CHECK(std::stod(live[2]) >= 4 / 3.5);
    CHECK(live[3] == "10");
    CHECK(live[4] == "1,2");
    CHECK(live[5] == "no");
    CHECK(live[6] == "4444");
    CHECK(line_of(r.out, "gone/r").empty());
}

TEST_CASE("topics: --json is one object per topic, sorted, binary payloads in base64") {
    Broker broker;
    inject(broker, {"-t", "z/last", "-m", "z", "-r"});
    inject(broker, {"-t", "a/first", "-m", "a", "-r"});
    const mqtk::test::TempDir dir;
    const std::string binary = dir.write("binary", std::string("\xff\x00\x01", 3));
    inject(broker, {"-t", "m/binary", "-f", binary, "-r"});
    const ProcessResult r = mqtk::test::run_mqtk(
        {"topics", "-h", broker.host(), "-p", str(broker.port()), "-W", "0.5", "--json"});
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    std::vector<std::string> topics;
    for (const auto& line : lines_of(r.out)) {
        const Json object = Json::parse(line);
        topics.push_back(object["topic"]);
        CHECK(object["retained"] == true);
        CHECK(object["count"] == 1);
        if (object["topic"] == "m/binary") {
            CHECK(object["payload"] == "/wAB");
            CHECK(object["encoding"] == "base64");
            CHECK(object["bytes"] == 3);
        }
    }
    CHECK(topics == Args{"a/first", "m/binary", "z/last"});
}

TEST_CASE(
    "topics: --decode shows each last payload decoded, one that does not decode as received") {
    Broker broker;
    const ProcessResult encoded =
        mqtk::test::run_mqtk({"pub", "-h", broker.host(), "-p", str(broker.port()), "-t", "s/cbor",
                              "--encode", "cbor", "-m", R"({"t":21.5})", "-r"});
    REQUIRE(encoded.exit_code == 0);
    inject(broker, {"-t", "s/text", "-m", "plain", "-r"});
    const Args listen = {"topics", "-h",  broker.host(), "-p",  str(broker.port()),
                         "-W",     "0.5", "--decode",    "cbor"};
    const ProcessResult json = mqtk::test::run_mqtk(mqtk::test::concat(listen, {"--json"}));
    INFO(json.describe());
    REQUIRE(json.exit_code == 0);
    const auto objects = lines_of(json.out);
    REQUIRE(objects.size() == 2);
    const Json cbor = Json::parse(objects[0]);
    CHECK(cbor["topic"] == "s/cbor");
    CHECK(cbor["decoded"] == Json::parse(R"({"t":21.5})"));
    CHECK(cbor["encoding"] == "base64");  // the payload itself stays as received
    const Json text = Json::parse(objects[1]);
    CHECK(text["topic"] == "s/text");
    CHECK_FALSE(text.contains("decoded"));
    CHECK(text["payload"] == "plain");
    const ProcessResult table = mqtk::test::run_mqtk(listen);
    INFO(table.describe());
    CHECK(table.exit_code == 0);
    CHECK(contains(line_of(table.out, "s/cbor"), R"({"t":21.5})"));
    CHECK(contains(line_of(table.out, "s/text"), "plain"));
    // A codec that does not exist is a usage error before anything connects.
    const ProcessResult bad = mqtk::test::run_mqtk(
        {"topics", "-h", broker.host(), "-p", str(broker.port()), "--decode", "yaml"});
    CHECK(bad.exit_code == 2);
    CHECK(mqtk::test::is_one_error_line(bad.err));
    CHECK(contains(bad.err, "unknown codec 'yaml'"));
}

TEST_CASE("topics: -W 0.5 lists what the broker holds, in about half a second") {
    Broker broker;
    for (int i = 0; i < 20; ++i)
        inject(broker, {"-t", "held/" + str(i), "-m", str(i), "-r"});
    const auto start = Clock::now();
    const ProcessResult r = mqtk::test::run_mqtk(
        {"topics", "-h", broker.host(), "-p", str(broker.port()), "-W", "0.5"});
    const double took = mqtk::test::seconds_since(start);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(lines_of(r.out).size() == 21);
    for (int i = 0; i < 20; ++i)
        CHECK(contains(line_of(r.out, "held/" + str(i)), " yes "));
    // 0.5 s of listening, plus connecting and the process's start and end: 0.5 s margin.
    CHECK(took >= 0.5);
    CHECK(took < 1.0);
}

TEST_CASE("topics: $SYS topics only with --sys") {
    Broker broker;
    inject(broker, {"-t", "plain", "-m", "x", "-r"});
    const Args base = {"topics", "-h", broker.host(), "-p", str(broker.port()), "-W", "0.5"};
    const ProcessResult without = mqtk::test::run_mqtk(base);
    INFO(without.describe());
    CHECK(without.exit_code == 0);
    CHECK(lines_of(without.out).size() == 2);
    CHECK(!contains(without.out, "$SYS"));
    const ProcessResult with = mqtk::test::run_mqtk(mqtk::test::concat(base, {"--sys"}));
    INFO(with.describe());
    CHECK(with.exit_code == 0);
    CHECK(contains(line_of(with.out, "$SYS/broker/version"), " yes "));
    CHECK(!line_of(with.out, "plain").empty());
}

TEST_CASE("topics: under MQTT 5 a retained message removed while listening is not held") {
    Broker broker;
    inject(broker, {"-t", "held/a", "-m", "hello", "-r"});
    inject(broker, {"-t", "held/b", "-m", "stays", "-r"});
    auto topics = start_topics(broker, "topics-v5", {"-W", "1.5", "-V", "5", "--json"});
    inject(broker, {"-t", "held/a", "-n", "-r"});
    inject(broker, {"-t", "new/r", "-m", "set", "-r"});
    const ProcessResult r = topics.wait(20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    const auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 3);
    const Json a = Json::parse(lines[0]);
    CHECK(a["topic"] == "held/a");
    CHECK(a["count"] == 2);
    CHECK(a["retained"] == false);
    CHECK(a["payload"] == "");
    CHECK(a["rate"].get<double>() > 0);  // the removal came while listening: traffic
    CHECK(Json::parse(lines[1])["retained"] == true);
    const Json fresh = Json::parse(lines[2]);
    CHECK(fresh["topic"] == "new/r");
    CHECK(fresh["retained"] == true);
}

TEST_CASE("topics: an interrupt prints the inventory so far and exits 130") {
    Broker broker;
    // -d: the trace says when the message has arrived.
    auto topics = start_topics(broker, "topics-interrupted", {"-W", "60", "-d"});
    inject(broker, {"-t", "seen/before", "-m", "x"});
    REQUIRE(topics.wait_for_stderr("<- PUBLISH", 10s));
    const auto start = Clock::now();
    REQUIRE(topics.send_signal(SIGINT));
    const ProcessResult r = topics.wait(10s);
    INFO(r.describe());
    CHECK(r.exit_code == 130);
    for (const auto& line : lines_of(r.err))
        CHECK(line.rfind("mqtk: debug: ", 0) == 0);  // the trace, and not a word more
    CHECK(words_of(line_of(r.out, "seen/before")).at(1) == "1");
    // The main loop looks at the flag every 100 ms; the clean DISCONNECT is quick.
    CHECK(mqtk::test::seconds_since(start) < 1.0);
}

TEST_CASE("topics: -W bounds the run: a broker that never answers the SUBSCRIBE is exit 5") {
    mqtk::test::FakeBroker mute(
        mqtk::test::FakeBroker::answer_after_connect(std::string(mqtk::test::kConnackAccepted)));
    const auto start = Clock::now();
    const ProcessResult r = mqtk::test::run_mqtk(
        {"topics", "-h", "127.0.0.1", "-p", str(mute.port()), "-W", "1"}, {.timeout = 10s});
    const double took = mqtk::test::seconds_since(start);
    mqtk::test::check_error(r, 5);
    CHECK(took < 1.0 + 1.0);  // -W, plus 1 s for start-up and a loaded machine
}

TEST_CASE("topics: a broker out of reach is exit 3 with one line, nothing on stdout") {
    const int port = mqtk::test::free_port();
    const ProcessResult r =
        mqtk::test::run_mqtk({"topics", "-h", "127.0.0.1", "-p", str(port), "-W", "0.5"});
    mqtk::test::check_error(r, 3);
}

// --- sub --watch in a terminal ----------------------------------------------------------------

namespace {

// A tmux server of our own (its socket in a TempDir, no configuration file) with one
// detached session of a fixed size running `command`.
class Tmux {
  public:
    Tmux(std::size_t columns, std::size_t lines, const std::string& command)
        : socket_(dir_.file("tmux.sock")) {
        const auto r = tmux({"-f", "/dev/null", "new-session", "-d", "-s", "w", "-x",
                             str(static_cast<long long>(columns)), "-y",
                             str(static_cast<long long>(lines)), command});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
    }
    ~Tmux() { tmux({"kill-server"}); }
    Tmux(const Tmux&) = delete;
    Tmux& operator=(const Tmux&) = delete;

    static bool available() {
        try {
            return mqtk::test::run({"tmux", "-V"}).exit_code == 0;
        } catch (const std::runtime_error&) {
            return false;
        }
    }

    // What the pane shows now, line by line.
    std::string screen() const { return tmux({"capture-pane", "-p", "-t", "w"}).out; }
    // True as soon as pred(screen) holds; polled every 50 ms (tmux has no event for it).
    bool wait_screen(const std::function<bool(const std::string&)>& pred,
                     std::chrono::milliseconds timeout = 10s) const {
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            if (pred(screen())) return true;
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(50ms);
        }
    }
    bool wait_text(const std::string& text) const {
        return wait_screen([&](const std::string& s) { return contains(s, text); });
    }
    void keys(const std::string& keys) const { tmux({"send-keys", "-t", "w", keys}); }
    void resize(std::size_t columns, std::size_t lines) const {
        const auto r = tmux({"resize-window", "-t", "w", "-x", str(static_cast<long long>(columns)),
                             "-y", str(static_cast<long long>(lines))});
        REQUIRE(r.exit_code == 0);
    }

  private:
    ProcessResult tmux(Args args) const {
        args.insert(args.begin(), {"tmux", "-S", socket_});
        return mqtk::test::run(std::move(args), {.timeout = 10s, .unset_env = {"TMUX"}});
    }

    mqtk::test::TempDir dir_;
    std::string socket_;
};

// The shell command of the session: a line before, the watch, its exit code after; then it
// stays, so the screen can be read after the watch ended.
std::string watch_command(const Broker& broker, const std::string& id,
                          const std::string& more = "") {
    return "printf 'before-watch\\n'; '" + mqtk::test::mqtk_binary() + "' sub --watch -h " +
           broker.host() + " -p " + str(broker.port()) + " -t '#' -i " + id + more +
           "; echo \"rc=$?\"; sleep 60";
}

// The screen line (0-based) that starts with `topic`, or -1.
int row_of(const std::string& screen, const std::string& topic) {
    const auto lines = lines_of(screen);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind(topic + " ", 0) == 0) return static_cast<int>(i);
    }
    return -1;
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

}  // namespace

TEST_CASE("sub --watch: lines updated in place, redrawn on resize, the screen given back on C-c") {
    if (!Tmux::available()) return mqtk::test::skip_test("tmux is not installed");
    Broker broker;
    inject(broker, {"-t", "held/a", "-m", "kept", "-r"});
    Tmux tmux(100, 12, watch_command(broker, "watch-in-place"));
    REQUIRE(tmux.wait_screen([](const std::string& s) {
        return contains(s, "mqtk sub --watch") && row_of(s, "held/a") >= 0;
    }));
    CHECK(!contains(tmux.screen(), "before-watch"));  // the alternate screen
    CHECK(contains(tmux.screen(), " yes "));

    // Keys typed meanwhile are not echoed onto the table.
    tmux.keys("typed-keys");
    inject(broker, {"-t", "live/y", "-m", "first-payload"});
    REQUIRE(tmux.wait_text("first-payload"));
    CHECK(!contains(tmux.screen(), "typed-keys"));
    const int row = row_of(tmux.screen(), "live/y");
    CHECK(row > row_of(tmux.screen(), "held/a"));  // sorted by topic
    inject(broker, {"-t", "live/y", "-m", "second-payload"});
    REQUIRE(tmux.wait_text("second-payload"));
    const std::string updated = tmux.screen();
    INFO(updated);
    CHECK(row_of(updated, "live/y") == row);  // the same line, rewritten
    CHECK(occurrences(updated, "live/y") == 1);
    CHECK(!contains(updated, "first-payload"));
    CHECK(words_of(lines_of(updated).at(static_cast<std::size_t>(row))).at(1) == "2");

    // Three lines: the title, the headings and one topic: the busiest, live/y.
    tmux.resize(60, 3);
    REQUIRE(tmux.wait_text("1 hidden"));
    const std::string small = tmux.screen();
    INFO(small);
    CHECK(row_of(small, "live/y") == 2);
    CHECK(row_of(small, "held/a") == -1);
    tmux.resize(100, 12);
    REQUIRE(tmux.wait_screen([](const std::string& s) {
        return row_of(s, "held/a") >= 0 && row_of(s, "live/y") >= 0 && !contains(s, "hidden");
    }));

    tmux.keys("C-c");
    REQUIRE(tmux.wait_text("rc=130"));
    const std::string after = tmux.screen();
    INFO(after);
    CHECK(contains(after, "before-watch"));  // the screen as it was, given back
    CHECK(!contains(after, "mqtk sub --watch"));
    CHECK(!contains(after, "live/y"));
}

TEST_CASE("sub --watch: a broker gone shows in the title, after C-c the notice is on stderr") {
    if (!Tmux::available()) return mqtk::test::skip_test("tmux is not installed");
    Broker broker;
    Tmux tmux(100, 10, watch_command(broker, "watch-broker-gone"));
    REQUIRE(tmux.wait_text("mqtk sub --watch"));
    broker.stop();
    REQUIRE(tmux.wait_screen(
        [](const std::string& s) { return contains(lines_of(s).at(0), "reconnecting]"); }));
    CHECK(!contains(tmux.screen(), "before-watch"));  // nothing scribbled on the screen
    tmux.keys("C-c");
    REQUIRE(tmux.wait_text("rc=130"));
    const std::string after = tmux.screen();
    INFO(after);
    CHECK(contains(after, "before-watch"));
    CHECK(!contains(after, "mqtk sub --watch"));
    CHECK(contains(after, "mqtk: "));
    CHECK(contains(after, "reconnecting"));
}

TEST_CASE("sub --watch: -W ends it with exit 5, the error printed after the screen is back") {
    if (!Tmux::available()) return mqtk::test::skip_test("tmux is not installed");
    Broker broker;
    Tmux tmux(100, 10, watch_command(broker, "watch-timeout", " -W 1"));
    REQUIRE(tmux.wait_text("mqtk sub --watch"));
    REQUIRE(tmux.wait_text("rc=5"));
    const std::string after = tmux.screen();
    INFO(after);
    const auto lines = lines_of(after);
    REQUIRE(lines.size() >= 3);
    CHECK(lines[0] == "before-watch");
    CHECK(lines[1] == "mqtk: timed out after 1 s");
    CHECK(lines[2] == "rc=5");
}

TEST_CASE("sub --watch: on a pipe, and with flags that print, it is a usage error") {
    Broker broker;
    const Args base = {"sub", "-h", broker.host(), "-p", str(broker.port()), "-t", "#", "--watch"};
    const ProcessResult piped = mqtk::test::run_mqtk(base, {.timeout = 10s});
    mqtk::test::check_error(piped, 2);
    CHECK(contains(piped.err, "mqtk topics"));
    const ProcessResult formatted =
        mqtk::test::run_mqtk(mqtk::test::concat(base, {"-F", "%t"}), {.timeout = 10s});
    mqtk::test::check_error(formatted, 2);
    CHECK(contains(formatted.err, "--watch cannot be used with -F"));
}
