// A private mosquitto 2.0 broker for one integration test.
//
// Each Broker runs /usr/sbin/mosquitto with a generated config in its own TempDir, with
// every listener on 127.0.0.1 only and on ports from free_port(), so tests run in
// parallel without colliding. It is stopped by PID (SIGTERM, SIGKILL fallback) when the
// Broker goes away. Certificates (a CA, a server certificate for localhost/127.0.0.1, a
// client certificate) and the password file are made once per test process and shared.
//
//   mqtk::test::Broker broker({.password = true, .tls = true});
//   auto r = mqtk::test::mqtk({"pub", "-p", std::to_string(broker.tls_port()),
//                              "--cafile", broker.ca_file(), "-t", "t", "-m", "x"});
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.h"

namespace mqtk::test {

class Broker {
  public:
    struct Config {
        bool password = false;     // adds password_port(): user kUser / kPassword required
        bool tls = false;          // adds tls_port() and mtls_port() (and wss_port())
        bool websockets = false;   // adds ws_port() (and wss_port() with tls)
        bool tcp_nodelay = true;   // set_tcp_nodelay, for latency measurements
        bool persistence = false;  // persistence in the TempDir, kept across restart()
        // Appended to the generated config right after the block of the plain listener
        // port(), so per-listener options here (acl_file, max_connections, mount_point...)
        // apply to port(); global options work too, and it may open further `listener`s.
        std::string extra;
    };

    static constexpr const char* kUser = "alice";
    static constexpr const char* kPassword = "secret";

    // Picks ports, writes the config and starts the broker (see start()).
    Broker();
    explicit Broker(Config config);
    ~Broker();  // stop()
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    // Starts mosquitto and returns once it logged "running" and every listener is in
    // LISTEN state (at most 30 s); throws std::runtime_error with the config and log
    // otherwise. Readiness is read from /proc/net/tcp, never probed with connect(): in
    // mosquitto 2.0.11 a connection closed before CONNECT frees a max_connections slot it
    // never took, so every probe would loosen that limit by one.
    void start();
    // SIGTERM, up to 30 s for a clean exit (persistence is written then), then SIGKILL.
    // Idempotent.
    void stop();
    // stop() + start(): same ports, same config, same persistence directory.
    void restart();
    bool running() const;
    pid_t pid() const;  // -1 when stopped

    // Listeners. Each throws std::logic_error when its Config flag is off.
    int port() const { return port_; }  // plain MQTT, anonymous
    int password_port() const;          // plain MQTT, kUser / kPassword only
    int tls_port() const;               // TLS with the server certificate, anonymous
    int mtls_port() const;              // TLS that requires a client certificate
    int ws_port() const;                // MQTT over WebSockets, anonymous
    int wss_port() const;               // MQTT over WebSockets over TLS (tls + websockets)

    std::string host() const { return "127.0.0.1"; }
    std::string url() const;  // "mqtt://127.0.0.1:<port()>"

    // TLS material, shared by every Broker of this test process (generated on first use).
    static std::string ca_file();      // CA that signed the server and client certificates
    static std::string client_cert();  // client certificate for mtls_port()
    static std::string client_key();
    static std::string other_ca_file();  // an unrelated CA: verification against it fails

    // Whether this mosquitto build has WebSockets support (Debian 12's has).
    static bool websockets_supported();

    // Everything mosquitto logged, over all runs of this Broker (log types: error, warning,
    // notice, information, subscribe, unsubscribe).
    std::string log() const;
    // True as soon as pred(log of the current run) holds.
    bool wait_for_log(const std::function<bool(std::string_view)>& pred,
                      std::chrono::milliseconds timeout) const;
    bool wait_for_log(std::string_view needle, std::chrono::milliseconds timeout) const;

    const Config& config() const { return config_; }
    std::string config_file() const;
    std::string persistence_dir() const;  // empty without persistence

  private:
    void pick_ports();
    void write_config() const;
    std::string config_text() const;
    std::vector<int> listener_ports() const;
    bool launch();  // false when mosquitto could not bind a port

    Config config_;
    TempDir dir_;
    int port_ = -1;
    int password_port_ = -1;
    int tls_port_ = -1;
    int mtls_port_ = -1;
    int ws_port_ = -1;
    int wss_port_ = -1;
    std::unique_ptr<Process> process_;
    std::string previous_logs_;  // logs of runs before restart()
};

}  // namespace mqtk::test
