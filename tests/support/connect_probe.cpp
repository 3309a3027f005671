// Helpers for the pub and connection integration tests (see connect_probe.h).
#include "support/connect_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace mqtk::test {
namespace {

// The message part ("New client ...") of each complete line of a timestamped log.
template <typename Visit>
void for_each_message(std::string_view log, Visit visit) {
    while (!log.empty()) {
        const auto end = log.find('\n');
        if (end == std::string_view::npos) return;  // still being written
        std::string_view line = log.substr(0, end);
        log.remove_prefix(end + 1);
        if (const auto colon = line.find(": "); colon != std::string_view::npos) {
            line.remove_prefix(colon + 2);
        }
        visit(line);
    }
}

std::string find_connect_line(std::string_view log, std::string_view client_id) {
    const std::string as = " as " + std::string(client_id) + " (";
    std::string found;
    for_each_message(log, [&](std::string_view message) {
        if (found.empty() && message.starts_with("New client connected from ") &&
            message.find(as) != std::string_view::npos) {
            found = message;
        }
    });
    return found;
}

void run_checked(std::vector<std::string> argv) {
    const std::string program = argv.front();
    const ProcessResult r = run(std::move(argv), {.timeout = std::chrono::seconds(30)});
    if (r.exit_code != 0) throw std::runtime_error(program + " failed: " + r.describe());
}

std::vector<std::string> new_ec_key(const std::string& key_file) {
    return {"-newkey", "ec",      "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes",  "-keyout", key_file};
}

void make_server_cert(const TempDir& dir, const std::string& name, int serial,
                      const std::string& subject_alt_name) {
    std::vector<std::string> request = {
        "openssl", "req", "-new", "-subj", "/CN=" + name, "-out", dir.file(name + ".csr")};
    const auto key = new_ec_key(dir.file(name + ".key"));
    request.insert(request.end(), key.begin(), key.end());
    run_checked(std::move(request));
    const std::string extensions = "basicConstraints=CA:FALSE\nsubjectAltName=" + subject_alt_name +
                                   "\nextendedKeyUsage=serverAuth\n";
    run_checked({"openssl", "x509", "-req", "-in", dir.file(name + ".csr"), "-CA",
                 dir.file("ca.crt"), "-CAkey", dir.file("ca.key"), "-set_serial",
                 std::to_string(serial), "-days", "3650", "-extfile",
                 dir.write(name + ".ext", extensions), "-out", dir.file(name + ".crt")});
}

struct ExtraTlsFiles {
    TempDir dir;  // removed when the test process exits
    ExtraTls paths;
};

ExtraTlsFiles make_extra_tls() {
    ExtraTlsFiles files;
    const TempDir& dir = files.dir;
    std::vector<std::string> ca = {"openssl",
                                   "req",
                                   "-x509",
                                   "-days",
                                   "3650",
                                   "-subj",
                                   "/CN=mqtk connection-test CA",
                                   "-out",
                                   dir.file("ca.crt"),
                                   "-addext",
                                   "basicConstraints=critical,CA:TRUE",
                                   "-addext",
                                   "keyUsage=critical,keyCertSign,cRLSign"};
    const auto key = new_ec_key(dir.file("ca.key"));
    ca.insert(ca.end(), key.begin(), key.end());
    run_checked(std::move(ca));
    make_server_cert(dir, "named", 1, "DNS:localhost,IP:127.0.0.1");
    make_server_cert(dir, "nameless", 2, "DNS:wrong.invalid");
    files.paths = {dir.file("ca.crt"), dir.file("named.crt"), dir.file("named.key"),
                   dir.file("nameless.crt"), dir.file("nameless.key")};
    return files;
}

}  // namespace

std::string show(const std::vector<std::string>& lines) {
    std::string out = "[";
    for (const auto& line : lines) {
        if (out.size() > 1) out += ", ";
        out += '"';
        for (const char c : line) {
            const auto byte = static_cast<unsigned char>(c);
            if (byte < 0x20 || byte >= 0x7f || c == '"' || c == '\\') {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
                out += escaped;
            } else {
                out += c;
            }
        }
        out += '"';
    }
    return out + "]";
}

std::vector<std::string> address_args(int port) {
    return {"-h", "127.0.0.1", "-p", std::to_string(port)};
}

bool is_one_error_line(std::string_view text) {
    return text.starts_with("mqtk: ") && text.size() > 6 && text.back() == '\n' &&
           text.find('\n') == text.size() - 1;
}

std::string wait_for_connect_line(const Broker& broker, std::string_view client_id,
                                  std::chrono::milliseconds timeout) {
    broker.wait_for_log(
        [&](std::string_view log) { return !find_connect_line(log, client_id).empty(); }, timeout);
    return find_connect_line(broker.log(), client_id);
}

int client_port_from(std::string_view connect_line) {
    constexpr std::string_view from = "from 127.0.0.1:";
    const auto at = connect_line.find(from);
    if (at == std::string_view::npos) return -1;
    return std::atoi(std::string(connect_line.substr(at + from.size())).c_str());
}

