// One-line notices on stderr while a command runs ("mqtk: connection lost; reconnecting"):
// news for whoever watches, never data, so stdout stays clean for scripts. --quiet
// silences them together with the final error line.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string_view>

namespace mqtk {

void set_notices_enabled(bool enabled);
void notice(std::string_view line);
// While set, notices go to `divert` (on whichever thread notices) instead of stderr: the
// watch screen shows them in its title line, as stderr would scribble over the screen. An
// empty function sends them to stderr again.
void divert_notices(std::function<void(std::string_view line)> divert);

template <typename... Args>
void notice(fmt::format_string<Args...> format, Args&&... args) {
    notice(std::string_view(fmt::format(format, std::forward<Args>(args)...)));
}

}  // namespace mqtk
