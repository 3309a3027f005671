// TopicTable's counting and the rendering of the table as text, JSON Lines and a screen.
#include "core/topic_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/utf8.h"

namespace mqtk {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000;
constexpr std::size_t kBuckets = std::tuple_size_v<decltype(TopicStats::per_second)>;

// The code point that starts at text[i] (printable() output: valid UTF-8), and its length.
std::pair<char32_t, std::size_t> code_point_at(std::string_view text, std::size_t i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    char32_t point = byte;
    if (byte >= 0xF0) {
        length = 4;
        point = byte & 0x07u;
    } else if (byte >= 0xE0) {
        length = 3;
        point = byte & 0x0Fu;
    } else if (byte >= 0xC0) {
        length = 2;
        point = byte & 0x1Fu;
    }
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
        point = (point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    return {point, length};
}

// Terminal cells a code point takes: 2 for East Asian wide and fullwidth forms and the
// emoji blocks, 0 for combining marks, else 1. The main blocks of Unicode's
// EastAsianWidth.txt, without a locale (wcwidth() needs one): a row that is wider than
// counted wraps, and on the bottom line that scrolls the watch's whole screen.
std::size_t cells_of(char32_t point) {
    struct Range {
        char32_t first, last;
    };
    static constexpr Range kCombining[] = {{0x0300, 0x036F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF},
                                           {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F},
                                           {0xFE20, 0xFE2F}};
    static constexpr Range kWide[] = {
        {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
        {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x26AA, 0x26AB},
        {0x2705, 0x2705},   {0x270A, 0x270B},   {0x274C, 0x274C},   {0x2753, 0x2757},
        {0x2795, 0x2797},   {0x2B1B, 0x2B1C},   {0x2E80, 0x303E},   {0x3041, 0x33FF},
        {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xA960, 0xA97F},
        {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
        {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x18AFF}, {0x1B000, 0x1B2FF},
        {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
        {0x1F200, 0x1F2FF}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB},
        {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD}};
    const auto in = [point](const auto& ranges) {
        return std::any_of(std::begin(ranges), std::end(ranges),
                           [point](const Range& r) { return point >= r.first && point <= r.last; });
    };
    if (point < 0x300) return 1;
    if (in(kCombining)) return 0;
    return in(kWide) ? 2 : 1;
}

// Terminal cells `text` (printable() output) takes.
std::size_t display_width(std::string_view text) {
    std::size_t cells = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto [point, length] = code_point_at(text, i);
        cells += cells_of(point);
        i += length;
    }
    return cells;
}

// `text` padded with spaces to `width` cells (left-aligned), or as it is when longer.
std::string pad(std::string text, std::size_t width) {
    const std::size_t length = display_width(text);
    if (length < width) text.append(width - length, ' ');
    return text;
}

// How long the UTF-8 sequence led by `lead` claims to be (1 for anything else).
std::size_t sequence_length(unsigned char lead) {
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 1;
}

void append_escaped_byte(unsigned char byte, std::string& out) {
    switch (byte) {
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '\\':
            out += "\\\\";
            return;
        default:
            out += fmt::format("\\x{:02x}", byte);
    }
}

std::string qos_list(unsigned qos_seen) {
    std::string list;
    for (int qos = 0; qos <= 2; ++qos) {
        if ((qos_seen & (1u << qos)) == 0) continue;
        if (!list.empty()) list += ',';
        list += static_cast<char>('0' + qos);
    }
    return list;
}

// The last column: the decoded value when a decoder takes the payload, else the payload.
std::string shown_payload(const TopicStats& stats, const PayloadDecoder& decoder) {
    if (decoder) {
        if (auto decoded = decoder(stats.payload)) return printable(*decoded);
    }
    return printable(stats.payload);
}

// A JSON string of `text` even when it is not UTF-8 (a malformed topic): bad bytes as U+FFFD.
nlohmann::json json_text(const std::string& text) {
    if (is_valid_utf8(text)) return text;
    return nlohmann::json::parse(
        nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

int TopicStats::max_qos() const {
    if (qos_seen & 4u) return 2;
    if (qos_seen & 2u) return 1;
    return 0;
}

TopicTable::TopicTable(std::uint64_t started_ns, unsigned rate_window_s)
    : started_ns_(started_ns),
      window_s_(std::min<unsigned>(rate_window_s, static_cast<unsigned>(kBuckets))) {}

void TopicTable::record(const Message& message, std::uint64_t now_ns) {
    auto found = topics_.find(message.topic);
    if (found == topics_.end()) {
        found = topics_.emplace(message.topic, TopicStats{}).first;
        found->second.topic = message.topic;
    }
    TopicStats& stats = found->second;
    ++stats.count;
    stats.bytes += message.payload.size();
    stats.qos_seen |= 1u << std::clamp(message.qos, 0, 2);
    stats.payload = message.payload;
    stats.last_ns = now_ns;
    // A message delivered with the retain flag is what the broker holds; an empty one is a
    // removal (MQTT 3.3.1.3), so nothing is held any more.
    if (message.retain) stats.retained = !message.payload.empty();
    // What the broker holds comes first, right behind the SUBACK: that is not traffic. A
    // retained message after it (MQTT 5's retain-as-published: a new value, a removal) is.
    if (message.retain && stats.count == 1) return;
    ++stats.live;
    const std::uint64_t second = now_ns > started_ns_ ? (now_ns - started_ns_) / kSecond : 0;
    if (second > stats.newest_second) {
        const std::uint64_t gap = std::min<std::uint64_t>(second - stats.newest_second, kBuckets);
        for (std::uint64_t i = 1; i <= gap; ++i)
            stats.per_second[(stats.newest_second + i) % kBuckets] = 0;
        stats.newest_second = second;
    }
    ++stats.per_second[second % kBuckets];
}

std::vector<const TopicStats*> TopicTable::sorted() const {
    std::vector<const TopicStats*> rows;
    rows.reserve(topics_.size());
    for (const auto& entry : topics_)
        rows.push_back(&entry.second);
    return rows;
}

double TopicTable::rate(const TopicStats& stats, std::uint64_t now_ns) const {
    const std::uint64_t elapsed = now_ns > started_ns_ ? now_ns - started_ns_ : 0;
    if (window_s_ == 0) {
        // The whole run: `topics -W 0.5` means per second over those 0.5 s.
        return static_cast<double>(stats.live) * 1e9 /
               static_cast<double>(std::max<std::uint64_t>(elapsed, 1'000'000));
    }
    // The live messages of the last window_s_ whole seconds, the current partial one
    // included, over the time they span; at least a second, so the first messages of a
    // watch do not show as thousands per second.
    const std::uint64_t second = elapsed / kSecond;
    std::uint64_t sum = 0;
    for (std::uint64_t back = 0; back < window_s_ && back <= second; ++back) {
        const std::uint64_t s = second - back;
        if (s > stats.newest_second || stats.newest_second - s >= kBuckets) continue;
        sum += stats.per_second[s % kBuckets];
    }
    const std::uint64_t window_start =
        second + 1 >= window_s_ ? (second + 1 - window_s_) * kSecond : 0;
    const std::uint64_t span = std::max(elapsed - window_start, kSecond);
    return static_cast<double>(sum) * 1e9 / static_cast<double>(span);
}

Screenful TopicTable::fit(std::size_t lines, std::uint64_t now_ns) const {
    Screenful screen;
    screen.rows = sorted();
    if (screen.rows.size() <= lines) return screen;
    screen.hidden = screen.rows.size() - lines;
    struct Ranked {
        const TopicStats* stats;
        double rate;
    };
    std::vector<Ranked> ranked;
    ranked.reserve(screen.rows.size());
    for (const auto* stats : screen.rows)
        ranked.push_back({stats, rate(*stats, now_ns)});
    // The busiest first; among equals the newest message; then the topic (stable order).
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(lines),
                      ranked.end(), [](const Ranked& a, const Ranked& b) {
                          if (a.rate != b.rate) return a.rate > b.rate;
                          if (a.stats->last_ns != b.stats->last_ns) {
                              return a.stats->last_ns > b.stats->last_ns;
                          }
                          return a.stats->topic < b.stats->topic;
                      });
    screen.rows.clear();
    for (std::size_t i = 0; i < lines; ++i)
        screen.rows.push_back(ranked[i].stats);
    std::sort(screen.rows.begin(), screen.rows.end(),
              [](const TopicStats* a, const TopicStats* b) { return a->topic < b->topic; });
    return screen;
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
            out += static_cast<char>(byte);
            ++i;
            continue;
        }
        const std::size_t length = sequence_length(byte);
        // C1 controls (U+0080..U+009F) are escapes to some terminals: written as bytes.
        const bool c1 =
            byte == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0;
        if (length > 1 && !c1 && is_valid_utf8(text.substr(i, length))) {
            out.append(text.substr(i, length));
            i += length;
            continue;
        }
        append_escaped_byte(byte, out);
        ++i;
    }
    return out;
}

std::string clip(std::string_view text, std::size_t columns) {
    if (columns == 0 || display_width(text) <= columns) return std::string(text);
    // Whole characters while they fit in columns - 1 cells, then the ellipsis (one cell).
    std::string out;
    std::size_t used = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto [point, length] = code_point_at(text, i);
        const std::size_t cells = cells_of(point);
        if (used + cells > columns - 1) break;
        out.append(text.substr(i, length));
        used += cells;
        i += length;
    }
    return out + "…";
}

std::string age_text(std::uint64_t age_ns) {
    const double seconds = static_cast<double>(age_ns) / 1e9;
    if (seconds < 10) return fmt::format("{:.1f}s", seconds);
    const auto whole = static_cast<std::uint64_t>(seconds);
    if (whole < 60) return fmt::format("{}s", whole);
    if (whole < 3600) return fmt::format("{}m{:02}s", whole / 60, whole % 60);
    if (whole < 86400) return fmt::format("{}h{:02}m", whole / 3600, whole % 3600 / 60);
    return fmt::format("{}d{:02}h", whole / 86400, whole % 86400 / 3600);
}

std::string inventory_text(const TopicTable& table, std::uint64_t now_ns,
                           const InventoryOptions& options) {
    struct Line {
        std::string topic, count, rate, bytes, qos, retained, payload;
    };
    std::vector<Line> lines;
    lines.push_back({"TOPIC", "COUNT", "RATE/S", "BYTES", "QOS", "RETAINED", "PAYLOAD"});
    for (const auto* stats : table.sorted()) {
        lines.push_back({printable(stats->topic), std::to_string(stats->count),
                         fmt::format("{:.2f}", table.rate(*stats, now_ns)),
                         std::to_string(stats->bytes), qos_list(stats->qos_seen),
                         stats->retained ? "yes" : "no", shown_payload(*stats, options.decoder)});
    }
    std::array<std::size_t, 6> width{};
    for (const auto& line : lines) {
        const std::array<const std::string*, 6> cells = {&line.topic, &line.count, &line.rate,
                                                         &line.bytes, &line.qos,   &line.retained};
        for (std::size_t i = 0; i < cells.size(); ++i)
            width[i] = std::max(width[i], display_width(*cells[i]));
    }
    std::string out;
    for (const auto& line : lines) {
        const std::string text =
            fmt::format("{}  {:>{}}  {:>{}}  {:>{}}  {}  {}  {}", pad(line.topic, width[0]),
                        line.count, width[1], line.rate, width[2], line.bytes, width[3],
                        pad(line.qos, width[4]), pad(line.retained, width[5]), line.payload);
        out += clip(text, options.width);
        out += '\n';
    }
    return out;
}

std::string inventory_json(const TopicTable& table, std::uint64_t now_ns,
                           const PayloadDecoder& decoder) {
    std::string out;
    for (const auto* stats : table.sorted()) {
        nlohmann::ordered_json object;
        object["topic"] = json_text(stats->topic);
        object["count"] = stats->count;
        object["rate"] = std::round(table.rate(*stats, now_ns) * 1000) / 1000;
        object["bytes"] = stats->bytes;
        object["qos"] = stats->max_qos();
        auto seen = nlohmann::ordered_json::array();
        for (int qos = 0; qos <= 2; ++qos)
            if (stats->qos_seen & (1u << qos)) seen.push_back(qos);
        object["qos_seen"] = seen;
        object["retained"] = stats->retained;
        // As sub --json: the payload itself when it is UTF-8, else base64.
        const bool text = is_valid_utf8(stats->payload);
        object["payload"] = text ? stats->payload : encode_base64(stats->payload);
        object["encoding"] = text ? "utf8" : "base64";
        if (decoder) {
            if (auto decoded = decoder(stats->payload)) {
                object["decoded"] = nlohmann::ordered_json::parse(*decoded);
            }
        }
        out += object.dump();
        out += '\n';
    }
    return out;
}

std::vector<std::string> watch_screen(const TopicTable& table, std::uint64_t now_ns,
                                      const WatchLayout& layout) {
    std::vector<std::string> lines;
    if (layout.lines == 0) return lines;
    const Screenful screen = table.fit(layout.lines > 2 ? layout.lines - 2 : 0, now_ns);
    std::string title =
        fmt::format("{}  {} topic{}", layout.title, table.size(), table.size() == 1 ? "" : "s");
    if (screen.hidden > 0) title += fmt::format(", {} hidden (the busiest shown)", screen.hidden);
    if (!layout.notice.empty()) title += "  [" + printable(layout.notice) + "]";
    lines.push_back(clip(title, layout.columns));
    if (layout.lines == 1) return lines;

    // The topic column as wide as the longest topic shown, but at most half the screen.
    std::size_t topic_width = 5;
    for (const auto* stats : screen.rows)
        topic_width = std::max(topic_width, display_width(printable(stats->topic)));
    topic_width = std::min(topic_width, std::max<std::size_t>(layout.columns / 2, 5));
    const auto row = [&](const std::string& topic, const std::string& count,
                         const std::string& rate, const std::string& retained,
                         const std::string& age, const std::string& payload) {
        std::string line =
            fmt::format("{}  {:>7}  {:>7}  {:<3}  {:>6}  ",
                        pad(clip(topic, topic_width), topic_width), count, rate, retained, age);
        const std::size_t used = display_width(line);
        if (used < layout.columns) line += clip(payload, layout.columns - used);
        return clip(line, layout.columns);
    };
    lines.push_back(row("TOPIC", "COUNT", "RATE/S", "RET", "AGE", "PAYLOAD"));
    for (const auto* stats : screen.rows) {
        lines.push_back(row(printable(stats->topic), std::to_string(stats->count),
                            fmt::format("{:.1f}", table.rate(*stats, now_ns)),
                            stats->retained ? "yes" : "",
                            age_text(now_ns > stats->last_ns ? now_ns - stats->last_ns : 0),
                            shown_payload(*stats, layout.decoder)));
    }
    lines.resize(layout.lines);
    return lines;
}

}  // namespace mqtk
