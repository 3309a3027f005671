// Keeps Paho's receive thread turning while bench opens connections next to idle ones.
//
// Why: Paho C 1.3.12's receive thread blocks in poll() for up to one second on the
// sockets it already has (Socket_getReadySocket, timeout 1000 ms, read events only), and
// naps 100 ms when that poll finds nothing. A socket that is connecting is only looked at
// when the thread comes round again: once to send CONNECT (it has become writable) and
// once more to read CONNACK. With idle connections already open, and nothing arriving
// on them, every new connect therefore took 1 to 2 s (measured: 20 connections/s with 16
// connects in flight). A signal does not help: it ends the poll with EINTR, and that
// cycle forgets the socket it found writable.
//
// What: one extra client that subscribes to a topic of its own and publishes a tiny QoS 0
// message to it every millisecond while connects are pending. Each arrival ends the
// receive thread's poll, so a connect waits about a millisecond per step instead of a
// second. It costs ~1,000 small messages a second, only during the connect phase.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "core/options.h"

namespace mqtk {

class Client;

class PahoPacer {
  public:
    // Connects and subscribes the pacer (Error if it cannot: the run's clients would not
    // either). `client_id` must be unique on the broker; the topic is derived from it.
    PahoPacer(const ConnectOptions& connection, const std::string& client_id);
    ~PahoPacer();  // stop(), disconnect
    PahoPacer(const PahoPacer&) = delete;
    PahoPacer& operator=(const PahoPacer&) = delete;

    void start();
    void stop();

  private:
    std::unique_ptr<Client> client_;
    std::string topic_;
    std::atomic<bool> running_{false};
    std::thread thread_;
};

}  // namespace mqtk