bool wait_for_client_gone(const Broker& broker, std::string_view client_id,
                          std::chrono::milliseconds timeout) {
    const std::string id(client_id);
    const std::vector<std::string> needles = {
        "Client " + id + " disconnected", "Client " + id + " closed its connection",
        "Client " + id + " has exceeded timeout", "on client " + id + ", disconnecting"};
    return broker.wait_for_log(
        [&](std::string_view log) {
            for (const auto& needle : needles) {
                if (log.find(needle) != std::string_view::npos) return true;
            }
            return false;
        },
        timeout);
}

std::vector<std::string> lines_before_fence(Observer& seen, const Broker& broker,
                                            const std::string& fence_topic,
                                            const std::string& fence_line) {
    const ProcessResult sent =
        run({"mosquitto_pub", "-h", broker.host(), "-p", std::to_string(broker.port()), "-q", "1",
             "-t", fence_topic, "-m", "FENCE"},
            {.timeout = std::chrono::seconds(20)});
    if (sent.exit_code != 0) throw std::runtime_error("fence: mosquitto_pub: " + sent.describe());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
        std::vector<std::string> lines = seen.lines();
        const auto fence = std::find_if(lines.begin(), lines.end(), [&](const std::string& line) {
            return line.starts_with(fence_line);
        });
        if (fence != lines.end()) {
            lines.erase(fence, lines.end());
            return lines;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            lines.push_back("<fence not seen>");
            return lines;
        }
        seen.lines(lines.size() + 1, std::chrono::milliseconds(100));
    }
}

std::size_t connections_accepted(const Broker& broker) {
    std::size_t count = 0;
    for_each_message(broker.log(), [&](std::string_view message) {
        if (message.starts_with("New connection from ")) ++count;
    });
    return count;
}

std::size_t connections_before_fence(const Broker& broker) {
    static int fences = 0;
    const std::string id = "connection-fence-" + std::to_string(++fences);
    const ProcessResult sent =
        run({"mosquitto_pub", "-h", broker.host(), "-p", std::to_string(broker.port()), "-i", id,
             "-t", "connection/fence", "-m", "x"},
            {.timeout = std::chrono::seconds(20)});
    if (sent.exit_code != 0) throw std::runtime_error("fence: mosquitto_pub: " + sent.describe());
    if (wait_for_connect_line(broker, id).empty()) {
        throw std::runtime_error("fence: the broker did not log " + id);
    }
    std::size_t count = 0;
    bool fence_seen = false;
    const std::string as = " as " + id + " (";
    for_each_message(broker.log(), [&](std::string_view message) {
        if (fence_seen) return;
        if (message.starts_with("New client connected from ") &&
            message.find(as) != std::string_view::npos) {
            fence_seen = true;
        } else if (message.starts_with("New connection from ")) {
            ++count;
        }
    });
    return count - 1;  // the fence's own "New connection" comes before its "New client"
}

long broker_receive_queue(int broker_port, int client_port) {
    char local[32], remote[32];
    std::snprintf(local, sizeof local, "0100007F:%04X", broker_port);
    std::snprintf(remote, sizeof remote, "0100007F:%04X", client_port);
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // header
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, from, to, state, queues;
        fields >> slot >> from >> to >> state >> queues;
        if (from == local && to == remote) {
            const auto colon = queues.find(':');
            if (colon == std::string::npos) return -1;
            return std::stol(queues.substr(colon + 1), nullptr, 16);  // tx_queue:rx_queue
        }
    }
    return -1;
}

BrokerFreeze::BrokerFreeze(const Broker& broker) : pid_(broker.pid()) {
    if (pid_ <= 0) throw std::logic_error("BrokerFreeze: the broker is not running");
    frozen_ = ::kill(pid_, SIGSTOP) == 0;
    if (!frozen_) throw std::system_error(errno, std::generic_category(), "kill(SIGSTOP)");
}

BrokerFreeze::~BrokerFreeze() {
    resume();
}

void BrokerFreeze::resume() {
    if (frozen_) ::kill(pid_, SIGCONT);
    frozen_ = false;
}

SilentServer::SilentServer() {
    const LoopbackListener listener = listen_on_free_port("SilentServer");
    fd_ = listener.fd;
    port_ = listener.port;
}

SilentServer::~SilentServer() {
    ::close(fd_);
}

const ExtraTls& extra_tls() {
    static const ExtraTlsFiles files = make_extra_tls();
    return files.paths;
}

std::string tls_listener_config(int port, const std::string& cert, const std::string& key,
                                const std::string& tls_version) {
    std::string text = "\nlistener " + std::to_string(port) + " 127.0.0.1\n" +
                       "allow_anonymous true\ncertfile " + cert + "\nkeyfile " + key + "\n";
    if (!tls_version.empty()) text += "tls_version " + tls_version + "\n";
    return text;
}

}  // namespace mqtk::test
