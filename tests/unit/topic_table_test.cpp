// TopicTable (core/topic_table.h), the table `mqtk topics` prints and `sub --watch` redraws:
// counting, retained state and removals, rates over the run and over a 10 s window, which
// rows fit a screen (the busiest), and the rendering: printable payloads, clipping, the
// inventory's text and JSON Lines, the watch's lines.
#include "core/topic_table.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

using mqtk::Message;
using mqtk::TopicTable;

namespace {

constexpr std::uint64_t kStart = 1'000'000'000'000;  // any origin: the table counts from it
constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kS = 1'000 * kMs;

Message message(const std::string& topic, const std::string& payload, int qos = 0,
                bool retain = false) {
    Message m;
    m.topic = topic;
    m.payload = payload;
    m.qos = qos;
    m.retain = retain;
    return m;
}

std::vector<std::string> topics_of(const std::vector<const mqtk::TopicStats*>& rows) {
    std::vector<std::string> topics;
    for (const auto* row : rows)
        topics.push_back(row->topic);
    return topics;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return lines;
}

}  // namespace

TEST_CASE("topic table: counts, bytes, QoS seen and the last payload per topic, sorted") {
    TopicTable table(kStart);
    table.record(message("b/2", "xyz", 1), kStart + 10 * kMs);
    table.record(message("a/1", "hello", 0), kStart + 20 * kMs);
    table.record(message("b/2", "", 2), kStart + 30 * kMs);
    table.record(message("b/2", "last", 1), kStart + 40 * kMs);
    const auto rows = table.sorted();
    CHECK(topics_of(rows) == std::vector<std::string>{"a/1", "b/2"});
    CHECK(rows[1]->count == 3);
    CHECK(rows[1]->bytes == 7);
    CHECK(rows[1]->qos_seen == 0b110);
    CHECK(rows[1]->max_qos() == 2);
    CHECK(rows[1]->payload == "last");
    CHECK(rows[1]->last_ns == kStart + 40 * kMs);
    CHECK(rows[0]->max_qos() == 0);
}

TEST_CASE("topic table: retained is held until an empty retained payload removes it") {
    TopicTable table(kStart);
    table.record(message("r", "kept", 0, true), kStart);
    CHECK(table.sorted()[0]->retained);
    // A live message (retain flag cleared on delivery) does not say what the broker holds.
    table.record(message("r", "live", 0, false), kStart + kMs);
    CHECK(table.sorted()[0]->retained);
    table.record(message("r", "", 0, true), kStart + 2 * kMs);
    CHECK_FALSE(table.sorted()[0]->retained);
    CHECK(table.sorted()[0]->count == 3);
    // The held one is not traffic; retained ones after live ones (MQTT 5's
    // retain-as-published) are.
    CHECK(table.sorted()[0]->live == 2);
    table.record(message("r", "again", 0, true), kStart + 3 * kMs);
    CHECK(table.sorted()[0]->retained);
    CHECK(table.sorted()[0]->live == 3);
    // Held, then removed while listening: the removal is traffic.
    table.record(message("s", "held", 0, true), kStart);
    table.record(message("s", "", 0, true), kStart + kMs);
    CHECK(table.sorted()[1]->live == 1);
    CHECK_FALSE(table.sorted()[1]->retained);
}

TEST_CASE("topic table: the rate counts live messages, over the run or the last 10 s") {
    SUBCASE("over the run, retained ones not counted") {
        TopicTable table(kStart);
        table.record(message("t", "r", 0, true), kStart);
        for (int i = 0; i < 5; ++i)
            table.record(message("t", "x"), kStart + static_cast<std::uint64_t>(i) * 100 * kMs);
        CHECK(table.rate(*table.sorted()[0], kStart + kS / 2) == doctest::Approx(10.0));
        CHECK(table.rate(*table.sorted()[0], kStart + 5 * kS) == doctest::Approx(1.0));
    }
    SUBCASE("over a 10 s window: a topic that went quiet drops to 0") {
        TopicTable table(kStart, 10);
        for (int i = 0; i < 20; ++i)
            table.record(message("t", "x"), kStart + static_cast<std::uint64_t>(i) * 100 * kMs);
        // 20 in the first 2 s; at 2 s the window spans the 2 s so far.
        CHECK(table.rate(*table.sorted()[0], kStart + 2 * kS) == doctest::Approx(10.0));
        // At 15 s the last 10 s (seconds 6..15) saw nothing.
        CHECK(table.rate(*table.sorted()[0], kStart + 15 * kS) == 0.0);
        // Busy again at 30 s: 3 messages within the window, over 10 s.
        for (int i = 0; i < 3; ++i)
            table.record(message("t", "x"), kStart + 30 * kS + static_cast<std::uint64_t>(i));
        CHECK(table.rate(*table.sorted()[0], kStart + 30 * kS + kS - 1) ==
              doctest::Approx(0.3).epsilon(0.01));
    }
    SUBCASE("the first messages of a watch count over at least a second") {
        TopicTable table(kStart, 10);
        table.record(message("t", "x"), kStart + kMs);
        CHECK(table.rate(*table.sorted()[0], kStart + 2 * kMs) == doctest::Approx(1.0));
    }
}

