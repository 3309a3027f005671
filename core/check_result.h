// What `mqtk check` found, as plain data, and the pure functions that tell it: the
// --require list, the terminal table, the --json document and the verdict that decides
// the exit code. The probing itself is core/check.cpp; nothing here talks to a broker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/properties.h"

namespace mqtk {

// The checks that --require may name, in the order they run.
inline constexpr std::string_view kRequirableChecks[] = {
    "connect", "qos0", "qos1", "qos2", "retain", "wildcard", "shared", "will", "session", "v5"};
// Required unless --require adds more.
inline constexpr std::string_view kDefaultRequired[] = {"connect", "qos0", "qos1"};

// One measured figure of a check, e.g. {"ms", 0.42} or {"granted_qos", 1}.
struct CheckFigure {
    std::string key;
    std::variant<bool, std::int64_t, double, std::string> value;
};

struct CheckEntry {
    std::string name;
    bool required = false;
    bool ok = false;
    std::optional<std::string> skipped;  // why the check did not run (then not ok)
    std::string summary;  // the table's figure column: what was found, or why it failed
    std::vector<CheckFigure> figures;
    Properties properties;  // connect and v5: the CONNACK's properties
};

struct CheckReport {
    std::string endpoint;   // "host:port"
    std::string transport;  // "tcp", "tls", "ws", "wss"
    std::string protocol;   // "3.1", "3.1.1" or "5"
    std::string client_id;
    std::string prefix;  // the topics used are under it
    std::vector<CheckEntry> checks;
    std::string timed_out;  // set when -W ran out: the one-line reason
    double elapsed_ms = 0;
};

// The default required checks plus those named in `lists`, each a comma-separated list
// ("qos2,retain"); "all" names every check. Throws Error(Usage) for an unknown name.
std::set<std::string> parse_require_list(const std::vector<std::string>& lists);

struct CheckVerdict {
    ExitCode code = ExitCode::Success;
    std::string message;  // one line, empty on success
};

// Success when every required check passed; Timeout when -W ran out; else Failure, naming
// each required check that failed and why.
CheckVerdict check_verdict(const CheckReport& report);

// The terminal table: check, result, figure, one line per check. `colour`: green for ok,
// red for a required check that failed (only on a terminal, decided by cli/).
std::string format_check_table(const CheckReport& report, bool colour);

// CONNACK properties in words, for the table: "receive-maximum 20, retain-available 0".
std::string describe_properties(const Properties& properties);

// The largest n in [low, high] for which works(n) holds, for a limit such as the longest
// topic a broker takes: works(n) is supposed true up to the limit and false beyond. Tries
// `high` first (what brokers usually take), then `low`, then bisects, calling works() at
// most `max_tries` times. `exact` is false when the tries ran out first: `largest` is a
// lower bound then. `found` is false when not even `low` worked.
struct LimitSearch {
    std::size_t largest = 0;
    bool found = false;
    bool exact = true;
    int tries = 0;
};
LimitSearch search_limit(std::size_t low, std::size_t high,
                         const std::function<bool(std::size_t)>& works, int max_tries);

// The --json document (compact, one line, with a final newline): ok, the connection,
// and one entry per check with its name, ok, required, skipped (with the reason) and
// figures.
std::string check_report_json(const CheckReport& report);

}  // namespace mqtk
