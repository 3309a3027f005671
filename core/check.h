// `mqtk check`: prove in one command that a broker works. Connects, then probes round
// trips at QoS 0/1/2, retain, wildcards, shared subscriptions, the will, a persistent
// session and MQTT 5 (with --deep also the longest topic, the largest payload and the
// longest client id), all on topics under one prefix and with clean sessions, leaving
// nothing behind. The result is a table or one JSON document (core/check_result.h) and an
// exit code: 0 when every required check passed.
#pragma once

#include <set>
#include <string>

#include "core/check_result.h"
#include "core/error.h"
#include "core/options.h"

namespace mqtk {

struct CheckOptions {
    std::string prefix;     // -t: the topics used are under it; empty: mqtk/check/<client id>
    double timeout = 10.0;  // -W: the whole run, in seconds
    bool deep = false;      // --deep: also the limits (topic, payload, client id)
    bool json = false;      // one JSON document instead of the table
    bool quiet = false;     // print nothing: the exit code says it all
    bool colour = false;    // decided by cli/: a terminal and no NO_COLOR
    std::set<std::string> required = parse_require_list({});
};

// Runs every check and returns what was found. Throws Error(Unreachable) or
// Error(Refused) when the first connection fails, Error(Usage) for a bad prefix.
CheckReport run_checks(const ConnectOptions& connection, const CheckOptions& options);

// run_checks(), then prints the table or the document (unless quiet) and returns Success,
// or throws the verdict's Error (1: a required check failed, 5: -W ran out).
ExitCode run_check(const ConnectOptions& connection, const CheckOptions& options);

}  // namespace mqtk
