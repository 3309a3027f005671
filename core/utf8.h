// UTF-8 validation as MQTT requires it for topics and UTF-8 string properties:
// well-formed, no surrogates, no overlong forms, and no U+0000.
#pragma once

#include <string_view>

namespace mqtk {

bool is_valid_utf8(std::string_view text);

}  // namespace mqtk
