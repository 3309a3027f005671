// mosquitto_sub's own JSON (the -F sequences %j and %J) as cJSON 1.7.15 prints it for
// mosquitto 2.0.11: the message's fields, its MQTT 5 properties and, for %J, the payload
// parsed and printed again as cJSON would. Used by the -F renderer (core/format.h).
#pragma once

#include <string>
#include <string_view>

#include "core/message.h"

namespace mqtk {

// Appends the JSON object mosquitto_sub prints for `message`. `tst` is the value of its
// "tst" member (local time, "2024-01-31T12:00:00.123456Z+0100" as mosquitto writes it);
// `pretty` is cJSON_Print's layout, else cJSON_PrintUnformatted's. With parse_payload
// (%J) the payload must be JSON: when it is not, nothing is appended and false returned.
bool append_mosquitto_json(std::string& out, const Message& message, std::string_view tst,
                           bool parse_payload, bool pretty);

}  // namespace mqtk
