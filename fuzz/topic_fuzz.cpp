// Fuzzes topic and filter validation and matching (core/topic.h). The predicates and the
// throwing checks must agree, a refusal must say why in one line, and topic_matches() must
// agree with a reference matcher written here the obvious way (split both on '/', compare
// level by level), on every (filter, topic) pair that both validators accept.
//
// Random bytes seldom make a filter that matches a topic, so half the inputs build the pair
// from levels instead: a topic from a small pool of levels ("", "a", "$SYS", ...), and a
// filter derived from it level by level (kept, '+', changed, '#' and stop, one more level),
// perhaps behind "$share/<group>/". The other half are two arbitrary strings.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/topic.h"
#include "fuzz/fuzz_check.h"

namespace {

// Whether check(text) accepted it; a refusal must be a one-line mqtk::Error.
template <typename Check>
bool accepted(Check check, const std::string& text) {
    try {
        check(text, "topic");
        return true;
    } catch (const mqtk::Error& error) {
        MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
        MQTK_FUZZ_CHECK(mqtk::fuzz::is_one_line(error.what()));
        return false;
    }
}

// --- The reference matcher (MQTT 5.0 section 4.7) ------------------------------------------

std::vector<std::string_view> levels(std::string_view text) {
    std::vector<std::string_view> result;
    for (;;) {
        const std::size_t slash = text.find('/');
        result.push_back(text.substr(0, slash));
        if (slash == std::string_view::npos) return result;
        text.remove_prefix(slash + 1);
    }
}

bool reference_matches(std::string_view filter, std::string_view topic) {
    if (filter.starts_with("$share/")) {  // $share/<group>/<filter>: the group is no level
        const std::size_t group_end = filter.find('/', 7);
        filter.remove_prefix(group_end + 1);
    }
    const auto f = levels(filter);
    const auto t = levels(topic);
    // 4.7.2: a filter starting with a wildcard does not match a topic starting with '$'.
    if (topic.starts_with('$') && (f[0] == "+" || f[0] == "#")) return false;
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "#") return true;  // 4.7.1.2: this level and all below, parent included
        if (i >= t.size()) return false;
        if (f[i] != "+" && f[i] != t[i]) return false;  // '+' is exactly one level
    }
    return f.size() == t.size();
}

// --- Structured pairs ----------------------------------------------------------------------

constexpr std::array<std::string_view, 9> kLevels = {"",   "a",        "b",       "$SYS", "$x",
                                                     "ab", "\xc3\xa9", "sensors", "a b"};

std::string level_from(FuzzedDataProvider& provider) {
    if (provider.ConsumeIntegralInRange(0, 7) == 0) return provider.ConsumeRandomLengthString(8);
    return std::string(provider.PickValueInArray(kLevels));
}

std::string join(const std::vector<std::string>& parts) {
    std::string text;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) text += '/';
        text += parts[i];
    }
    return text;
}

// A topic and a filter made from it, level by level.
std::pair<std::string, std::string> structured_pair(FuzzedDataProvider& provider) {
    std::vector<std::string> topic(provider.ConsumeIntegralInRange<std::size_t>(1, 6));
    for (auto& level : topic)
        level = level_from(provider);
    std::vector<std::string> filter;
    for (const auto& level : topic) {
        const int choice = provider.ConsumeIntegralInRange(0, 5);
        if (choice <= 1) filter.push_back(level);
        if (choice == 2) filter.push_back("+");
        if (choice == 3) filter.push_back(level_from(provider));
        if (choice == 4) break;  // a shorter filter
        if (choice == 5) {
            filter.push_back("#");
            break;
        }
    }
    const int tail = provider.ConsumeIntegralInRange(0, 4);
    if (tail == 1) filter.push_back("#");
    if (tail == 2) filter.push_back("+");
    if (tail == 3) filter.push_back(level_from(provider));
    if (filter.empty()) filter.push_back("#");
    std::string filter_text = join(filter);
    if (provider.ConsumeIntegralInRange(0, 5) == 0) filter_text = "$share/g/" + filter_text;
    return {filter_text, join(topic)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider provider(data, size);
    std::string filter;
    std::string topic;
    if (provider.ConsumeBool()) {
        std::tie(filter, topic) = structured_pair(provider);
    } else {
        filter = provider.ConsumeRandomLengthString(512);
        topic = provider.ConsumeRemainingBytesAsString();
    }

    const bool valid_filter = mqtk::is_valid_topic_filter(filter);
    const bool valid_topic = mqtk::is_valid_topic_name(topic);
    MQTK_FUZZ_CHECK(accepted(mqtk::check_topic_filter, filter) == valid_filter);
    MQTK_FUZZ_CHECK(accepted(mqtk::check_topic_name, topic) == valid_topic);
    if (!valid_topic) return 0;

    if (valid_filter) {
        MQTK_FUZZ_CHECK(mqtk::topic_matches(filter, topic) == reference_matches(filter, topic));
    }
    // A topic is a filter matching itself, unless "$share/" makes it a shared subscription.
    if (!topic.starts_with("$share/")) {
        MQTK_FUZZ_CHECK(mqtk::is_valid_topic_filter(topic));
        MQTK_FUZZ_CHECK(mqtk::topic_matches(topic, topic));
    }
    // '#' matches every topic but those of the server ('$').
    MQTK_FUZZ_CHECK(mqtk::topic_matches("#", topic) == !topic.starts_with('$'));
    return 0;
}
