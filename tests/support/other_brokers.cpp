// Aedes and RabbitMQ for the interoperability tests (see other_brokers.h).
#include "support/other_brokers.h"

#include <dirent.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mqtk::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* kRabbitServer = "/usr/sbin/rabbitmq-server";
constexpr const char* kRabbitCtl = "/usr/sbin/rabbitmqctl";
constexpr std::string_view kRabbitDirPrefix = "mqtk-rabbitmq-";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& path, const std::string& contents) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path);
}

// The socket inode of a listener on 127.0.0.1:port, from /proc/net/tcp; "" when none.
// Read rather than probed with connect(), like Broker does.
std::string loopback_listener_inode(int port) {
    char wanted[16];
    std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // header
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
            timeout >> inode;
        if (local == wanted && state == "0A") return inode;  // 0A: LISTEN
    }
    return {};
}

bool listening_on_loopback(int port) {
    return !loopback_listener_inode(port).empty();
}

// The process that holds the listening socket on 127.0.0.1:port, or -1.
pid_t loopback_listener_pid(int port) {
    const std::string inode = loopback_listener_inode(port);
    if (inode.empty()) return -1;
    const std::string target = "socket:[" + inode + "]";
    std::error_code ec;
    for (const auto& proc : fs::directory_iterator("/proc", ec)) {
        const std::string name = proc.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::error_code fd_ec;
        for (const auto& fd : fs::directory_iterator(proc.path() / "fd", fd_ec)) {
            std::error_code link_ec;
            if (fs::read_symlink(fd.path(), link_ec).string() == target) {
                return static_cast<pid_t>(std::atol(name.c_str()));
            }
        }
    }
    return -1;
}

std::string command_line(pid_t pid) {
    std::string text = read_file("/proc/" + std::to_string(pid) + "/cmdline");
    for (char& c : text)
        if (c == '\0') c = ' ';
    return text;
}

bool alive(pid_t pid) {
    return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH);
}

// Waits until pid is gone (it need not be our child: beam and epmd are not).
bool wait_gone(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (alive(pid)) {
        // A zombie counts as gone: its parent (init) reaps it in its own time.
        const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
        const auto close = stat.rfind(')');
        if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z') {
            return true;
        }
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
    return true;
}

// Ends a node's beam and epmd, identified by the epmd port that both carry: beam has it
// on its command line (-epmd_port N), epmd listens on it.
void kill_node_processes(const std::string& dir, int epmd_port) {
    const std::string pid_text = read_file(dir + "/rabbitmq.pid");
    const pid_t beam = static_cast<pid_t>(std::atol(pid_text.c_str()));
    if (alive(beam) && epmd_port > 0 &&
        command_line(beam).find("-epmd_port " + std::to_string(epmd_port) + " ") !=
            std::string::npos) {
        ::kill(beam, SIGKILL);
        wait_gone(beam, 5s);
    }
    if (epmd_port > 0) {
        const pid_t epmd = loopback_listener_pid(epmd_port);
        if (epmd > 0 && command_line(epmd).find("epmd") != std::string::npos) {
            ::kill(epmd, SIGKILL);
            wait_gone(epmd, 5s);
        }
    }
}

// Nodes (and their folders) of test processes that were killed before their
// RabbitBroker stopped: beam and epmd outlive the test process, as they run under other
// parents (su, then init).
void remove_stale_rabbit_nodes() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/tmp", ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(kRabbitDirPrefix)) continue;
        const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + kRabbitDirPrefix.size()));
        if (owner <= 0 || alive(owner)) continue;
        const std::string dir = entry.path().string();
        kill_node_processes(dir, std::atoi(read_file(dir + "/epmd.port").c_str()));
        fs::remove_all(entry.path(), ec);
    }
}

void chown_to_rabbitmq(const std::string& path) {
    const passwd* user = ::getpwnam("rabbitmq");
    if (user == nullptr) {
        throw std::runtime_error(
            "RabbitBroker: no rabbitmq user; install rabbitmq-server (scripts/setup.sh)");
    }
    if (::chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
        throw std::runtime_error("RabbitBroker: cannot chown " + path);
    }
}

