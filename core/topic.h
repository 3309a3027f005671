// MQTT topic names and filters: validation before connecting, and matching per message.
//
// Paho 1.2.0 neither validates nor matches topics, and it sends a wildcard in a publish
// topic as is, whereupon the broker drops the connection. So every topic and filter from
// the command line (or from --jsonl) is checked here first, with a reason a user can act
// on. The rules are MQTT 5.0 section 4.7 (the same in 3.1.1), plus shared subscriptions
// ($share/<group>/<filter>, section 4.8.2).
#pragma once

#include <cstddef>
#include <string_view>

namespace mqtk {

// The longest topic or filter MQTT can carry (a two-byte length prefix).
inline constexpr std::size_t kMaxTopicLength = 65535;

// A topic name for PUBLISH: non-empty, valid UTF-8 without U+0000, no '+' or '#',
// at most 65535 bytes.
bool is_valid_topic_name(std::string_view topic);

// A topic filter for SUBSCRIBE: as a name, but '+' may stand as a whole level and '#' as
// the whole last level. "$share/<group>/<filter>" needs a non-empty group without '+',
// '#' or '/' and a valid filter after it.
bool is_valid_topic_filter(std::string_view filter);

// Throw mqtk::Error(Usage) saying why, e.g.
//   invalid topic 'a/+': wildcards are not allowed in a publish topic
//   invalid filter 'a/#/b': '#' must be the last level
// `what` names the thing in the message ("topic", "filter", "will topic", ...).
void check_topic_name(std::string_view topic, std::string_view what = "topic");
void check_topic_filter(std::string_view filter, std::string_view what = "filter");

// Whether a message published on `topic` is delivered to a subscription on `filter`:
// '+' matches exactly one level (possibly empty), '#' the level it stands on and every
// level below, including the parent ("a/#" matches "a"); a filter that starts with a
// wildcard matches no topic that starts with '$'; a "$share/<group>/" prefix is ignored.
// `filter` is assumed valid. Allocation-free: it runs per message.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace mqtk
