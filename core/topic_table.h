// The per-topic table that `mqtk topics` prints once and `sub --watch` redraws: for every
// topic seen, how many messages, how fast, how many bytes, which QoS, whether the broker
// holds a retained message, and the last payload; and the pure rendering of it (the
// inventory's text and JSON Lines, the watch screen's lines). No clock, no terminal, no
// connection: the engine (core/topics.cpp) feeds it messages with their arrival time and
// cli/ writes the lines, so everything here is unit-tested with made-up times.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/message.h"

namespace mqtk {

// The seam for --decode (issue 19's codecs): the decoded value of a payload as compact JSON
// text, or nullopt when it does not decode (the payload is then shown as it is). The table
// shows the decoded text in place of the payload; --json keeps the payload and adds
// "decoded". An empty PayloadDecoder decodes nothing.
using PayloadDecoder = std::function<std::optional<std::string>(std::string_view payload)>;

struct TopicStats {
    std::string topic;
    std::uint64_t count = 0;  // every message, retained ones included
    std::uint64_t live = 0;   // all but what the broker held when we subscribed: the rate's
    std::uint64_t bytes = 0;  // payload bytes, all messages
    unsigned qos_seen = 0;    // bit q set when a message came at QoS q
    // The broker holds a retained message: one came with the retain flag, and no empty
    // retained payload (a removal) came after it. Under MQTT 3.1.1 the broker clears the
    // flag of live messages, so only what it held at the SUBSCRIBE shows; under MQTT 5 with
    // retain-as-published (topics asks for it) later retained messages and removals do too.
    bool retained = false;
    std::string payload;  // the last one, raw
    std::uint64_t last_ns = 0;

    // Live messages per whole second since the table started, the newest last (see
    // TopicTable's rate window).
    std::array<std::uint32_t, 10> per_second{};
    std::uint64_t newest_second = 0;

    int max_qos() const;
};

// The rows that fit a screen: at most `lines` of them, sorted by topic, and how many did
// not fit.
struct Screenful {
    std::vector<const TopicStats*> rows;
    std::size_t hidden = 0;
};

class TopicTable {
  public:
    // `started_ns`: when observing began (rates count from there). `rate_window_s`: the
    // rate is over the last that many seconds (at most 10; --watch uses 10, so a topic that
    // goes quiet shows it), 0 over the whole run (topics' inventory).
    explicit TopicTable(std::uint64_t started_ns, unsigned rate_window_s = 0);

    void record(const Message& message, std::uint64_t now_ns);

    std::size_t size() const { return topics_.size(); }
    bool empty() const { return topics_.empty(); }
    // Every topic, sorted by topic (bytewise).
    std::vector<const TopicStats*> sorted() const;
    // Live messages per second at `now_ns`.
    double rate(const TopicStats& stats, std::uint64_t now_ns) const;
    // When there are more topics than lines, the busiest win (highest rate, then the one
    // with the newest message, then the first by topic); those shown are sorted by topic.
    Screenful fit(std::size_t lines, std::uint64_t now_ns) const;

  private:
    std::uint64_t started_ns_;
    unsigned window_s_;
    std::map<std::string, TopicStats, std::less<>> topics_;
};

// `text` with everything a terminal would act on escaped: \n \r \t \\ as such, other
// control bytes and bytes that are not valid UTF-8 as \xNN. One line, safe to print.
std::string printable(std::string_view text);
// Printable `text` cut to `columns` terminal cells (a wide character such as 日 takes two),
// its last cell an "…" when it was cut. columns 0: all of it.
std::string clip(std::string_view text, std::size_t columns);
// "0.4s", "12s", "3m05s", "2h01m", "4d02h".
std::string age_text(std::uint64_t age_ns);

struct InventoryOptions {
    std::size_t width = 0;   // a terminal's columns: each line clipped to it; 0: whole lines
    PayloadDecoder decoder;  // empty: the payload as it is
};

// `mqtk topics`: a header and one line per topic, sorted by topic.
std::string inventory_text(const TopicTable& table, std::uint64_t now_ns,
                           const InventoryOptions& options);
// `mqtk topics --json`: one object per topic, sorted by topic, each ending in "\n".
std::string inventory_json(const TopicTable& table, std::uint64_t now_ns,
                           const PayloadDecoder& decoder);

struct WatchLayout {
    std::size_t columns = 80;
    std::size_t lines = 24;
    std::string title;   // what the first line starts with ("mqtk sub --watch  host:port")
    std::string notice;  // the latest notice (connection lost...), shown on the first line
    PayloadDecoder decoder;
};

// `sub --watch`: exactly layout.lines lines (fewer only when the window is smaller than
// the two heading lines), none longer than layout.columns: a title line (topics, hidden
// ones, the notice), the column headings, one line per topic that fits.
std::vector<std::string> watch_screen(const TopicTable& table, std::uint64_t now_ns,
                                      const WatchLayout& layout);

}  // namespace mqtk