TEST_CASE("topic table: more topics than lines: the busiest fit, sorted by topic") {
    TopicTable table(kStart, 10);
    const auto at = [](int ms) { return kStart + static_cast<std::uint64_t>(ms) * kMs; };
    for (int i = 0; i < 5; ++i)
        table.record(message("busy/z", "x"), at(i));
    for (int i = 0; i < 3; ++i)
        table.record(message("busy/a", "x"), at(10 + i));
    table.record(message("quiet/old", "x", 0, true), at(20));
    table.record(message("quiet/new", "x", 0, true), at(30));
    SUBCASE("all fit") {
        const auto screen = table.fit(4, at(100));
        CHECK(screen.hidden == 0);
        CHECK(topics_of(screen.rows) ==
              std::vector<std::string>{"busy/a", "busy/z", "quiet/new", "quiet/old"});
    }
    SUBCASE("two lines: the two busiest") {
        const auto screen = table.fit(2, at(100));
        CHECK(screen.hidden == 2);
        CHECK(topics_of(screen.rows) == std::vector<std::string>{"busy/a", "busy/z"});
    }
    SUBCASE("three lines: among the idle, the newest message wins") {
        const auto screen = table.fit(3, at(100));
        CHECK(screen.hidden == 1);
        CHECK(topics_of(screen.rows) == std::vector<std::string>{"busy/a", "busy/z", "quiet/new"});
    }
    SUBCASE("no line") {
        const auto screen = table.fit(0, at(100));
        CHECK(screen.hidden == 4);
        CHECK(screen.rows.empty());
    }
}

TEST_CASE("topic table: printable escapes what a terminal would act on, keeps UTF-8") {
    CHECK(mqtk::printable("plain text") == "plain text");
    CHECK(mqtk::printable("a\nb\tc\rd\\e") == "a\\nb\\tc\\rd\\\\e");
    CHECK(mqtk::printable(std::string("\x1b[2J\x00\x7f", 6)) == "\\x1b[2J\\x00\\x7f");
    CHECK(mqtk::printable("caf\xc3\xa9 \xe2\x82\xac") == "caf\xc3\xa9 \xe2\x82\xac");
    CHECK(mqtk::printable("\xff\xc3") == "\\xff\\xc3");  // not UTF-8, and cut short
    CHECK(mqtk::printable("\xc2\x9b"
                          "1m") == "\\xc2\\x9b1m");  // C1 CSI
}

TEST_CASE("topic table: clip cuts at a number of characters with an ellipsis") {
    CHECK(mqtk::clip("hello", 0) == "hello");
    CHECK(mqtk::clip("hello", 5) == "hello");
    CHECK(mqtk::clip("hello", 4) == "hel…");
    CHECK(mqtk::clip("\xc3\xa9\xc3\xa9\xc3\xa9", 2) == "\xc3\xa9…");
    CHECK(mqtk::clip("ab", 1) == "…");
    // Wide characters take two cells, combining marks none: cut by what a terminal shows.
    CHECK(mqtk::clip("日本語テキスト", 5) == "日本…");
    CHECK(mqtk::clip("日本語テキスト", 6) == "日本…");
    CHECK(mqtk::clip("日本語", 6) == "日本語");
    CHECK(mqtk::clip("e\u0301e\u0301e\u0301", 3) == "e\u0301e\u0301e\u0301");
    CHECK(mqtk::clip("a😀b", 3) == "a…");
    CHECK(mqtk::clip("a😀b", 4) == "a😀b");
}

TEST_CASE("topic table: the watch's columns stay aligned with wide characters in topics") {
    TopicTable table(kStart, 10);
    table.record(message("温度/台所", "21.5"), kStart);
    table.record(message("t/hall", "20"), kStart);
    mqtk::WatchLayout layout;
    layout.columns = 60;
    layout.lines = 4;
    const auto lines = mqtk::watch_screen(table, kStart + kS, layout);
    REQUIRE(lines.size() == 4);
    // Both rows have their COUNT column in the same cells: "温度/台所" is 9 cells wide.
    CHECK(lines[2] == "t/hall           1      1.0         1.0s  20");
    CHECK(lines[3] == "温度/台所        1      1.0         1.0s  21.5");
}

TEST_CASE("topic table: ages") {
    CHECK(mqtk::age_text(400 * kMs) == "0.4s");
    CHECK(mqtk::age_text(12 * kS + 700 * kMs) == "12s");
    CHECK(mqtk::age_text(185 * kS) == "3m05s");
    CHECK(mqtk::age_text(7260 * kS) == "2h01m");
    CHECK(mqtk::age_text(3 * 86400 * kS + 7200 * kS) == "3d02h");
}

