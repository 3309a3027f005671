// A private mosquitto 2.0 broker for one integration test (see broker.h).
#include "support/broker.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace mqtk::test {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

constexpr const char* kMosquitto = "/usr/sbin/mosquitto";
// Generous: they only bound the failure case, and a loaded machine (parallel sanitizer
// builds) can take seconds to start or stop a mosquitto.
constexpr milliseconds kStartTimeout = 30s;
constexpr milliseconds kStopTimeout = 30s;

// Runs a helper program (openssl, mosquitto_passwd) that must succeed.
void run_checked(std::vector<std::string> argv) {
    const std::string program = argv.front();
    const ProcessResult r = run(std::move(argv), {.timeout = 30s});
    if (r.exit_code != 0) throw std::runtime_error(program + " failed: " + r.describe());
}

// EC P-256 keys: generated in milliseconds, where RSA takes a noticeable fraction of a
// second per key, and every TLS library involved (OpenSSL via mosquitto and Paho) takes them.
void add_new_key_args(std::vector<std::string>& argv, const std::string& key_file) {
    argv.insert(argv.end(), {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                             "-keyout", key_file});
}

// A self-signed CA: DIR/name.crt and DIR/name.key.
void make_ca(const TempDir& dir, const std::string& name, const std::string& common_name) {
    const std::string subject = "/CN=" + common_name;
    std::vector<std::string> argv = {"openssl", "req",  "-x509",
                                     "-days",   "3650", "-subj",
                                     subject,   "-out", dir.file(name + ".crt")};
    argv.insert(argv.end(), {"-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                             "keyUsage=critical,keyCertSign,cRLSign"});
    add_new_key_args(argv, dir.file(name + ".key"));
    run_checked(std::move(argv));
}

// A certificate signed by DIR/ca: DIR/name.crt and DIR/name.key, with the given
// X.509v3 extensions (one per line, openssl config syntax).
void make_leaf(const TempDir& dir, const std::string& name, const std::string& common_name,
               int serial, const std::string& extensions) {
    std::vector<std::string> request = {
        "openssl", "req", "-new", "-subj", "/CN=" + common_name, "-out", dir.file(name + ".csr")};
    add_new_key_args(request, dir.file(name + ".key"));
    run_checked(std::move(request));
    run_checked({"openssl", "x509", "-req", "-in", dir.file(name + ".csr"), "-CA",
                 dir.file("ca.crt"), "-CAkey", dir.file("ca.key"), "-set_serial",
                 std::to_string(serial), "-days", "3650", "-extfile",
                 dir.write(name + ".ext", extensions), "-out", dir.file(name + ".crt")});
}

struct TlsMaterial {
    TempDir dir;  // removed when the test process exits
};

TlsMaterial make_tls_material() {
    TlsMaterial m;
    make_ca(m.dir, "ca", "mqtk test CA");
    make_ca(m.dir, "other-ca", "mqtk unrelated CA");
    make_leaf(m.dir, "server", "localhost", 1,
              "basicConstraints=CA:FALSE\n"
              "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
              "extendedKeyUsage=serverAuth\n");
    make_leaf(m.dir, "client", "mqtk-test-client", 2,
              "basicConstraints=CA:FALSE\n"
              "extendedKeyUsage=clientAuth\n");
    return m;
}

// Made once per test process: openssl is the slow part of starting a TLS broker.
const TempDir& tls_dir() {
    static const TlsMaterial material = make_tls_material();
    return material.dir;
}

const std::string& password_file() {
    struct PasswordFile {
        TempDir dir;
        std::string path = dir.file("passwords");
    };
    static const PasswordFile file = [] {
        PasswordFile f;
        run_checked({"mosquitto_passwd", "-b", "-c", f.path, Broker::kUser, Broker::kPassword});
        return f;
    }();
    return file.path;
}

// Whether a socket listens on 127.0.0.1:port, read from /proc/net/tcp rather than probed
// with connect(): in mosquitto 2.0.11 a connection closed before CONNECT frees a
// max_connections slot it never took, so every probe would loosen that limit by one.
bool listening_on_loopback(int port) {
    char wanted[16];
    std::snprintf(wanted, sizeof wanted, "0100007F:%04X", port);
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // header
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        if (local == wanted && state == "0A") return true;  // 0A: LISTEN
    }
    return false;
}

// mosquitto logs "mosquitto version X running" once every listener is open.
bool logged_running(std::string_view log) {
    return log.find(" running\n") != std::string_view::npos;
}

int require(int port, const char* what) {
    if (port < 0) {
        throw std::logic_error(std::string("Broker: no ") + what +
                               " listener; enable it in Broker::Config");
    }
    return port;
}

std::string listener_line(int port) {
    return "\nlistener " + std::to_string(port) + " 127.0.0.1\n";
}

std::string tls_lines() {
    const TempDir& tls = tls_dir();
    return "cafile " + tls.file("ca.crt") + "\ncertfile " + tls.file("server.crt") + "\nkeyfile " +
           tls.file("server.key") + "\n";
}

// A websockets listener binds every address unless told the socket domain.
constexpr const char* kWebsocketsLines = "protocol websockets\nsocket_domain ipv4\n";

}  // namespace

