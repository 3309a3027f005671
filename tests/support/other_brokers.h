// Brokers that no one here wrote, for the interoperability tests (interop_test.cpp):
// Aedes (a Node.js broker, from npm) and RabbitMQ 3.10 with its MQTT plugin (Debian's
// rabbitmq-server). Like Broker (mosquitto), each listens on 127.0.0.1 only, on ports
// from free_port(), and is stopped by PID.
//
// A missing package is an error, never a skip: the constructors throw std::runtime_error
// naming what to install (scripts/setup.sh installs all of it).
//
//   mqtk::test::AedesBroker aedes;                                  // about 0.5 s
//   auto& rabbit = mqtk::test::RabbitBroker::shared();              // about 12 s, once
//   mqtk::test::mqtk({"pub", "-p", std::to_string(aedes.port()), "-t", "t", "-m", "x"});
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/process.h"

namespace mqtk::test {

// The folder holding node_modules (Aedes, MQTT.js at the versions of
// tests/support/interop/package-lock.json) and the Node.js scripts of
// tests/support/interop. Runs tests/support/interop/install.sh the first time in a
// process (quick when the cache is complete); throws with its output when it fails.
const std::string& interop_npm_dir();
// tests/support/interop in the source tree (paho_client.py, install.sh...).
std::string interop_support_dir();

// Aedes 1.2 (npm) on 127.0.0.1, through tests/support/interop/aedes_broker.mjs. A fresh
// broker per object: no state survives stop().
class AedesBroker {
  public:
    // Installs the npm packages if needed, starts node and returns once it listens (at
    // most 10 s); throws std::runtime_error with its output otherwise.
    AedesBroker();
    ~AedesBroker();  // stop()
    AedesBroker(const AedesBroker&) = delete;
    AedesBroker& operator=(const AedesBroker&) = delete;

    // SIGTERM, up to 5 s for a clean exit, then SIGKILL. Idempotent.
    void stop();
    bool running() const;

    int port() const { return port_; }
    std::string host() const { return "127.0.0.1"; }
    // What the launcher printed: "listening on ...", then one line per client event
    // ("client ID connected", "client ID subscribed QOS FILTER", "client ID error: ...").
    std::string log() const;

    // "1.2.0", read from the installed package.
    static std::string version();

  private:
    int port_ = -1;
    std::unique_ptr<Process> process_;
    std::string previous_log_;
};

// RabbitMQ 3.10 with rabbitmq_mqtt on 127.0.0.1: MQTT on port(), AMQP on amqp_port(),
// Erlang distribution and a private epmd on further loopback ports. It takes about 12 s
// to start, so a test process starts one (shared()) and its test cases share it: use
// topics and client ids of your own. The node runs as the `rabbitmq` user in a scratch
// folder /tmp/mqtk-rabbitmq-<pid>-XXXXXX owned by that user; a node left behind by a
// test process that was killed is stopped by the next one that starts a RabbitBroker.
class RabbitBroker {
  public:
    // The test process's broker, started on first use; stopped when the process exits.
    // Throws (every time) when it could not be started.
    static RabbitBroker& shared();

    // Starts a node and returns once MQTT listens (at most 60 s); throws
    // std::runtime_error with the node's log otherwise.
    RabbitBroker();
    ~RabbitBroker();  // stop()
    RabbitBroker(const RabbitBroker&) = delete;
    RabbitBroker& operator=(const RabbitBroker&) = delete;

    // `rabbitmqctl shutdown`, then the node's epmd by PID; SIGKILL for whatever is left.
    // Removes the scratch folder. Idempotent.
    void stop();
    bool running() const;

    int port() const { return mqtt_port_; }
    int amqp_port() const { return amqp_port_; }
    std::string host() const { return "127.0.0.1"; }
    // The node's log file (and what the start script printed).
    std::string log() const;

    // "3.10.8-1.1+deb12u1", the Debian package's version.
    static std::string version();

  private:
    std::vector<std::pair<std::string, std::string>> environment() const;
    void write_config() const;
    bool wait_until_listening();

    std::string dir_;  // the scratch folder, owned by rabbitmq
    std::string node_name_;
    int mqtt_port_ = -1;
    int amqp_port_ = -1;
    int dist_port_ = -1;
    int ctl_dist_port_ = -1;
    int epmd_port_ = -1;
    std::unique_ptr<Process> process_;  // /usr/sbin/rabbitmq-server
};

}  // namespace mqtk::test
