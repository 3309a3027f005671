// CLI11 validators for the numbers on mqtk's command lines, with one-line messages that
// say what is wanted ("--repeat: 0 is not a whole number of at least 1").
//
// CLI11's own PositiveNumber and NonNegativeNumber accept "nan" (every comparison with NaN
// is false, so no range check fails) and any finite double, which then overflows the
// deadlines built from it; and their messages print the limit as a 309-digit number.
#pragma once

#include <CLI/CLI.hpp>

namespace mqtk::cli {

// The longest duration any flag accepts: now + this still fits a steady_clock deadline
// (int64 nanoseconds, 292 years) and Paho's int connect timeout. About 31 years.
inline constexpr double kMaxSeconds = 1e9;

// A finite number of seconds in (0, kMaxSeconds]: -W, --connect-timeout, --duration...
CLI::Validator positive_seconds();
// A finite number of seconds in [0, kMaxSeconds]: --repeat-delay, --delay, --warmup...
CLI::Validator non_negative_seconds();
// A finite rate (per second) above zero: --rate, --conn-rate.
CLI::Validator positive_rate();
// A whole number >= minimum: -C, --repeat, --count, --storm, --subscribers.
CLI::Validator whole_number_from(long long minimum);
// sub --random-filter: a percentage mosquitto_sub 2.0 accepts, 0.1 to 1000 (it means
// 100 by the top of that range, see docs/compatibility.md).
CLI::Validator random_filter_chance();

}  // namespace mqtk::cli