Broker::Broker() : Broker(Config{}) {}

Broker::Broker(Config config) : config_(std::move(config)) {
    if (config_.websockets && !websockets_supported()) {
        throw std::runtime_error("Broker: this mosquitto has no WebSockets support");
    }
    if (config_.persistence) std::filesystem::create_directory(persistence_dir());
    // Another program may grab a checked port before mosquitto binds it (our own test
    // processes can't, see free_port()); then start over with fresh ports.
    for (int attempt = 0; attempt < 3; ++attempt) {
        pick_ports();
        write_config();
        if (launch()) return;
    }
    throw std::runtime_error("Broker: mosquitto could not bind its ports 3 times:\n" + log());
}

Broker::~Broker() {
    stop();
}

void Broker::pick_ports() {
    port_ = free_port();
    password_port_ = config_.password ? free_port() : -1;
    tls_port_ = config_.tls ? free_port() : -1;
    mtls_port_ = config_.tls ? free_port() : -1;
    ws_port_ = config_.websockets ? free_port() : -1;
    wss_port_ = config_.websockets && config_.tls ? free_port() : -1;
}

std::vector<int> Broker::listener_ports() const {
    std::vector<int> ports;
    for (int p : {port_, password_port_, tls_port_, mtls_port_, ws_port_, wss_port_}) {
        if (p >= 0) ports.push_back(p);
    }
    return ports;
}

std::string Broker::config_text() const {
    std::ostringstream c;
    c << "# mqtk integration-test broker, generated by tests/support/broker.cpp\n"
      // Root-owned temp files stay readable, and the persistence dir writable.
      << "user root\n"
      // Anonymous and password listeners side by side need per-listener security.
      << "per_listener_settings true\n"
      << "log_dest stderr\n"
      << "log_timestamp true\n";
    // subscribe lines let Observer know when its subscriptions are active.
    for (const char* type :
         {"error", "warning", "notice", "information", "subscribe", "unsubscribe"}) {
        c << "log_type " << type << "\n";
    }
    c << "set_tcp_nodelay " << (config_.tcp_nodelay ? "true" : "false") << "\n";
    if (config_.persistence) {
        // mosquitto appends the file name to the location: the trailing '/' is needed.
        c << "persistence true\npersistence_location " << persistence_dir() << "/\n";
    } else {
        c << "persistence false\n";
    }
    if (config_.password) {
        c << listener_line(password_port_) << "allow_anonymous false\npassword_file "
          << password_file() << "\n";
    }
    if (config_.tls) {
        c << listener_line(tls_port_) << tls_lines() << "allow_anonymous true\n";
        c << listener_line(mtls_port_) << tls_lines()
          << "require_certificate true\nallow_anonymous true\n";
    }
    if (config_.websockets) {
        c << listener_line(ws_port_) << kWebsocketsLines << "allow_anonymous true\n";
    }
    if (config_.websockets && config_.tls) {
        c << listener_line(wss_port_) << kWebsocketsLines << tls_lines()
          << "allow_anonymous true\n";
    }
    // Last, so that `extra` continues this listener's block.
    c << listener_line(port_) << "allow_anonymous true\n";
    if (!config_.extra.empty()) c << "\n# Config::extra\n" << config_.extra << "\n";
    return c.str();
}

