// The echo session record: one line per session, "endpoint TAB client id TAB qos TAB
// topic". Rewritten whole through a temporary file and rename(), so a reader never sees
// half a file, under an flock() on a lock file beside it, so two echoes writing at once
// keep both lines. Whatever fails here costs one SUBSCRIBE next time, nothing more.
// Fields holding a tab or newline are not recorded. And the board's session policy
// (echo_connection()), which the record serves; it connects nothing, so the unit tests
// check it without the connection library.
#include "core/echo_session.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <vector>

namespace mqtk {
namespace {

bool recordable(const std::string& field) {
    return field.find_first_of("\t\n") == std::string::npos;
}

std::string key_prefix(const EchoSessionKey& key) {
    return key.endpoint + '\t' + key.client_id + '\t';
}

std::vector<std::string> read_lines(const std::string& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

// mkdir -p for the record's directory, private like the rest of ~/.local/state.
void make_directories(const std::string& file) {
    for (auto slash = file.find('/', 1); slash != std::string::npos;
         slash = file.find('/', slash + 1)) {
        (void)::mkdir(file.substr(0, slash).c_str(), 0700);
    }
}

void write_lines(const std::string& file, const std::vector<std::string>& lines) {
    const std::string temporary = file + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::trunc);
        if (!out) return;
        for (const auto& line : lines)
            out << line << '\n';
        if (!out.flush()) {
            (void)std::remove(temporary.c_str());
            return;
        }
    }
    if (std::rename(temporary.c_str(), file.c_str()) != 0) (void)std::remove(temporary.c_str());
}

// Holds an exclusive flock() on "<file>.lock" for its life (none if it cannot be had).
class FileLock {
  public:
    explicit FileLock(const std::string& file)
        : fd_(::open((file + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
        if (fd_ >= 0) (void)::flock(fd_, LOCK_EX);
    }
    ~FileLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

  private:
    int fd_;
};

// Every line but the one of `key`.
std::vector<std::string> others(const std::string& file, const EchoSessionKey& key) {
    std::vector<std::string> kept;
    const std::string prefix = key_prefix(key);
    for (auto& line : read_lines(file)) {
        if (!line.starts_with(prefix)) kept.push_back(std::move(line));
    }
    return kept;
}

}  // namespace

std::string echo_session_file() {
    const char* state = std::getenv("XDG_STATE_HOME");
    if (state != nullptr && state[0] == '/') return std::string(state) + "/mqtk/echo-sessions";
    const char* home = std::getenv("HOME");
    if (home != nullptr && home[0] == '/') {
        return std::string(home) + "/.local/state/mqtk/echo-sessions";
    }
    return {};
}

std::optional<EchoSubscription> remembered_subscription(const std::string& file,
                                                        const EchoSessionKey& key) {
    if (file.empty() || !recordable(key.endpoint) || !recordable(key.client_id)) {
        return std::nullopt;
    }
    const std::string prefix = key_prefix(key);
    for (const auto& line : read_lines(file)) {
        if (!line.starts_with(prefix)) continue;
        const std::string rest = line.substr(prefix.size());
        const auto tab = rest.find('\t');
        if (tab != 1 || rest[0] < '0' || rest[0] > '2') return std::nullopt;
        return EchoSubscription{rest.substr(tab + 1), rest[0] - '0'};
    }
    return std::nullopt;
}

void remember_subscription(const std::string& file, const EchoSessionKey& key,
                           const EchoSubscription& subscription) {
    if (file.empty()) return;
    make_directories(file);
    const FileLock lock(file);
    auto lines = others(file, key);
    if (recordable(key.endpoint) && recordable(key.client_id) && recordable(subscription.topic)) {
        lines.push_back(key_prefix(key) + std::to_string(subscription.qos) + '\t' +
                        subscription.topic);
    }
    if (lines.size() > kMaxSessions) lines.erase(lines.begin(), lines.end() - kMaxSessions);
    write_lines(file, lines);
}

void forget_subscription(const std::string& file, const EchoSessionKey& key) {
    if (file.empty() || !remembered_subscription(file, key)) return;
    const FileLock lock(file);
    write_lines(file, others(file, key));
}

// FNV-1a: stable across builds and machines (std::hash is neither), which an id that
// must find its session again next year needs.
std::string default_echo_client_id(std::string_view topic) {
    std::uint32_t hash = 2166136261u;
    for (const unsigned char c : topic) {
        hash = (hash ^ c) * 16777619u;
    }
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
        return fmt::format("mqtk_echo_{:08x}", hash);
    }
    return fmt::format("mqtk_echo_{}_{:08x}", host, hash);
}

ConnectOptions echo_connection(ConnectOptions connection, const EchoOptions& options) {
    connection.clean_session = options.clean;
    if (connection.client_id.empty() && connection.id_prefix.empty()) {
        connection.client_id = default_echo_client_id(options.topic);
    }
    if (connection.version == ProtocolVersion::V5 && !options.clean && !connection.session_expiry) {
        connection.session_expiry = std::numeric_limits<std::uint32_t>::max();
    }
    return connection;
}

}  // namespace mqtk
