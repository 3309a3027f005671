// The oracle of the protobuf codec tests: Python's protobuf library (Debian's
// python3-protobuf, a different implementation from the C++ one mqtk links) builds the
// messages and says what their JSON is. A scratch directory holds the .proto files and
// what `protoc --python_out` makes of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mqtk::test {

class ScratchDir {
  public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::string& path() const { return path_; }
    // Writes `text` to path()/relative, creating its directories; returns the full path.
    std::string write(const std::string& relative, std::string_view text) const;

  private:
    std::string path_;
};

// Runs `script` with Debian's python3 (where python3-protobuf is) in `dir`, with `dir`
// on sys.path, and returns what it printed. Fails the test when it exits non-zero.
std::string run_python(const std::string& dir, std::string_view script);

// Runs protoc --python_out=out for `proto`, relative to the first of `includes`, with
// each of them as -I; fails the test on error.
void protoc_python(const std::vector<std::string>& includes, const std::string& proto,
                   const std::string& out);

// "0aff" -> the two bytes 0x0a 0xff.
std::string from_hex(std::string_view hex);

}  // namespace mqtk::test