void Broker::write_config() const {
    dir_.write("mosquitto.conf", config_text());
}

std::string Broker::config_file() const {
    return dir_.file("mosquitto.conf");
}

std::string Broker::persistence_dir() const {
    return config_.persistence ? dir_.file("persistence") : std::string{};
}

bool Broker::launch() {
    process_ = std::make_unique<Process>(std::vector<std::string>{kMosquitto, "-c", config_file()});
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    for (;;) {
        const auto ports = listener_ports();
        if (logged_running(process_->stderr_so_far()) &&
            std::all_of(ports.begin(), ports.end(), listening_on_loopback)) {
            return true;
        }
        if (!process_->running() || std::chrono::steady_clock::now() > deadline) break;
        std::this_thread::sleep_for(2ms);
    }
    const bool port_taken =
        process_->stderr_so_far().find("Address already in use") != std::string::npos;
    stop();
    if (port_taken) return false;
    std::string ports;
    for (int p : listener_ports())
        ports += " " + std::to_string(p);
    throw std::runtime_error("Broker: mosquitto did not listen on ports" + ports +
                             " within 30 s.\nConfig " + config_file() + ":\n" + config_text() +
                             "\nLog:\n" + log());
}

void Broker::start() {
    if (running()) return;
    stop();  // collects the log of a run that ended by itself
    if (!launch()) {
        throw std::runtime_error("Broker: a port of this broker was taken meanwhile:\n" + log());
    }
}

void Broker::stop() {
    if (!process_) return;
    process_->send_signal(SIGTERM);
    const ProcessResult r = process_->wait(kStopTimeout);
    previous_logs_ += r.err + r.out;
    process_.reset();
}

void Broker::restart() {
    stop();
    start();
}

bool Broker::running() const {
    return process_ && process_->running();
}

pid_t Broker::pid() const {
    return process_ ? process_->pid() : -1;
}

int Broker::password_port() const {
    return require(password_port_, "password");
}
int Broker::tls_port() const {
    return require(tls_port_, "TLS");
}
int Broker::mtls_port() const {
    return require(mtls_port_, "mutual-TLS");
}
int Broker::ws_port() const {
    return require(ws_port_, "WebSockets");
}
int Broker::wss_port() const {
    return require(wss_port_, "WebSockets-over-TLS");
}

std::string Broker::url() const {
    return "mqtt://" + host() + ":" + std::to_string(port_);
}

std::string Broker::ca_file() {
    return tls_dir().file("ca.crt");
}
std::string Broker::client_cert() {
    return tls_dir().file("client.crt");
}
std::string Broker::client_key() {
    return tls_dir().file("client.key");
}
std::string Broker::other_ca_file() {
    return tls_dir().file("other-ca.crt");
}

bool Broker::websockets_supported() {
    // The listener code and its log message exist only in builds WITH_WEBSOCKETS; the
    // config keywords are parsed (and rejected) in every build, so they prove nothing.
    static const bool supported = [] {
        std::ifstream in(kMosquitto, std::ios::binary);
        const std::string binary{std::istreambuf_iterator<char>(in), {}};
        return binary.find("Opening websockets listen socket") != std::string::npos;
    }();
    return supported;
}

std::string Broker::log() const {
    return previous_logs_ + (process_ ? process_->stderr_so_far() + process_->stdout_so_far() : "");
}

bool Broker::wait_for_log(const std::function<bool(std::string_view)>& pred,
                          milliseconds timeout) const {
    if (!process_) return false;
    return process_->wait_until(
        [&pred](std::string_view, std::string_view err) { return pred(err); }, timeout);
}

bool Broker::wait_for_log(std::string_view needle, milliseconds timeout) const {
    return wait_for_log(
        [needle](std::string_view log) { return log.find(needle) != std::string_view::npos; },
        timeout);
}

}  // namespace mqtk::test
