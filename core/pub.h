// `mqtk pub`: publish one message, a file, all of stdin, each line of stdin, or a JSON
// Lines capture, over one connection, and exit only once the broker has everything.
#pragma once

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
};

// Connects through `connect` and reads -s, -l and --jsonl from `input` (cli/ gives
// make_client() and stdin).
ExitCode run_pub(const ConnectOptions& connection, const PubOptions& options,
                 const ConnectionFactory& connect, int input);

}  // namespace mqtk
