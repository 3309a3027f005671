// `mqtk pub`: publish one message, a file, all of stdin, each line of stdin, or a JSON
// Lines capture, over one connection, and exit only once the broker has everything.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/connection/connection.h"
#include "core/error.h"
#include "core/options.h"
#include "core/properties.h"

namespace mqtk {

enum class PayloadSource { Message, File, Stdin, StdinLines, Null, JsonLines };

struct PubOptions {
    std::string topic;  // may be empty only with --jsonl (each record names its topic)
    PayloadSource source = PayloadSource::Message;
    std::string message;  // -m
    std::string file;     // -f
    int qos = 0;
    bool retain = false;
    Properties properties;  // -D publish ...
    long repeat = 1;
    double repeat_delay = 0;        // seconds
    std::optional<double> timeout;  // -W: bounds the whole run
    CodecChoice encode;             // --encode: the message is JSON text, published encoded
};

// The single message of -m, -f, -s or -n (pub, req), read before connecting; -s reads
// `input` until `deadline` (the -W of `timeout_seconds`), and running out of it is
// Error(Timeout) saying so. Empty for the other sources.
std::string load_single_payload(PayloadSource source, const std::string& message,
                                const std::string& file, int input,
                                std::optional<std::chrono::steady_clock::time_point> deadline,
                                double timeout_seconds);

// Connects through `connect` and reads -s, -l and --jsonl from `input` (cli/ gives
// make_client() and stdin).
ExitCode run_pub(const ConnectOptions& connection, const PubOptions& options,
                 const ConnectionFactory& connect, int input);

}  // namespace mqtk
