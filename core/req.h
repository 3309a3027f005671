// `mqtk req` (alias `rr`): publish a request and print its reply, as mosquitto_rr does,
// but under MQTT 5 with fresh Correlation Data per request so that only the reply to this
// request is taken (a late reply to an earlier one never is). Under MQTT 3.1.1 there are no
// properties: the first message on the response topic is the reply. --count sends several
// requests one after another and reports their round trips.
#pragma once

#include <optional>
#include <string>

#include "core/error.h"
#include "core/live.h"
#include "core/options.h"
#include "core/properties.h"
#include "core/pub.h"  // PayloadSource

namespace mqtk {

// Where a fresh response topic goes when -e is not given (MQTT 5 only).
inline constexpr const char* kDefaultResponseTopicRoot = "mqtk/req/";

struct ReqOptions {
    std::string topic;           // -t: where the request goes
    std::string response_topic;  // -e; empty: a fresh one under kDefaultResponseTopicRoot
    PayloadSource source = PayloadSource::Message;  // -m, -f, -s or -n (not -l, --jsonl)
    std::string message;                            // -m
    std::string file;                               // -f
    int qos = 0;                 // of the request and of the response subscription
    bool skip_retained = false;  // -R: a retained message is never the reply
    // --retain-handling (MQTT 5 subscription option, mosquitto 2.1): 0 always, 1 new, 2 never.
    // -R makes it 2, as in mosquitto 2.1.
    std::optional<int> retain_handling;
    Properties publish_properties;    // -D publish ...
    Properties subscribe_properties;  // -D subscribe ...
    double timeout = 10.0;            // -W: seconds each request waits for its reply
    long count = 1;                   // --count
    bool report_round_trips = false;  // --count given: the summary on stderr
    double interval = 0.0;            // --interval: seconds between a reply and the next request
    OutputOptions output;
};

// "always", "new", "never" (mosquitto 2.1) or 0, 1, 2 (mqtk sub's). Throws Error(Usage).
int parse_retain_handling(const std::string& text);

// A response topic of our own: kDefaultResponseTopicRoot + 16 random hex digits.
std::string fresh_response_topic();

// `live`, if given, shows the requests sent, the replies received and their round trips
// (a request that timed out is lost).
ExitCode run_req(const ConnectOptions& connection, const ReqOptions& options,
                 LiveHub* live = nullptr);

}  // namespace mqtk
