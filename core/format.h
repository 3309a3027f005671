// Rendering of received messages for sub, echo and req: payload only, -v, -N, -F templates
// (every sequence of mosquitto_sub's OUTPUT FORMAT, and 2.1's %f and %d, and mqtk's %v) and
// --json, with or without --decode. The template and the codec are set up once at start-up;
// render() is the per-message hot path and only appends bytes.
#pragma once

#include <memory>
#include <string>

#include "core/message.h"
#include "core/options.h"

namespace mqtk {

// Per message: -F fields that found a payload they cannot print.
struct RenderProblems {
    int not_json = 0;    // %J: the payload is not JSON
    int not_float = 0;   // %f: the payload is not 4 bytes (mosquitto 2.1)
    int not_double = 0;  // %d: the payload is not 8 bytes (mosquitto 2.1)
    // --decode: the payload did not decode and is printed as received. Set only for the
    // first such payload of each topic: the warning to print, valid until the next render().
    const std::string* undecoded = nullptr;
};

class Formatter {
  public:
    // Throws mqtk::Error(Usage) for an invalid -F template or an unknown --decode codec.
    explicit Formatter(const OutputOptions& options);
    ~Formatter();
    Formatter(Formatter&&) noexcept;
    Formatter& operator=(Formatter&&) noexcept;

    // Appends the rendering of `message` to `out`, including the end of line unless -N.
    // Returns the -F fields that could not read the payload as they asked: each prints
    // nothing, and mosquitto_sub reports each on stderr.
    RenderProblems render(const Message& message, std::string& out) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mqtk
