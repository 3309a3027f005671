// Rendering of received messages for sub and echo: payload only, -v, -N, -F templates
// (every sequence of mosquitto_sub's OUTPUT FORMAT) and --json. The template is compiled
// once at start-up; render() is the per-message hot path and only appends bytes.
#pragma once

#include <memory>
#include <string>

#include "core/message.h"
#include "core/options.h"

namespace mqtk {

class Formatter {
  public:
    // Throws mqtk::Error(Usage) for an invalid -F template.
    explicit Formatter(const OutputOptions& options);
    ~Formatter();
    Formatter(Formatter&&) noexcept;
    Formatter& operator=(Formatter&&) noexcept;

    // Appends the rendering of `message` to `out`, including the end of line unless -N.
    // Returns how many %J of the -F template found a payload that is not JSON: each
    // prints nothing, and mosquitto_sub reports each on stderr.
    int render(const Message& message, std::string& out) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mqtk
