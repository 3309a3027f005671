// How a bench result is told: the summary table on stdout, and the verdict that decides
// the exit code (lost messages at QoS >= 1, lost connections, failed storms).
#pragma once

#include <string>

#include "core/bench/result.h"
#include "core/error.h"

namespace mqtk {

// The human summary, several lines ending in '\n'.
std::string format_bench_summary(const BenchResult& result);

struct BenchVerdict {
    ExitCode code = ExitCode::Success;
    std::string message;  // one line, empty on success
};

// Success, or why not: interrupted (130), nothing connected (3), or a failure after
// connecting (1): messages lost at QoS 1/2 (when the result is complete), publishes
// refused, connections lost, storm connections that failed or dropped.
BenchVerdict bench_verdict(const BenchResult& result);

// 1234567 -> "1,234,567"
std::string with_thousands(std::uint64_t value);

}  // namespace mqtk
