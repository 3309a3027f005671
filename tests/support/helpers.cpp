// The shared integration test helpers (see helpers.h).
#include "support/helpers.h"

#include <doctest/doctest.h>

#include <utility>

#include "support/connect_probe.h"
#include "support/wire.h"

namespace mqtk::test {

std::string str(long long n) {
    return std::to_string(n);
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::string joined(const std::vector<std::string>& words) {
    std::string text;
    for (const auto& word : words)
        text += (text.empty() ? "" : " ") + word;
    return text;
}

bool contains(std::string_view text, std::string_view needle) {
    return text.find(needle) != std::string_view::npos;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<std::string> mqtk_argv(const std::string& command, int port,
                                   const std::vector<std::string>& args) {
    return concat(concat({mqtk_binary(), command}, address_args(port)), args);
}

ProcessResult run_mqtk(std::vector<std::string> args, RunOptions options) {
    return mqtk(std::move(args), std::move(options));
}

void check_error(const ProcessResult& r, int code) {
    INFO(r.describe());
    CHECK(r.exit_code == code);
    CHECK(r.out.empty());
    CHECK(is_one_error_line(r.err));
}

void check_success(const ProcessResult& r) {
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
}

void check_silent_success(const ProcessResult& r) {
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK(r.err.empty());
}

void inject(const Broker& broker, std::vector<std::string> args) {
    const ProcessResult r = mosquitto_pub(broker, std::move(args));
    INFO("mosquitto_pub: " << r.describe());
    REQUIRE(r.exit_code == 0);
}

}  // namespace mqtk::test
