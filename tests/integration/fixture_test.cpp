// Proves the integration-test support library (tests/support/) before anything relies on
// it: child processes, ports, temp dirs, the private mosquitto with each of its listeners
// (checked with the real mosquitto_pub/mosquitto_sub, not mqtk), and the Observer.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"
#include "support/skip.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::Observer;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::run;
using mqtk::test::skip_test;
using mqtk::test::str;
using mqtk::test::TempDir;
using Clock = std::chrono::steady_clock;

// mosquitto_pub to the broker's host on port, with more arguments.
ProcessResult pub(int port, std::vector<std::string> args) {
    std::vector<std::string> argv = {"mosquitto_pub", "-h", "127.0.0.1", "-p", str(port)};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv), {.timeout = 10s});
}

// A pid that is neither running nor a zombie waiting to be reaped.
bool gone(pid_t pid) {
    return ::kill(pid, 0) != 0 && errno == ESRCH;
}

bool accepts_connections(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

// The local addresses (kernel hex notation) of the TCP sockets listening on port, IPv4
// and IPv6; 127.0.0.1 is "0100007F".
std::multiset<std::string> listening_addresses(int port) {
    char port_hex[8];
    std::snprintf(port_hex, sizeof port_hex, "%04X", port);
    std::multiset<std::string> found;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string slot, local, remote, state;
            fields >> slot >> local >> remote >> state;
            const auto colon = local.find(':');
            if (state == "0A" && local.substr(colon + 1) == port_hex) {
                found.insert(local.substr(0, colon));
            }
        }
    }
    return found;
}

// --- A minimal MQTT 3.1.1 over WebSocket client: mosquitto_pub has no WebSockets. ---

class WsClient {
  public:
    explicit WsClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
        timeval five_seconds{5, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    }
    ~WsClient() { ::close(fd_); }
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    // The HTTP upgrade; returns the status line.
    std::string handshake(int port) {
        send("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1:" + str(port) +
             "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Protocol: mqtt\r\n\r\n");
        while (buffer_.find("\r\n\r\n") == std::string::npos && receive()) {
        }
        const auto end = buffer_.find("\r\n\r\n");
        const std::string status = buffer_.substr(0, buffer_.find("\r\n"));
        buffer_.erase(0, end == std::string::npos ? buffer_.size() : end + 4);
        return status;
    }
    // Sends one MQTT packet in a masked binary frame (clients must mask).
    void send_packet(std::string_view packet) {
        REQUIRE(packet.size() < 126);
        const char mask[4] = {0x11, 0x22, 0x33, 0x44};
        std::string frame = {'\x82', static_cast<char>(0x80 | packet.size())};
        frame.append(mask, 4);
        for (std::size_t i = 0; i < packet.size(); ++i)
            frame += static_cast<char>(packet[i] ^ mask[i % 4]);
        send(frame);
    }
    // Receives one small binary frame (the server does not mask); returns its payload.
    std::string receive_packet() {
        while (!has_frame() && receive()) {
        }
        if (!has_frame()) return {};
        const std::size_t length = static_cast<unsigned char>(buffer_[1]) & 0x7fU;
        std::string payload = buffer_.substr(2, length);
        buffer_.erase(0, 2 + length);
        return payload;
    }
    bool connected() const { return connected_; }

  private:
    bool has_frame() const {
        return buffer_.size() >= 2 &&
               buffer_.size() >= 2 + (static_cast<unsigned char>(buffer_[1]) & 0x7fU);
    }
    void send(std::string_view data) {
        REQUIRE(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(data.size()));
    }
    bool receive() {
        char chunk[4096];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n <= 0) return false;
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    int fd_;
    bool connected_ = false;
    std::string buffer_;
};

std::string mqtt_string(std::string_view s) {
    return std::string{static_cast<char>(s.size() >> 8), static_cast<char>(s.size() & 0xff)} +
           std::string(s);
}

