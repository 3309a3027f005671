// The --metrics endpoint: an HTTP server on its own thread answering GET /metrics with the
// Prometheus page of a LiveHub's figures (core/live/prometheus.h). It binds when built, so
// that a port in use or a bad address is a usage error before any broker connection, and
// starts answering on start(). A scrape only calls LiveHub::figures() and renders outside
// any lock of the engine: it never waits on the message path, nor the message path on it.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "core/live.h"
#include "core/live/metrics_address.h"

namespace httplib {
class Server;
}

namespace mqtk {

class MetricsEndpoint {
  public:
    // Binds and listens (without answering yet). Throws Error(Usage) naming the address
    // when it cannot: address in use, no such address, not resolvable. `command` labels
    // the page until the engine attaches its figures.
    MetricsEndpoint(const MetricsAddress& address, const LiveHub& hub, std::string command);
    // Stops answering and joins the thread; a scrape in flight is finished first.
    ~MetricsEndpoint();
    MetricsEndpoint(const MetricsEndpoint&) = delete;
    MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

    // Starts answering on its own thread (once; later calls do nothing).
    void start();
    void stop();

  private:
    std::string page() const;

    const LiveHub& hub_;
    std::string command_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::atomic<bool> listening_done_{false};
};

}  // namespace mqtk
