// One-line notices on stderr while a command runs ("mqtk: connection lost; reconnecting"):
// news for whoever watches, never data, so stdout stays clean for scripts. --quiet
// silences them together with the final error line.
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace mqtk {

void set_notices_enabled(bool enabled);
void notice(std::string_view line);

template <typename... Args>
void notice(fmt::format_string<Args...> format, Args&&... args) {
    notice(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}

}  // namespace mqtk