TEST_CASE("topic table: the inventory's text, aligned, whole or clipped to a width") {
    TopicTable table(kStart);
    table.record(message("sensors/t1", "21.5", 1, true), kStart);
    table.record(message("a", "line1\nline2", 0), kStart + kS / 2);
    table.record(message("a", std::string(100, 'x'), 2), kStart + kS / 2);
    const std::string whole = mqtk::inventory_text(table, kStart + kS, {});
    CHECK(lines_of(whole) ==
          std::vector<std::string>{
              "TOPIC       COUNT  RATE/S  BYTES  QOS  RETAINED  PAYLOAD",
              "a               2    2.00    111  0,2  no        " + std::string(100, 'x'),
              "sensors/t1      1    0.00      4  1    yes       21.5"});
    const std::string clipped =
        mqtk::inventory_text(table, kStart + kS, {.width = 60, .decoder = {}});
    CHECK(lines_of(clipped)[1] == "a               2    2.00    111  0,2  no        xxxxxxxxxx…");
    CHECK(lines_of(clipped)[2] == "sensors/t1      1    0.00      4  1    yes       21.5");
    SUBCASE("the --decode seam: the decoder's text in place of the payload") {
        mqtk::PayloadDecoder decoder = [](std::string_view payload) -> std::optional<std::string> {
            if (payload == "21.5") return std::string("{\"t\":21.5}");
            return std::nullopt;
        };
        const auto lines = lines_of(mqtk::inventory_text(table, kStart + kS, {.decoder = decoder}));
        CHECK(lines[2] == "sensors/t1      1    0.00      4  1    yes       {\"t\":21.5}");
    }
}

TEST_CASE("topic table: the inventory as JSON Lines, sorted, payloads as sub --json has them") {
    TopicTable table(kStart);
    table.record(message("z", std::string("\xff\x00", 2), 1, true), kStart);
    table.record(message("m", "", 0, true), kStart);
    table.record(message("a", "text", 2), kStart + kS / 4);
    const auto lines = lines_of(mqtk::inventory_json(table, kStart + kS, {}));
    REQUIRE(lines.size() == 3);
    CHECK(
        lines[0] ==
        R"({"topic":"a","count":1,"rate":1.0,"bytes":4,"qos":2,"qos_seen":[2],"retained":false,"payload":"text","encoding":"utf8"})");
    CHECK(
        lines[1] ==
        R"({"topic":"m","count":1,"rate":0.0,"bytes":0,"qos":0,"qos_seen":[0],"retained":false,"payload":"","encoding":"utf8"})");
    CHECK(
        lines[2] ==
        R"({"topic":"z","count":1,"rate":0.0,"bytes":2,"qos":1,"qos_seen":[1],"retained":true,"payload":"/wA=","encoding":"base64"})");
    SUBCASE("the --decode seam adds \"decoded\"") {
        mqtk::PayloadDecoder decoder = [](std::string_view) -> std::optional<std::string> {
            return std::string("[1,2]");
        };
        const auto decoded = lines_of(mqtk::inventory_json(table, kStart + kS, decoder));
        CHECK(nlohmann::json::parse(decoded[0])["decoded"] == nlohmann::json::array({1, 2}));
    }
}

TEST_CASE("topic table: the watch screen fits the window and says how many are hidden") {
    TopicTable table(kStart, 10);
    for (int i = 0; i < 6; ++i)
        table.record(message("t/" + std::to_string(i), "payload " + std::to_string(i)),
                     kStart + static_cast<std::uint64_t>(i) * kMs);
    for (int i = 0; i < 4; ++i)
        table.record(message("t/3", "busy"), kStart + 10 * kMs);
    mqtk::WatchLayout layout;
    layout.columns = 50;
    layout.lines = 5;
    layout.title = "mqtk sub --watch  h:1883";
    // At 1.5 s: t/3 had 5 messages (3.3/s), the others 1 each (0.7/s); among those the
    // newest (t/5, t/4) win.
    const auto lines = mqtk::watch_screen(table, kStart + 1500 * kMs, layout);
    CHECK(lines == std::vector<std::string>{
                       "mqtk sub --watch  h:1883  6 topics, 3 hidden (the…",
                       "TOPIC    COUNT   RATE/S  RET     AGE  PAYLOAD",
                       "t/3          5      3.3         1.5s  busy",
                       "t/4          1      0.7         1.5s  payload 4",
                       "t/5          1      0.7         1.5s  payload 5",
                   });
    SUBCASE("room to spare: empty lines below, to clear the old rows") {
        layout.lines = 10;
        layout.notice = "connection lost; reconnecting";
        layout.columns = 200;
        const auto tall = mqtk::watch_screen(table, kStart + 1500 * kMs, layout);
        REQUIRE(tall.size() == 10);
        CHECK(tall[0] == "mqtk sub --watch  h:1883  6 topics  [connection lost; reconnecting]");
        CHECK(tall[2].rfind("t/0 ", 0) == 0);
        CHECK(tall[7].rfind("t/5 ", 0) == 0);
        CHECK(tall[8].empty());
        CHECK(tall[9].empty());
    }
    SUBCASE("a tiny window") {
        layout.lines = 1;
        CHECK(mqtk::watch_screen(table, kStart, layout).size() == 1);
        layout.lines = 0;
        CHECK(mqtk::watch_screen(table, kStart, layout).empty());
    }
}
