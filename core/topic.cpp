// Topic validation and matching (MQTT 5.0 section 4.7, shared subscriptions 4.8.2).
//
// Validation is written once as "what is wrong with it", returning a reason or nullptr;
// the is_valid_* predicates and the throwing check_* functions are both views of that.
// Matching walks filter and topic level by level over string_views, without allocating.
#include "core/topic.h"

#include <fmt/core.h>

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/utf8.h"

namespace mqtk {
namespace {

constexpr std::string_view kSharePrefix = "$share/";

// The reason shared by names and filters, or nullptr when the text itself is acceptable.
const char* text_problem(std::string_view text) {
    if (text.empty()) return "it is empty";
    if (text.size() > kMaxTopicLength) return "it is longer than the 65535 bytes MQTT allows";
    if (text.find('\0') != std::string_view::npos) return "it contains a NUL character";
    if (!is_valid_utf8(text)) return "it is not valid UTF-8";
    return nullptr;
}

const char* topic_name_problem(std::string_view topic) {
    if (const char* problem = text_problem(topic)) return problem;
    if (topic.find_first_of("+#") != std::string_view::npos) {
        return "wildcards are not allowed in a publish topic";
    }
    return nullptr;
}

// Checks each level of a filter that is already known to be acceptable text.
const char* wildcard_problem(std::string_view filter) {
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = filter.find('/', start);
        const bool last = slash == std::string_view::npos;
        const std::string_view level =
            filter.substr(start, last ? std::string_view::npos : slash - start);
        if (level.find('#') != std::string_view::npos) {
            if (level != "#") return "'#' must stand alone as a whole level";
            if (!last) return "'#' must be the last level";
        }
        if (level.find('+') != std::string_view::npos && level != "+") {
            return "'+' must stand alone as a whole level";
        }
        if (last) return nullptr;
        start = slash + 1;
    }
}

// $share/<group>/<filter>: the group and the filter are checked separately.
const char* shared_filter_problem(std::string_view filter) {
    const std::string_view rest = filter.substr(kSharePrefix.size());
    const std::size_t slash = rest.find('/');
    const std::string_view group = rest.substr(0, slash);
    if (group.empty()) return "a shared subscription needs a group: $share/<group>/<filter>";
    if (group.find_first_of("+#") != std::string_view::npos) {
        return "a share group name cannot contain '+' or '#'";
    }
    if (slash == std::string_view::npos || slash + 1 == rest.size()) {
        return "a shared subscription needs a filter after the group: $share/<group>/<filter>";
    }
    return wildcard_problem(rest.substr(slash + 1));
}

const char* topic_filter_problem(std::string_view filter) {
    if (const char* problem = text_problem(filter)) return problem;
    if (filter.starts_with(kSharePrefix)) return shared_filter_problem(filter);
    return wildcard_problem(filter);
}

// The topic as it can safely appear in a one-line message on a terminal: control bytes
// (and every non-ASCII byte when the text is not UTF-8) as \xNN, long text shortened.
std::string printable(std::string_view text) {
    constexpr std::size_t kMaxShown = 80;
    const bool utf8 = is_valid_utf8(text);
    std::string shown;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        const bool continuation = (byte & 0xC0) == 0x80;
        if (shown.size() >= kMaxShown && !(utf8 && continuation)) {
            shown += "...";
            break;
        }
        if (byte < 0x20 || byte == 0x7F || (!utf8 && byte >= 0x80)) {
            shown += fmt::format("\\x{:02x}", byte);
        } else {
            shown += static_cast<char>(byte);
        }
    }
    return shown;
}

}  // namespace

bool is_valid_topic_name(std::string_view topic) {
    return topic_name_problem(topic) == nullptr;
}

bool is_valid_topic_filter(std::string_view filter) {
    return topic_filter_problem(filter) == nullptr;
}

void check_topic_name(std::string_view topic, std::string_view what) {
    if (const char* problem = topic_name_problem(topic)) {
        throw usage_error("invalid {} '{}': {}", what, printable(topic), problem);
    }
}

void check_topic_filter(std::string_view filter, std::string_view what) {
    if (const char* problem = topic_filter_problem(filter)) {
        throw usage_error("invalid {} '{}': {}", what, printable(filter), problem);
    }
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
    if (filter.starts_with(kSharePrefix)) {
        const std::size_t slash = filter.find('/', kSharePrefix.size());
        if (slash != std::string_view::npos) filter.remove_prefix(slash + 1);
    }
    // Section 4.7.2: wildcards at the first level do not reach the server's $ topics.
    if (topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#'))) {
        return false;
    }
    std::size_t filter_pos = 0;
    std::size_t topic_pos = 0;
    bool topic_done = false;  // every level of the topic has been matched
    for (;;) {
        const std::size_t filter_end = std::min(filter.find('/', filter_pos), filter.size());
        const std::string_view filter_level = filter.substr(filter_pos, filter_end - filter_pos);
        if (filter_level == "#") return true;  // this level and all below, the parent too
        if (topic_done) return false;
        const std::size_t topic_end = std::min(topic.find('/', topic_pos), topic.size());
        const std::string_view topic_level = topic.substr(topic_pos, topic_end - topic_pos);
        if (filter_level != "+" && filter_level != topic_level) return false;
        const bool topic_last = topic_end == topic.size();
        if (filter_end == filter.size()) return topic_last;
        filter_pos = filter_end + 1;
        topic_done = topic_last;
        topic_pos = topic_end + 1;
    }
}

}  // namespace mqtk