std::string package_version(const std::string& package) {
    const ProcessResult r = run({"dpkg-query", "-W", "-f=${Version}", package}, {.timeout = 10s});
    return r.exit_code == 0 ? r.out : "not installed";
}

}  // namespace

// --- npm packages ---------------------------------------------------------------------------

std::string interop_support_dir() {
    return (fs::path(__FILE__).parent_path() / "interop").string();
}

const std::string& interop_npm_dir() {
    static const std::string dir = [] {
        const ProcessResult r =
            run({"bash", interop_support_dir() + "/install.sh"}, {.timeout = 300s});
        if (r.exit_code != 0) {
            throw std::runtime_error(
                "tests/support/interop/install.sh failed (node and npm come with "
                "scripts/setup.sh): " +
                r.describe());
        }
        std::string out = r.out;
        while (!out.empty() && out.back() == '\n')
            out.pop_back();
        return out.substr(out.rfind('\n') + 1);
    }();
    return dir;
}

// --- Aedes ----------------------------------------------------------------------------------

AedesBroker::AedesBroker() {
    const std::string& npm = interop_npm_dir();
    for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = free_port();
        process_ = std::make_unique<Process>(
            std::vector<std::string>{"node", npm + "/aedes_broker.mjs", std::to_string(port_)},
            RunOptions{.cwd = npm});
        const bool said = process_->wait_for_output("listening on 127.0.0.1:", 10s);
        const auto deadline = Clock::now() + 2s;
        while (said && !listening_on_loopback(port_) && Clock::now() < deadline)
            std::this_thread::sleep_for(5ms);
        if (said && listening_on_loopback(port_)) return;
        const bool taken = process_->stderr_so_far().find("EADDRINUSE") != std::string::npos;
        stop();
        if (!taken) break;
    }
    throw std::runtime_error("AedesBroker: node did not listen on 127.0.0.1:" +
                             std::to_string(port_) + " within 10 s:\n" + log());
}

AedesBroker::~AedesBroker() {
    stop();
}

void AedesBroker::stop() {
    if (!process_) return;
    process_->send_signal(SIGTERM);
    const ProcessResult r = process_->wait(5s);
    previous_log_ += r.out + r.err;
    process_.reset();
}

bool AedesBroker::running() const {
    return process_ && process_->running();
}

std::string AedesBroker::log() const {
    return previous_log_ + (process_ ? process_->stdout_so_far() + process_->stderr_so_far() : "");
}

std::string AedesBroker::version() {
    const auto manifest = nlohmann::json::parse(
        read_file(interop_npm_dir() + "/node_modules/aedes/package.json"), nullptr, false);
    return manifest.is_object() ? manifest.value("version", "unknown") : "unknown";
}

// --- RabbitMQ -------------------------------------------------------------------------------

RabbitBroker& RabbitBroker::shared() {
    // A node that failed to start is not tried again by every test case after it.
    static std::string failure;
    if (!failure.empty()) throw std::runtime_error(failure);
    try {
        static RabbitBroker broker;
        return broker;
    } catch (const std::exception& error) {
        failure = error.what();
        throw;
    }
}

RabbitBroker::RabbitBroker() {
    if (::access(kRabbitServer, X_OK) != 0) {
        throw std::runtime_error(std::string("RabbitBroker: no ") + kRabbitServer +
                                 "; install rabbitmq-server (scripts/setup.sh)");
    }
    static std::once_flag swept;
    std::call_once(swept, remove_stale_rabbit_nodes);

    static int instances = 0;
    node_name_ =
        "mqtk-" + std::to_string(::getpid()) + "-" + std::to_string(++instances) + "@localhost";
    std::string pattern =
        "/tmp/" + std::string(kRabbitDirPrefix) + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    mqtt_port_ = free_port();
    amqp_port_ = free_port();
    dist_port_ = free_port();
    ctl_dist_port_ = free_port();
    epmd_port_ = free_port();
    write_config();

    process_ = std::make_unique<Process>(std::vector<std::string>{kRabbitServer},
                                         RunOptions{.env = environment(), .cwd = dir_});
    if (!wait_until_listening()) {
        const std::string what =
            "RabbitBroker: MQTT did not listen on 127.0.0.1:" + std::to_string(mqtt_port_) +
            " within 60 s. Log:\n" + log();
        stop();
        throw std::runtime_error(what);
    }
}