std::string mqtt_packet(char type, const std::string& body) {
    return std::string{type, static_cast<char>(body.size())} + body;  // body < 128 bytes
}

std::string mqtt_connect(std::string_view client_id) {
    // Protocol "MQTT" level 4, clean session, keepalive 60.
    return mqtt_packet(
        '\x10', mqtt_string("MQTT") + std::string("\x04\x02\x00\x3c", 4) + mqtt_string(client_id));
}

std::string mqtt_publish(std::string_view topic, std::string_view payload) {
    return mqtt_packet('\x30', mqtt_string(topic) + std::string(payload));
}

}  // namespace

// --- process.h ---

TEST_CASE("fixture: run captures exit code and output") {
    const ProcessResult r = run({"sh", "-c", "echo out; echo err >&2; exit 3"});
    INFO(r.describe());
    CHECK(r.exit_code == 3);
    CHECK(r.out == "out\n");
    CHECK(r.err == "err\n");
    CHECK_FALSE(r.timed_out);
}

TEST_CASE("fixture: run feeds stdin and reads large outputs without deadlock") {
    std::string big;
    for (int i = 0; big.size() < 4'000'000; ++i)
        big += "line " + str(i) + "\n";
    const ProcessResult echoed = run({"cat"}, {.stdin_data = big});
    CHECK(echoed.exit_code == 0);
    CHECK(echoed.out == big);

    // Both pipes full at once: the child writes 2 MB to stderr and stdout each.
    const ProcessResult both =
        run({"sh", "-c", "head -c 2000000 /dev/zero; head -c 2000000 /dev/zero >&2"});
    CHECK(both.out.size() == 2'000'000);
    CHECK(both.err.size() == 2'000'000);

    // A child that never reads its stdin: the rest is dropped, no SIGPIPE for us.
    const ProcessResult ignored = run({"true"}, {.stdin_data = big});
    CHECK(ignored.exit_code == 0);
}

TEST_CASE("fixture: run applies env and unset_env and cwd") {
    TempDir dir;
    const ProcessResult r =
        run({"sh", "-c", "echo \"$MQTK_FIXTURE-${HOME-unset}\"; pwd"},
            {.env = {{"MQTK_FIXTURE", "set"}}, .unset_env = {"HOME"}, .cwd = dir.path()});
    CHECK(r.out == "set-unset\n" + dir.path() + "\n");
}

TEST_CASE("fixture: run reports signals and kills on timeout") {
    SUBCASE("killed by a signal") {
        const ProcessResult r = run({"sh", "-c", "kill -9 $$"});
        CHECK(r.exit_code == 128 + SIGKILL);
        CHECK_FALSE(r.timed_out);
    }
    SUBCASE("SIGTERM at the deadline") {
        const auto start = Clock::now();
        const ProcessResult r = run({"sleep", "30"}, {.timeout = 200ms});
        CHECK(r.timed_out);
        CHECK(r.exit_code == 128 + SIGTERM);
        CHECK(Clock::now() - start < 10s);  // not the 30 s the sleep would take
    }
    SUBCASE("SIGKILL 2 s later when SIGTERM is ignored") {
        const auto start = Clock::now();
        const ProcessResult r =
            run({"sh", "-c", "trap '' TERM; exec sleep 30"}, {.timeout = 200ms});
        CHECK(r.timed_out);
        CHECK(r.exit_code == 128 + SIGKILL);
        CHECK(Clock::now() - start >= 2s);
        CHECK(Clock::now() - start < 15s);  // not the 30 s the sleep would take
    }
}

TEST_CASE("fixture: run throws when the program cannot be executed") {
    CHECK_THROWS_AS(run({"/nonexistent/program"}), std::runtime_error);
    CHECK_THROWS_AS(run({"mqtk-no-such-program-in-path"}), std::runtime_error);
    CHECK_THROWS_AS(run({"/etc/hostname"}), std::runtime_error);  // not executable
}

