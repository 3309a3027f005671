// Topic names, filters and matching: the examples of MQTT 5.0 section 4.7 and the edges
// around them (empty levels, leading and trailing '/', $ topics, shared subscriptions).
#include "core/topic.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/error.h"

namespace {

struct MatchCase {
    std::string_view filter;
    std::string_view topic;
    bool matches;
};

// Section 4.7.1.2 and 4.7.1.3 examples first, then the edges.
constexpr MatchCase kMatchCases[] = {
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/tennis/player1/#", "sport/tennis/player2", false},
    {"sport/#", "sport", true},
    {"#", "sport/tennis", true},
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player2", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+", "/finance", false},
    {"+/tennis/#", "sport/tennis/player1", true},
    {"+/tennis/#", "sport/tennis", true},
    {"+/tennis/#", "sport/soccer", false},
    // Section 4.7.2: $ topics and first-level wildcards.
    {"#", "$SYS/broker/uptime", false},
    {"+/monitor/Clients", "$SYS/monitor/Clients", false},
    {"$SYS/#", "$SYS/monitor/Clients", true},
    {"$SYS/#", "$SYS", true},
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
    {"#", "a$b", true},
    // Exact levels, empty levels, leading and trailing '/'.
    {"a/b", "a/b", true},
    {"a/b", "a/b/c", false},
    {"a/b/c", "a/b", false},
    {"a/b", "a/bc", false},
    {"a/b", "A/b", false},
    {"a//b", "a//b", true},
    {"a/+/b", "a//b", true},
    {"a/+/b", "a/b", false},
    {"a//b", "a/b", false},
    {"/a", "/a", true},
    {"/a", "a", false},
    {"a/", "a/", true},
    {"a/", "a", false},
    {"a", "a/", false},
    {"a/#", "a/", true},
    {"a/#", "a", true},
    {"a/#", "ab", false},
    {"+", "a", true},
    {"+", "", true},
    {"+/+", "a", false},
    {"+/+", "a/b/c", false},
    {"+/#", "a", true},
    {"/", "/", true},
    {"#", "/", true},
    {"+/+", "/", true},
    // Shared subscriptions match as the filter after the group.
    {"$share/g/a/+", "a/b", true},
    {"$share/g/a/+", "$share/g/a/b", false},
    {"$share/g/#", "anything/at/all", true},
    {"$share/g/#", "$SYS/broker", false},
    {"$share/g/$SYS/#", "$SYS/broker", true},
    // Non-ASCII levels compare as bytes.
    {"caf\xc3\xa9/+", "caf\xc3\xa9/cr\xc3\xa8me", true},
};

struct ValidityCase {
    std::string_view text;
    bool valid_name;
    bool valid_filter;
};

constexpr ValidityCase kValidityCases[] = {
    {"a", true, true},
    {"a/b/c", true, true},
    {"/", true, true},
    {"//", true, true},
    {"a//b", true, true},
    {"/a/", true, true},
    {" ", true, true},
    {"$SYS/broker", true, true},
    {"caf\xc3\xa9", true, true},
    {"", false, false},
    {"#", false, true},
    {"+", false, true},
    {"+/+", false, true},
    {"/+", false, true},
    {"a/#", false, true},
    {"+/#", false, true},
    {"$SYS/#", false, true},
    {"a/+/b", false, true},
    {"a/#/b", false, false},
    {"#/a", false, false},
    {"a#", false, false},
    {"a/b#", false, false},
    {"a+", false, false},
    {"a/+b/c", false, false},
    {"++", false, false},
    {"##", false, false},
    {"$share/g/a/+", false, true},
    {"$share/g/#", false, true},
    {"$share/g/a", true, true},  // a plain name when published to
    {"$share/g", true, false},
    {"$share/g/", true, false},
    {"$share//a", true, false},
    {"$share/", true, false},
    {"$share/g+/a", false, false},
    {"$share/#/a", false, false},
    {"$share/g/a/#/b", false, false},
    {"$share", true, true},
    {"\xff", false, false},
    {"caf\xc3", false, false},
    {"\xed\xa0\x80", false, false},  // a UTF-16 surrogate
    {"\xc0\xaf", false, false},      // an overlong '/'
    {std::string_view("a\0b", 3), false, false},
};

// The message of the usage error `check` throws, or "" when it does not throw.
template <typename Check>
std::string usage_message(Check check) {
    try {
        check();
    } catch (const mqtk::Error& error) {
        CHECK(error.code() == mqtk::ExitCode::Usage);
        return error.what();
    }
    return "";
}

}  // namespace

