// The small helpers the integration test files all need: number and argv building,
// substring and timing checks, the contract's success and failure shapes of an mqtk run,
// the command line of an mqtk aimed at a broker on loopback, and publishing with the real
// mosquitto_pub. One copy here instead of one per test file.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "support/broker.h"
#include "support/process.h"

namespace mqtk::test {

std::string str(long long n);

// a followed by b.
std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b);

// The words joined by single spaces, for messages ("pub -t a -m b").
std::string joined(const std::vector<std::string>& words);

bool contains(std::string_view text, std::string_view needle);

double seconds_since(std::chrono::steady_clock::time_point start);

// `<mqtk binary> <command> -h 127.0.0.1 -p <port> args...`, for Process.
std::vector<std::string> mqtk_argv(const std::string& command, int port,
                                   const std::vector<std::string>& args);

// mqtk(args, options): named apart from namespace mqtk.
ProcessResult run_mqtk(std::vector<std::string> args, RunOptions options = {});

// The contract's failure shape: this exit code, one "mqtk: ..." line, nothing on stdout.
void check_error(const ProcessResult& r, int code);
// Exit 0 and nothing on stderr.
void check_success(const ProcessResult& r);
// Exit 0 and nothing on stdout or stderr (pub, which prints nothing when it succeeds).
void check_silent_success(const ProcessResult& r);

// Publishes with the real mosquitto_pub (wire.h); the test stops if that fails.
void inject(const Broker& broker, std::vector<std::string> args);

}  // namespace mqtk::test
