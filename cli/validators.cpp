// Number validators for the command line (see validators.h).
#include "cli/validators.h"

#include <fmt/core.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace mqtk::cli {
namespace {

// The whole text as a finite double, or NaN when it is not a number at all.
double parse_number(const std::string& text) {
    if (text.empty()) return std::nan("");
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    if (*end != '\0' || errno == ERANGE) return std::nan("");
    return value;
}

CLI::Validator seconds(bool zero_allowed) {
    const std::string wanted = fmt::format("is not a number of seconds {} 0 and at most {:.0f}",
                                           zero_allowed ? "from" : "above", kMaxSeconds);
    return CLI::Validator(
        [zero_allowed, wanted](std::string& text) -> std::string {
            const double value = parse_number(text);
            // std::isfinite also refuses "nan" and "inf", which strtod reads happily.
            const bool ok = std::isfinite(value) && (zero_allowed ? value >= 0 : value > 0) &&
                            value <= kMaxSeconds;
            return ok ? std::string() : fmt::format("'{}' {}", text, wanted);
        },
        zero_allowed ? "NONNEGATIVE" : "POSITIVE");
}

}  // namespace

CLI::Validator positive_seconds() {
    return seconds(false);
}

CLI::Validator non_negative_seconds() {
    return seconds(true);
}

CLI::Validator positive_rate() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const double value = parse_number(text);
            if (std::isfinite(value) && value > 0) return {};
            return fmt::format("'{}' is not a number above 0", text);
        },
        "POSITIVE");
}

CLI::Validator whole_number_from(long long minimum) {
    return CLI::Validator(
        [minimum](std::string& text) -> std::string {
            char* end = nullptr;
            errno = 0;
            const long long value = std::strtoll(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || errno == ERANGE || value < minimum) {
                return fmt::format("'{}' is not a whole number of at least {}", text, minimum);
            }
            return {};
        },
        minimum > 0 ? "POSITIVE" : "NONNEGATIVE");
}

CLI::Validator random_filter_chance() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            const double value = parse_number(text);
            // mosquitto keeps tenths of a percent, and takes up to 1000 (its 100 %).
            if (std::isfinite(value) && static_cast<int>(value * 10) >= 1 && value <= 1000) {
                return {};
            }
            return fmt::format("'{}' is not a chance from 0.1 to 100 (percent)", text);
        },
        "PERCENT");
}

}  // namespace mqtk::cli
