// What watches a running command from beside it: the --stats stream and the --metrics
// endpoint (core/live/metrics_endpoint.h). LiveObservers owns the LiveHub the engine
// attaches its figures to, starts the observers before the command connects (a stats file
// that cannot be opened, a metrics port in use, are exit 2 before any connection) and
// stops them after the engine returns, the last figures written. cli/ binds the flags into
// LiveOptions (cli/live_flags.h); core never sees argv.
#pragma once

#include <memory>
#include <string>

#include "core/live.h"

namespace mqtk {

struct LiveOptions {
    std::string stats_file;       // --stats FILE, "-" for stderr; empty: no stream
    double stats_interval = 1.0;  // --stats-interval SECONDS, > 0
    std::string metrics_address;  // --metrics [ADDRESS:]PORT; empty: no endpoint
};

class StatsStream;
class MetricsEndpoint;

class LiveObservers {
  public:
    // `command` names the figures before the engine attaches ("bench", "echo", "sub").
    // Throws Error(Usage) for a bad interval.
    LiveObservers(std::string command, LiveOptions options);
    ~LiveObservers();
    LiveObservers(const LiveObservers&) = delete;
    LiveObservers& operator=(const LiveObservers&) = delete;

    // Opens and starts every observer asked for; throws Error(Usage) for one that cannot
    // start (a file that cannot be opened).
    void start();
    // Stops them, each writing its last figures (also done by the destructor).
    void stop();

    // For the engine; null when nothing observes (the engine then keeps no live figures).
    LiveHub* hub() { return active() ? &hub_ : nullptr; }
    bool active() const {
        return !options_.stats_file.empty() || !options_.metrics_address.empty();
    }

  private:
    std::string command_;
    LiveOptions options_;
    LiveHub hub_;
    std::unique_ptr<StatsStream> stats_;
    std::unique_ptr<MetricsEndpoint> metrics_;
};

}  // namespace mqtk
