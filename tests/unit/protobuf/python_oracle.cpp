// Scratch directories and the python3 / protoc runs of python_oracle.h.
#include "python_oracle.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace mqtk::test {

namespace {

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-protobuf is

// Runs a shell command, returns its stdout; fails the test on a non-zero exit.
std::string run(const std::string& command) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE_MESSAGE(pipe != nullptr, command);
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
        output.append(buffer, n);
    const int status = pclose(pipe);
    REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                    "failed (needs protoc and python3-protobuf, scripts/setup.sh): " << command);
    return output;
}

std::string quoted(const std::string& text) {
    return "'" + text + "'";
}  // paths we made

}  // namespace

ScratchDir::ScratchDir() {
    char name[] = "/tmp/mqtk-unit-protobuf-XXXXXX";
    REQUIRE(mkdtemp(name) != nullptr);
    path_ = name;
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string ScratchDir::write(const std::string& relative, std::string_view text) const {
    const auto full = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full, std::ios::binary) << text;
    return full.string();
}

std::string run_python(const std::string& dir, std::string_view script) {
    ScratchDir scripts;
    const auto file = scripts.write("oracle.py", script);
    return run("cd " + quoted(dir) + " && PYTHONPATH=. " + kPython + " " + quoted(file));
}

void protoc_python(const std::vector<std::string>& includes, const std::string& proto,
                   const std::string& out) {
    std::filesystem::create_directories(out);
    std::string command = "protoc --python_out=" + quoted(out);
    for (const auto& include : includes)
        command += " -I " + quoted(include);
    run(command + " " + quoted(includes.front() + "/" + proto));
}

std::string from_hex(std::string_view hex) {
    std::string bytes;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    }
    return bytes;
}

}  // namespace mqtk::test
