// mosquitto_sub as an independent witness for the integration tests (see observer.h).
#include "support/observer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>

namespace mqtk::test {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kSubscribeTimeout = 30s;

std::string unique_client_id() {
    static std::atomic<int> counter{0};
    return "mqtk-observer-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

// The client id the test chose with -i/--id, else a fresh one.
std::string client_id_from(const std::vector<std::string>& extra_args) {
    for (std::size_t i = 0; i + 1 < extra_args.size(); ++i) {
        if (extra_args[i] == "-i" || extra_args[i] == "--id") return extra_args[i + 1];
    }
    return unique_client_id();
}

std::vector<std::string> sub_argv(const Broker& broker, const std::string& client_id,
                                  const std::vector<std::string>& filters,
                                  const std::vector<std::string>& extra_args) {
    std::vector<std::string> argv = {"mosquitto_sub", "-h", broker.host(), "-p",
                                     std::to_string(broker.port())};
    const bool has_id = std::any_of(extra_args.begin(), extra_args.end(),
                                    [](const auto& a) { return a == "-i" || a == "--id"; });
    if (!has_id) argv.insert(argv.end(), {"-i", client_id});
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    for (const auto& filter : filters)
        argv.insert(argv.end(), {"-t", filter});
    return argv;
}

// mosquitto's subscribe log line: "<timestamp>: <client id> <qos> <filter>". The filter
// is matched as a suffix because a mount_point in Config::extra is logged in front of it.
bool logged_subscription(std::string_view log, const std::string& client_id,
                         const std::string& filter) {
    const std::string head = ": " + client_id + " ";
    for (auto at = log.find(head); at != std::string_view::npos; at = log.find(head, at + 1)) {
        std::string_view line = log.substr(at + head.size());
        const auto end = line.find('\n');
        if (end == std::string_view::npos) return false;  // still being written
        line = line.substr(0, end);
        const auto space = line.find(' ');
        const std::string_view qos = line.substr(0, space);
        const bool numeric = !qos.empty() && qos.find_first_not_of("0123456789") == qos.npos;
        if (numeric && space != line.npos && line.substr(space + 1).ends_with(filter)) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> complete_lines(std::string_view text) {
    std::vector<std::string> lines;
    for (auto end = text.find('\n'); end != std::string_view::npos; end = text.find('\n')) {
        lines.emplace_back(text.substr(0, end));
        text.remove_prefix(end + 1);
    }
    return lines;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument(std::string("Observer::unhex: not a hex digit: ") + c);
}

}  // namespace

Observer::Observer(const Broker& broker, std::vector<std::string> filters,
                   std::vector<std::string> extra_args)
    : client_id_(client_id_from(extra_args)),
      process_(sub_argv(broker, client_id_, filters, extra_args)) {
    wait_until_subscribed(broker, filters);
}

void Observer::wait_until_subscribed(const Broker& broker,
                                     const std::vector<std::string>& filters) {
    auto all_logged = [&](std::string_view log) {
        return std::all_of(filters.begin(), filters.end(), [&](const std::string& filter) {
            return logged_subscription(log, client_id_, filter);
        });
    };
    // In slices, to give up at once when mosquitto_sub exits (bad option, refused...).
    const auto deadline = std::chrono::steady_clock::now() + kSubscribeTimeout;
    while (std::chrono::steady_clock::now() < deadline && process_.running()) {
        if (broker.wait_for_log(all_logged, 50ms)) return;
    }
    if (broker.wait_for_log(all_logged, 0ms)) return;
    throw std::runtime_error("Observer: mosquitto_sub " + client_id_ +
                             " did not subscribe within 30 s.\nIts stderr:\n" + diagnostics() +
                             "\nBroker log:\n" + broker.log());
}

std::vector<std::string> Observer::lines(std::size_t at_least, std::chrono::milliseconds timeout) {
    if (at_least > 0) {
        process_.wait_until(
            [at_least](std::string_view out, std::string_view) {
                return static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n')) >=
                       at_least;
            },
            timeout);
    }
    return complete_lines(process_.stdout_so_far());
}

std::string Observer::raw(std::size_t at_least_bytes, std::chrono::milliseconds timeout) {
    if (at_least_bytes > 0) {
        process_.wait_until(
            [at_least_bytes](std::string_view out, std::string_view) {
                return out.size() >= at_least_bytes;
            },
            timeout);
    }
    return process_.stdout_so_far();
}

ProcessResult Observer::wait(std::chrono::milliseconds timeout) {
    return process_.wait(timeout);
}

std::string Observer::diagnostics() const {
    return process_.stderr_so_far();
}

std::string Observer::unhex(std::string_view hex) {
    if (hex.size() % 2 != 0) throw std::invalid_argument("Observer::unhex: odd length");
    std::string bytes;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        bytes.push_back(static_cast<char>(hex_digit(hex[i]) * 16 + hex_digit(hex[i + 1])));
    }
    return bytes;
}

}  // namespace mqtk::test