RabbitBroker::~RabbitBroker() {
    stop();
}

// Everything through the environment (RabbitMQ's start scripts read it), plus a
// private epmd port and a fixed port for rabbitmqctl's own Erlang node, so that nodes
// of parallel test processes never meet and nothing listens beyond 127.0.0.1.
std::vector<std::pair<std::string, std::string>> RabbitBroker::environment() const {
    const std::string loopback_only = "-kernel inet_dist_use_interface {127,0,0,1}";
    return {
        {"RABBITMQ_CONFIG_FILE", dir_ + "/rabbitmq"},
        {"RABBITMQ_ENABLED_PLUGINS_FILE", dir_ + "/enabled_plugins"},
        {"RABBITMQ_MNESIA_BASE", dir_ + "/mnesia"},
        {"RABBITMQ_LOG_BASE", dir_ + "/log"},
        {"RABBITMQ_PID_FILE", dir_ + "/rabbitmq.pid"},
        {"RABBITMQ_NODENAME", node_name_},
        {"ERL_EPMD_ADDRESS", "127.0.0.1"},
        {"ERL_EPMD_PORT", std::to_string(epmd_port_)},
        {"RABBITMQ_DIST_PORT", std::to_string(dist_port_)},
        {"RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", loopback_only},
        {"RABBITMQ_CTL_ERL_ARGS", loopback_only},
        {"RABBITMQ_CTL_DIST_PORT_MIN", std::to_string(ctl_dist_port_)},
        {"RABBITMQ_CTL_DIST_PORT_MAX", std::to_string(ctl_dist_port_)},
    };
}

void RabbitBroker::write_config() const {
    const std::string loopback = "127.0.0.1:";
    write_file(dir_ + "/rabbitmq.conf",
               "# mqtk interoperability-test node, generated by tests/support/other_brokers.cpp\n"
               "listeners.tcp.default = " +
                   loopback + std::to_string(amqp_port_) +
                   "\n"
                   "mqtt.listeners.tcp.default = " +
                   loopback + std::to_string(mqtt_port_) +
                   "\n"
                   "mqtt.allow_anonymous = true\n");
    write_file(dir_ + "/enabled_plugins", "[rabbitmq_mqtt].\n");
    write_file(dir_ + "/epmd.port", std::to_string(epmd_port_));  // for the stale sweep
    // The server switches to the rabbitmq user, which must own its folder.
    for (const char* name : {"", "/rabbitmq.conf", "/enabled_plugins", "/epmd.port"})
        chown_to_rabbitmq(dir_ + name);
}

bool RabbitBroker::wait_until_listening() {
    const auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline && process_->running()) {
        if (listening_on_loopback(mqtt_port_) &&
            process_->stdout_so_far().find("completed with") != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

void RabbitBroker::stop() {
    if (dir_.empty()) return;
    if (process_ && process_->running()) {
        run({kRabbitCtl, "shutdown"}, {.timeout = 30s, .env = environment()});
    }
    if (process_) {
        process_->wait(10s);  // the start script ends with the node
        process_.reset();
    }
    // Whatever rabbitmqctl left: the node itself if it did not stop, and always its epmd.
    kill_node_processes(dir_, epmd_port_);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    dir_.clear();
}

bool RabbitBroker::running() const {
    return process_ && process_->running();
}

std::string RabbitBroker::log() const {
    std::string text = process_ ? process_->stdout_so_far() + process_->stderr_so_far() : "";
    if (!dir_.empty()) text += read_file(dir_ + "/log/" + node_name_ + ".log");
    return text;
}

std::string RabbitBroker::version() {
    return package_version("rabbitmq-server");
}

}  // namespace mqtk::test