TEST_CASE("topic_matches follows MQTT 5.0 section 4.7") {
    for (const MatchCase& c : kMatchCases) {
        INFO("filter '", c.filter, "' topic '", c.topic, "'");
        CHECK(mqtk::topic_matches(c.filter, c.topic) == c.matches);
    }
}

TEST_CASE("every filter matches the topics it is equal to") {
    for (const ValidityCase& c : kValidityCases) {
        if (!c.valid_name || c.text.starts_with("$share/")) continue;
        INFO("topic '", c.text, "'");
        CHECK(mqtk::topic_matches(c.text, c.text));
    }
}

TEST_CASE("topic names and filters are validated") {
    for (const ValidityCase& c : kValidityCases) {
        INFO("text '", c.text, "'");
        CHECK(mqtk::is_valid_topic_name(c.text) == c.valid_name);
        CHECK(mqtk::is_valid_topic_filter(c.text) == c.valid_filter);
        CHECK(usage_message([&] { mqtk::check_topic_name(c.text); }).empty() == c.valid_name);
        CHECK(usage_message([&] { mqtk::check_topic_filter(c.text); }).empty() == c.valid_filter);
    }
}

TEST_CASE("topics and filters are limited to 65535 bytes") {
    const std::string longest(mqtk::kMaxTopicLength, 'a');
    const std::string too_long = longest + "a";
    CHECK(mqtk::is_valid_topic_name(longest));
    CHECK(mqtk::is_valid_topic_filter(longest));
    CHECK_FALSE(mqtk::is_valid_topic_name(too_long));
    CHECK_FALSE(mqtk::is_valid_topic_filter(too_long));
}

TEST_CASE("usage errors say why a topic or filter is invalid") {
    using mqtk::check_topic_filter;
    using mqtk::check_topic_name;
    struct MessageCase {
        std::string message;
        std::string expected;
    };
    const MessageCase cases[] = {
        {usage_message([] { check_topic_name("a/+"); }),
         "invalid topic 'a/+': wildcards are not allowed in a publish topic"},
        {usage_message([] { check_topic_name("a/#", "will topic"); }),
         "invalid will topic 'a/#': wildcards are not allowed in a publish topic"},
        {usage_message([] { check_topic_name(""); }), "invalid topic '': it is empty"},
        {usage_message([] { check_topic_name("caf\xc3"); }),
         "invalid topic 'caf\\xc3': it is not valid UTF-8"},
        {usage_message([] { check_topic_name(std::string_view("a\0b", 3)); }),
         "invalid topic 'a\\x00b': it contains a NUL character"},
        {usage_message([] { check_topic_filter("a/#/b"); }),
         "invalid filter 'a/#/b': '#' must be the last level"},
        {usage_message([] { check_topic_filter("a/b#"); }),
         "invalid filter 'a/b#': '#' must stand alone as a whole level"},
        {usage_message([] { check_topic_filter("a/+b"); }),
         "invalid filter 'a/+b': '+' must stand alone as a whole level"},
        {usage_message([] { check_topic_filter("", "filter-out"); }),
         "invalid filter-out '': it is empty"},
        {usage_message([] { check_topic_filter("$share//a"); }),
         "invalid filter '$share//a': a shared subscription needs a group: "
         "$share/<group>/<filter>"},
        {usage_message([] { check_topic_filter("$share/g+/a"); }),
         "invalid filter '$share/g+/a': a share group name cannot contain '+' or '#'"},
        {usage_message([] { check_topic_filter("$share/g"); }),
         "invalid filter '$share/g': a shared subscription needs a filter after the group: "
         "$share/<group>/<filter>"},
        {usage_message([] { check_topic_name("caf\xc3\xa9/a\tb"); }), ""},
        {usage_message([] { check_topic_name("caf\xc3\xa9/+"); }),
         "invalid topic 'caf\xc3\xa9/+': wildcards are not allowed in a publish topic"},
        {usage_message([] { check_topic_name("line\nbreak/#"); }),
         "invalid topic 'line\\x0abreak/#': wildcards are not allowed in a publish topic"},
    };
    for (const MessageCase& c : cases)
        CHECK(c.message == c.expected);
}

TEST_CASE("a very long invalid topic is shortened in the message") {
    const std::string topic = std::string(70000, 'a') + "/+";
    const std::string message = usage_message([&] { mqtk::check_topic_name(topic); });
    CHECK(message.size() < 200);
    CHECK(message.find("...': it is longer than") != std::string::npos);
}
