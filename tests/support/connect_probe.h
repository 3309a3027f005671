// Helpers for the pub and connection integration tests (pub_test.cpp, connection_test.cpp):
// what the broker saw of a client (its CONNECT as mosquitto logs it, the end of its
// connection, bytes it sent that the broker has not read yet), freezing the broker, a TCP
// server that never answers, and TLS certificates the Broker fixture does not make.
//
// Everything here observes the broker or the kernel, never mqtk's own report.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "support/broker.h"
#include "support/observer.h"
#include "support/process.h"

namespace mqtk::test {

// Lines for a failure message: ["a", "b\x01"] (non-printable bytes as \xNN).
std::string show(const std::vector<std::string>& lines);

// Compares a list of lines (a std::vector<std::string>) and shows both sides when they
// differ. For doctest test cases.
#define CHECK_LINES(actual, ...)                                                               \
    do {                                                                                       \
        const std::vector<std::string> actual_lines_ = (actual);                               \
        const std::vector<std::string> expected_lines_ = std::vector<std::string> __VA_ARGS__; \
        INFO("got:      " << mqtk::test::show(actual_lines_));                                 \
        INFO("expected: " << mqtk::test::show(expected_lines_));                               \
        CHECK(actual_lines_ == expected_lines_);                                               \
    } while (false)

// {"-h", "127.0.0.1", "-p", "<port>"}.
std::vector<std::string> address_args(int port);

// True when text is exactly one line "mqtk: ...\n" (the contract's error line).
bool is_one_error_line(std::string_view text);

// mosquitto's notice for an accepted CONNECT, e.g.
//   "New client connected from 127.0.0.1:40312 as myid (p2, c1, k60, u'alice')."
// That line (without its timestamp) once logged for client_id, else "" at the timeout.
std::string wait_for_connect_line(const Broker& broker, std::string_view client_id,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The client's source port in a connect line, or -1.
int client_port_from(std::string_view connect_line);

// True once mosquitto has logged the end of client_id's connection (DISCONNECT, closed
// socket or error): every packet it sent before has been processed by then.
bool wait_for_client_gone(const Broker& broker, std::string_view client_id,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

// What `seen` printed before a fence: publishes the payload "FENCE" to fence_topic with
// mosquitto_pub (QoS 1), waits until seen prints fence_line (how its format renders that
// message) and returns the lines before it. Call it once the messages under test have
// been processed (see wait_for_client_gone): what did not arrive by then never will.
// When the fence never shows, returns every line plus "<fence not seen>".
std::vector<std::string> lines_before_fence(Observer& seen, const Broker& broker,
                                            const std::string& fence_topic,
                                            const std::string& fence_line);

// "New connection from" lines in the broker's log: TCP connections it accepted.
std::size_t connections_accepted(const Broker& broker);

// The TCP connections the broker accepted before this call: connects a mosquitto_pub,
// waits until the broker logged it, and counts the connections logged before it. For
// checking that a command made no connection attempt at all.
std::size_t connections_before_fence(const Broker& broker);

// Bytes waiting in the receive queue of the broker's socket for the connection
// 127.0.0.1:client_port -> 127.0.0.1:broker_port (from /proc/net/tcp), or -1 if none.
long broker_receive_queue(int broker_port, int client_port);

// SIGSTOP to the broker for the lifetime of this object (SIGCONT in the destructor, or
// earlier with resume()): meanwhile it reads nothing and acknowledges nothing.
class BrokerFreeze {
  public:
    explicit BrokerFreeze(const Broker& broker);
    ~BrokerFreeze();
    BrokerFreeze(const BrokerFreeze&) = delete;
    BrokerFreeze& operator=(const BrokerFreeze&) = delete;
    void resume();

  private:
    pid_t pid_;
    bool frozen_ = false;
};

// A TCP socket on 127.0.0.1 that listens but never accepts: the kernel completes the
// handshake, and then nothing ever answers (a broker hanging before CONNACK).
class SilentServer {
  public:
    SilentServer();
    ~SilentServer();
    SilentServer(const SilentServer&) = delete;
    SilentServer& operator=(const SilentServer&) = delete;
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = -1;
};

// A CA of its own with two server certificates, made once per test process:
//   named     SAN DNS:localhost, IP:127.0.0.1: verifies when connecting to 127.0.0.1
//   nameless  SAN DNS:wrong.invalid only: the chain verifies, the host name never does
struct ExtraTls {
    std::string ca_file;
    std::string named_cert, named_key;
    std::string nameless_cert, nameless_key;
};
const ExtraTls& extra_tls();

// Text for Broker::Config::extra: an anonymous TLS listener on 127.0.0.1:port with the
// given certificate and key, restricted to tls_version (e.g. "tlsv1.2") unless empty.
std::string tls_listener_config(int port, const std::string& cert, const std::string& key,
                                const std::string& tls_version = {});

}  // namespace mqtk::test