TEST_CASE("fixture: Process streams stdin and stdout in the background") {
    Process cat({"cat"});
    cat.write_stdin("hello\n");
    CHECK(cat.wait_for_output("hello\n", 5s));
    cat.write_stdin("world\n");
    CHECK(cat.wait_for_output("world\n", 5s));
    CHECK(cat.stdout_so_far() == "hello\nworld\n");
    CHECK_FALSE(cat.wait_for_output("never", 50ms));
    cat.close_stdin();
    const ProcessResult r = cat.wait(5s);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "hello\nworld\n");
    CHECK_FALSE(cat.running());
}

TEST_CASE("fixture: Process delivers signals and never leaves a zombie") {
    pid_t pid;
    {
        Process sleeper({"sleep", "30"});
        pid = sleeper.pid();
        CHECK(sleeper.running());
        CHECK(sleeper.send_signal(SIGINT));
        const ProcessResult r = sleeper.wait(5s);
        CHECK(r.exit_code == 128 + SIGINT);
        CHECK_FALSE(r.timed_out);
        CHECK_FALSE(sleeper.send_signal(SIGTERM));  // already reaped
    }
    CHECK(gone(pid));
    {
        Process abandoned({"sleep", "30"});
        pid = abandoned.pid();
    }  // the destructor kills and reaps
    CHECK(gone(pid));
}

TEST_CASE("fixture: free_port gives distinct bindable ports outside the ephemeral range") {
    int low = 32768, high = 60999;
    std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low >> high;
    std::set<int> ports;
    for (int i = 0; i < 20; ++i) {
        const int port = mqtk::test::free_port();
        CHECK((port < low || port > high));
        CHECK_FALSE(accepts_connections(port));
        ports.insert(port);
    }
    CHECK(ports.size() == 20);
}

