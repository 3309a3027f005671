// pub --encode: JSON text in, the codec's bytes out, or one line saying what is wrong.
#pragma once

#include <string>
#include <string_view>

#include "core/codec/codec.h"

namespace mqtk {

// `text` parsed as JSON and encoded by `codec`. Throws Error(Usage) whose line starts with
// `where` (the message's source: "-m", "-l line 3"...) and names the offending field.
std::string encode_json_text(const Codec& codec, std::string_view text, std::string_view where);

}  // namespace mqtk
