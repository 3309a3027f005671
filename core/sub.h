// `mqtk sub`: subscribe, print what arrives through the shared Formatter, and stop on a
// count, a time limit, an expected payload, or an interrupt (drop-in for mosquitto_sub).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/connection/connection.h"
#include "core/error.h"
#include "core/live.h"
#include "core/options.h"
#include "core/properties.h"

namespace mqtk {

struct SubOptions {
    std::vector<std::string> filters;      // -t
    std::vector<std::string> filters_out;  // -T: received but not printed
    std::vector<std::string> unsubscribe;  // -U
    int qos = 0;
    std::optional<long> count;          // -C
    double random_filter = 100;         // --random-filter: percentage of messages printed
    std::optional<double> timeout;      // -W, from the moment we are connected
    bool skip_retained = false;         // -R
    bool retained_only = false;         // --retained-only
    bool remove_retained = false;       // --remove-retained
    bool exit_after_subscribe = false;  // -E
    bool no_local = false;              // MQTT 5 subscription options
    bool retain_as_published = false;
    int retain_handling = 0;
    Properties subscribe_properties;    // -D subscribe ...
    Properties unsubscribe_properties;  // -D unsubscribe ...
    std::optional<std::string> expect;  // --expect REGEX (ECMAScript)
    std::string ready_file;             // --ready-file PATH
    // --message-rate (mosquitto 2.1): every arrival counted, nothing printed, and once a
    // second "N msgs/s"; -C and the filters of what is printed do not apply.
    bool message_rate = false;
    OutputOptions output;
};

class OutputSink;

// The checks run_sub() makes before connecting (filters, combinations, -V 5 options): throws
// Error(Usage). run_watch() (core/topics.h) makes them too.
void check_sub_options(const ConnectOptions& connection, const SubOptions& options);

// One SUBSCRIBE request per -t filter, with sub's QoS and subscription options (sub and
// sub --watch).
std::vector<SubscribeRequest> subscribe_requests(const SubOptions& options);

// Connects through `connect` and prints into `output` (cli/ gives make_client() and a sink
// on stdout). `live`, if given, shows the messages received (those -C counts) and the
// connection's losses and reconnects.
ExitCode run_sub(const ConnectOptions& connection, const SubOptions& options,
                 const ConnectionFactory& connect, OutputSink& output, LiveHub* live = nullptr);

}  // namespace mqtk