TEST_CASE("fixture: TempDir is created and removed") {
    std::string path;
    {
        TempDir dir;
        path = dir.path();
        CHECK(std::filesystem::is_directory(path));
        const std::string file = dir.write("sub.txt", "data");
        CHECK(file == path + "/sub.txt");
        std::filesystem::create_directories(path + "/a/b");
        std::ofstream(path + "/a/b/c") << "x";
    }
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("fixture: mqtk() runs the binary under test") {
    CHECK(::access(mqtk::test::mqtk_binary().c_str(), X_OK) == 0);
    const ProcessResult r = mqtk::test::mqtk({"--version"});
    CHECK(r.exit_code >= 0);
    CHECK_FALSE(r.timed_out);
}

// --- broker.h and observer.h ---

TEST_CASE("fixture: broker starts and carries a round trip and stops without a trace") {
    pid_t pid;
    int port;
    std::string dir;
    {
        Broker broker;
        pid = broker.pid();
        port = broker.port();
        dir = std::filesystem::path(broker.config_file()).parent_path();
        CHECK(broker.running());
        CHECK(broker.url() == "mqtt://127.0.0.1:" + str(port));
        CHECK(broker.log().find("mosquitto version 2.0") != std::string::npos);

        Observer seen(broker, {"fixture/#"});
        const ProcessResult r = pub(port, {"-t", "fixture/a", "-m", "hello"});
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(seen.lines(1, 5s) == std::vector<std::string>{"fixture/a hello"});

        broker.stop();
        CHECK_FALSE(broker.running());
        CHECK(gone(pid));
        CHECK_FALSE(accepts_connections(port));
        broker.stop();  // idempotent
    }
    CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("fixture: every listener binds 127.0.0.1 only") {
    Broker broker({.password = true, .tls = true, .websockets = Broker::websockets_supported()});
    std::vector<int> ports = {broker.port(), broker.password_port(), broker.tls_port(),
                              broker.mtls_port()};
    if (Broker::websockets_supported()) {
        ports.push_back(broker.ws_port());
        ports.push_back(broker.wss_port());
    }
    for (int port : ports) {
        INFO("port " << port);
        CHECK(listening_addresses(port) == std::multiset<std::string>{"0100007F"});
    }
    CHECK_THROWS_AS(Broker().tls_port(), std::logic_error);
}

TEST_CASE("fixture: password listener accepts alice and refuses others") {
    Broker broker({.password = true});
    Observer seen(broker, {"secret/#"});
    const ProcessResult ok =
        pub(broker.password_port(),
            {"-u", Broker::kUser, "-P", Broker::kPassword, "-t", "secret/a", "-m", "1"});
    INFO(ok.describe());
    CHECK(ok.exit_code == 0);
    CHECK(pub(broker.password_port(), {"-t", "secret/b", "-m", "2"}).exit_code != 0);
    CHECK(pub(broker.password_port(),
              {"-u", Broker::kUser, "-P", "wrong", "-t", "secret/c", "-m", "3"})
              .exit_code != 0);
    CHECK(seen.lines(1, 5s) == std::vector<std::string>{"secret/a 1"});
    CHECK(seen.lines(2, 300ms).size() == 1);  // nothing else got through
}

TEST_CASE("fixture: TLS listener is verified with the test CA") {
    Broker broker({.tls = true});
    Observer seen(broker, {"tls/#"});
    const ProcessResult by_ip =
        pub(broker.tls_port(), {"--cafile", Broker::ca_file(), "-t", "tls/ip", "-m", "1"});
    INFO(by_ip.describe());
    CHECK(by_ip.exit_code == 0);
    const ProcessResult by_name =
        run({"mosquitto_pub", "-h", "localhost", "-p", str(broker.tls_port()), "--cafile",
             Broker::ca_file(), "-t", "tls/name", "-m", "2"});
    INFO(by_name.describe());
    CHECK(by_name.exit_code == 0);
    CHECK(pub(broker.tls_port(), {"--cafile", Broker::other_ca_file(), "-t", "tls/x", "-m", "3"})
              .exit_code != 0);
    CHECK(seen.lines(2, 5s) == std::vector<std::string>{"tls/ip 1", "tls/name 2"});
}

TEST_CASE("fixture: mTLS listener requires the client certificate") {
    Broker broker({.tls = true});
    Observer seen(broker, {"mtls/#"});
    const ProcessResult ok =
        pub(broker.mtls_port(), {"--cafile", Broker::ca_file(), "--cert", Broker::client_cert(),
                                 "--key", Broker::client_key(), "-t", "mtls/a", "-m", "1"});
    INFO(ok.describe());
    CHECK(ok.exit_code == 0);
    CHECK(pub(broker.mtls_port(), {"--cafile", Broker::ca_file(), "-t", "mtls/b", "-m", "2"})
              .exit_code != 0);
    CHECK(seen.lines(1, 5s) == std::vector<std::string>{"mtls/a 1"});
}

TEST_CASE("fixture: websockets listeners carry MQTT") {
    if (!Broker::websockets_supported()) {
        skip_test("this mosquitto has no WebSockets support");
        return;
    }
    Broker broker({.tls = true, .websockets = true});
    Observer seen(broker, {"ws/#"});

    WsClient ws(broker.ws_port());
    REQUIRE(ws.connected());
    CHECK(ws.handshake(broker.ws_port()) == "HTTP/1.1 101 Switching Protocols");
    ws.send_packet(mqtt_connect("fixture-ws"));
    CHECK(ws.receive_packet() == std::string("\x20\x02\x00\x00", 4));  // CONNACK accepted
    ws.send_packet(mqtt_publish("ws/plain", "over websockets"));
    ws.send_packet(std::string("\xe0\x00", 2));  // DISCONNECT
    CHECK(seen.lines(1, 5s) == std::vector<std::string>{"ws/plain over websockets"});

    // wss: the TLS handshake (verified against the test CA and IP SAN) and the upgrade.
    Process tls({"openssl", "s_client", "-connect", "127.0.0.1:" + str(broker.wss_port()),
                 "-CAfile", Broker::ca_file(), "-verify_return_error", "-verify_ip", "127.0.0.1",
                 "-quiet"});
    tls.write_stdin(
        "GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");
    INFO(tls.stderr_so_far());
    CHECK(tls.wait_for_output("HTTP/1.1 101 Switching Protocols", 5s));
}

TEST_CASE("fixture: restart keeps ports and config and persistence") {
    Broker broker({.password = true, .persistence = true});
    const int port = broker.port();
    const int password_port = broker.password_port();
    const pid_t first_pid = broker.pid();
    REQUIRE(pub(port, {"-q", "1", "-r", "-t", "kept", "-m", "retained across restart"}).exit_code ==
            0);

    broker.restart();
    CHECK(broker.running());
    CHECK(broker.pid() != first_pid);
    CHECK(gone(first_pid));
    CHECK(broker.port() == port);
    CHECK(broker.password_port() == password_port);
    const ProcessResult r = run(
        {"mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", "kept", "-C", "1", "-W", "5"});
    INFO(r.describe());
    CHECK(r.out == "retained across restart\n");
    // The log spans both runs.
    const std::string log = broker.log();
    CHECK(log.find("terminating") != std::string::npos);
    CHECK(log.find("running") != log.rfind("running"));
}

TEST_CASE("fixture: Config::extra continues the plain listener's block") {
    Broker broker({.extra = "max_connections 1"});
    Observer first(broker, {"x"});  // takes the only connection
    const ProcessResult second = pub(broker.port(), {"-t", "x", "-m", "1"});
    CHECK(second.exit_code != 0);
}

TEST_CASE("fixture: Observer output is byte exact") {
    Broker broker;
    TempDir dir;
    const std::string payload("bin\0ary\n\xff\x01 end", 14);
    const std::string file = dir.write("payload", payload);

    SUBCASE("-N and raw()") {
        Observer seen(broker, {"bin"}, {"-N"});
        REQUIRE(pub(broker.port(), {"-t", "bin", "-f", file}).exit_code == 0);
        CHECK(seen.raw(payload.size(), 5s) == payload);
    }
    SUBCASE("-F %x and unhex()") {
        Observer seen(broker, {"bin"}, {"-F", "%x"});
        REQUIRE(pub(broker.port(), {"-t", "bin", "-f", file}).exit_code == 0);
        REQUIRE(pub(broker.port(), {"-t", "bin", "-m", "second"}).exit_code == 0);
        const auto lines = seen.lines(2, 5s);
        REQUIRE(lines.size() == 2);
        CHECK(Observer::unhex(lines[0]) == payload);
        CHECK(Observer::unhex(lines[1]) == "second");
    }
}

TEST_CASE("fixture: Observer counts only the test's messages") {
    Broker broker;
    Observer seen(broker, {"count/a", "count/b"}, {"-v", "-C", "2"});
    REQUIRE(pub(broker.port(), {"-t", "count/a", "-m", "1"}).exit_code == 0);
    REQUIRE(pub(broker.port(), {"-t", "count/b", "-m", "2"}).exit_code == 0);
    const ProcessResult r = seen.wait(5s);
    CHECK(r.exit_code == 0);
    CHECK(seen.lines() == std::vector<std::string>{"count/a 1", "count/b 2"});
}

TEST_CASE("fixture: Observer fails clearly when it cannot subscribe") {
    Broker broker;
    const auto start = Clock::now();
    // mosquitto_sub exits at once on a bad option; the Observer must not wait the 30 s
    // it allows for subscribing.
    CHECK_THROWS_WITH_AS(Observer(broker, {"t"}, {"--no-such-option"}),
                         doctest::Contains("did not subscribe"), std::runtime_error);
    CHECK(Clock::now() - start < 10s);
}
