// `mqtk echo`: the board's loopback against any broker. Connect with a persistent
// session, subscribe unless the broker still has our session, publish a first message,
// then republish everything that arrives on the same topic after a pause, reconnecting
// when the broker goes away; on exit, report round trips of our own messages.
#pragma once

#include <optional>
#include <string>

#include "core/connection/connection.h"
#include "core/error.h"
#include "core/live.h"
#include "core/options.h"

namespace mqtk {

// The board's topic, when none is given.
inline constexpr const char* kDefaultEchoTopic = "foo_topic";

struct EchoOptions {
    std::string topic = kDefaultEchoTopic;
    bool clean = false;  // --clean: a clean session instead of the board's persistent one
    std::optional<std::string> first_message = std::string("hello");  // none with -n
    double delay = 1.0;       // seconds before each republish; 0 = at once
    std::string reply_topic;  // republish there instead (no loop)
    bool responder = false;   // answer MQTT 5 requests on their response topic
    int qos = 0;
    std::optional<long> count;      // stop after N echoes
    std::optional<double> timeout;  // stop after S seconds
    OutputOptions output;
};

class OutputSink;

// Runs the loop on echo_connection(connection, options) (core/echo_session.h), connecting
// through `connect` and printing into `output` (cli/ gives make_client() and a sink on
// stdout). `live`, if given, shows the own messages' figures as the summary counts them
// (in flight: not lost until the end) and their round trips.
ExitCode run_echo(const ConnectOptions& connection, const EchoOptions& options,
                  const ConnectionFactory& connect, OutputSink& output, LiveHub* live = nullptr);

}  // namespace mqtk
