// The JSON Lines schema shared by `sub --json` (writer) and `pub --jsonl` (reader), so that
// `mqtk sub --json > capture` then `mqtk pub --jsonl < capture` replays a capture
// faithfully, binary payloads included. One object per message, its keys in this order:
//
//   {"topic":"lab/t1","payload":"21.5","encoding":"utf8","qos":1,"retain":false,"mid":7,
//    "properties":{"content-type":"text/plain","user-property":[["unit","C"],["unit","K"]]},
//    "received":"2024-05-01T12:34:56.123456Z"}
//
//   topic       string. MQTT topics are UTF-8; should a broker send a malformed one anyway,
//               each bad byte is written as U+FFFD, so the line stays valid JSON (that topic
//               does not round-trip).
//   payload     string: the payload itself when it is valid UTF-8 without U+0000 (as
//               is_valid_utf8 decides), else its base64 (RFC 4648, padded). Read: absent = "".
//   encoding    "utf8" or "base64", how to read `payload`. Always written. Read: absent = utf8.
//   qos         0, 1 or 2.     Read: absent = the publisher's own choice (JsonRecord::has_qos).
//   retain      true or false. Read: absent = the publisher's own choice (has_retain).
//   mid         the packet identifier, written only when not 0 (QoS 0 has none). Not read.
//   properties  MQTT 5 properties, written only when there are some, keyed by mosquitto's
//               names (property_name) in ascending property-identifier order:
//                 numeric properties         JSON numbers
//                 UTF-8 string properties    strings (malformed bytes as for the topic)
//                 binary properties          base64 text, always: correlation-data and
//                                            authentication-data are known to be binary by
//                                            their names, so there is no marker to get wrong
//                 user-property              [[name, value], ...] in arrival order, duplicates
//                                            kept
//                 subscription-identifier    [id, ...], always an array: a PUBLISH carries one
//                                            per matching subscription
//   received    when mqtk received it, UTC to the microsecond, "2024-05-01T12:34:56.123456Z";
//               omitted when unset (the epoch). Not read.
//   decoded     with --decode (core/codec/codec.h), the payload's decoded value, written only
//               when it decoded; payload and encoding stay as above, so a capture replays
//               the same bytes. Not read (skipped).
//
// The compact form (the default) is one object per line. `pretty` indents by 2 spaces, so an
// object spans several lines: for people. `pub --jsonl` reads one object per line and needs
// the compact form (`jq -c .` turns one into the other).
//
// Reading is strict, so a hand-written line with a typo fails instead of publishing the wrong
// thing: a key not listed above, a value of the wrong type, qos outside 0..2, an unknown
// encoding, invalid base64 (see core/base64.h), a topic that check_topic_name refuses, an
// unknown property name, a property value that the -D parser (parse_property_argument)
// refuses, or a property that a client may not send in PUBLISH is an error. A utf8 payload
// written by hand may hold any character, "\u0000" included. Two properties are skipped
// without a word, because captures hold them yet a publisher must not send them:
// subscription-identifier (the broker's, per subscription) and topic-alias (meaningful only
// on the connection that received it). Blank lines are for the caller to skip; here they
// are "not valid JSON".
#pragma once

#include <string>
#include <string_view>

#include "core/message.h"

namespace mqtk {

// Appends one JSON object for `message` to `out` (no trailing newline), with `decoded` (JSON
// text) as its "decoded" unless empty.
void append_json(const Message& message, std::string& out, bool pretty = false,
                 std::string_view decoded = {});

// One line read back: the message, and whether the line set qos and retain itself, so that
// the publisher applies its command-line -q and -r to the lines that did not.
struct JsonRecord {
    Message message;
    bool has_qos = false;
    bool has_retain = false;
};

// Parses one line in the schema above. Throws mqtk::Error(Usage) with a one-line reason
// such as `"qos" must be 0, 1 or 2, not 3` or `no "topic" string`, for the caller to
// prefix with the line's number ("--jsonl line 3: ...").
JsonRecord parse_json_record(std::string_view line);

// parse_json_record(line).message: qos 0 and no retain where the line does not say.
Message parse_json_line(std::string_view line);

}  // namespace mqtk
