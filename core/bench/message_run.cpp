// The message scenario of one bench worker: its set-up (clients, connects, subscriptions),
// the order of the run, and the result; the parts that run meanwhile are in
// message_run_publishing.*, message_run_arrivals.* and message_run_supervision.*, and
// what they share in message_run_state.h.
//
// Threads: the caller's thread supervises (progress, phases, drain); one publishing
// thread serves all of the worker's publishers (in closed loop refilling every window that
// has room, in open loop following the schedule); arrivals are handled on Paho's single
// receive thread, which is why the receive-side state needs no more than an uncontended
// lock.
#include "core/bench/message_run.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/bench/message_run_arrivals.h"
#include "core/bench/message_run_publishing.h"
#include "core/bench/message_run_state.h"
#include "core/bench/message_run_supervision.h"
#include "core/bench/parallel.h"
#include "core/bench/payload.h"
#include "core/clock.h"
#include "core/connection/client.h"
#include "core/error.h"
#include "core/histogram.h"
#include "core/live.h"

namespace mqtk {
namespace {

using namespace message_run;

constexpr std::size_t kConnectThreads = 8;  // connects in flight at once
constexpr auto kDisconnectTimeout = std::chrono::milliseconds(2000);

class MessageRun {
  public:
    MessageRun(const ConnectOptions& connection, const BenchOptions& options,
               const BenchContext& context, const WorkerPlan& plan, BenchCoordinator& coordinator)
        : connection_(connection),
          options_(options),
          context_(context),
          coordinator_(coordinator),
          topics_(options.topic) {
        for (const auto i : plan.subscribers)
            add_subscriber(i);
        for (const auto i : plan.publishers)
            add_publisher(i);
    }

    BenchResult run() {
        const LiveAttachment live(coordinator_.live(), [this] { return live_figures(); });
        connect_all();
        const auto go = coordinator_.ready();
        if (!go || timeline_.stopping) {
            timeline_.interrupted = true;
            disconnect_all();
            return collect();
        }
        timeline_.schedule(*go, options_);
        publishing_.start();
        supervision_.supervise();
        publishing_.join();
        publishing_.clear_retained();
        disconnect_all();
        return collect();
    }

  private:
    // ---- set-up -------------------------------------------------------------------

    ConnectOptions client_options(char role, std::uint32_t index) const {
        ConnectOptions o = connection_;
        o.client_id = fmt::format("{}-{}{}", context_.client_base, role, index);
        o.id_prefix.clear();
        o.max_inflight = options_.max_inflight;
        // The per-connect TCP_NODELAY helper scans every fd of the process, which is
        // quadratic over many clients; connect_all() does one scan at the end instead.
        o.tcp_nodelay = false;
        return o;
    }

    // Paho may tell of one loss more than once (a callback, then a publish that fails):
    // the client is counted once, with the time and cause of the first.
    void watch_connection(Client& client, const char* role, std::uint32_t index,
                          std::atomic<bool>& lost, std::atomic<bool>* failed) {
        client.on_connection_lost([this, role, index, &lost, failed](const std::string& cause) {
            if (failed) failed->store(true);
            log_.connection_lost(role, index, lost, cause);
        });
    }

    void add_subscriber(std::uint32_t index) {
        const std::size_t streams =
            options_.pairs ? 1 : static_cast<std::size_t>(options_.publishers);
        auto s = std::make_unique<SubscriberState>(streams);
        s->index = index;
        s->hears = options_.pairs ? static_cast<std::int64_t>(index) : -1;
        s->client = std::make_unique<Client>(client_options('s', index), "bench");
        SubscriberState* state = s.get();
        watch_connection(*s->client, "subscriber", index, s->lost, nullptr);
        s->client->on_message(
            [this, state](const Message& message) { arrivals_.arrived(*state, message); });
        subscribers_.push_back(std::move(s));
    }

    void add_publisher(std::uint32_t index) {
        auto p = std::make_unique<PublisherState>();
        p->index = index;
        p->client = std::make_unique<Client>(client_options('p', index), "bench");
        p->header.run = context_.run_tag;
        p->header.publisher = static_cast<std::uint16_t>(index);
        p->message.topic = topics_.topic(index);
        p->message.payload = make_bench_payload(p->header, static_cast<std::size_t>(options_.size));
        p->message.qos = options_.qos;
        p->message.retain = options_.retain;
        p->message.properties = options_.publish_properties;
        PublisherState* state = p.get();
        watch_connection(*p->client, "publisher", index, state->lost, &state->failed);
        p->client->on_publish_complete([this, state](std::uint64_t published_ns, bool ok) {
            publishing_.completed(*state, published_ns, ok);
        });
        publishers_.push_back(std::move(p));
    }

    // Subscribers first, each subscribed before its connect counts as done, then
    // publishers; several connects in flight at once.
    void connect_all() {
        const ConnectBurst connecting;
        connect_group(subscribers_.size(), [this](std::size_t i) {
            SubscriberState& s = *subscribers_[i];
            connect_one(*s.client);
            SubscribeRequest request;
            request.filter = s.hears < 0 ? topics_.filter() : topics_.topic(s.index);
            request.qos = options_.qos;
            // A broker answers a SUBSCRIBE as soon as a CONNECT: the same bound.
            const auto granted = s.client->subscribe(
                {request}, std::chrono::steady_clock::now() +
                               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(connection_.connect_timeout)));
            if (!granted.empty() && granted.front() < options_.qos) {
                log_.note_error("qos_downgraded", fmt::format("the broker granted QoS {} for '{}'",
                                                              granted.front(), request.filter));
            }
        });
        connect_group(publishers_.size(), [this](std::size_t i) {
            PublisherState& p = *publishers_[i];
            const ConnectResult result = connect_one(*p.client);
            const int window = std::max(1, std::min(options_.max_inflight, result.receive_maximum));
            p.window = options_.qos == 0 ? kQos0Window : static_cast<std::uint64_t>(window);
        });
        if (connection_.tcp_nodelay) set_nodelay_on_all_connections();
    }

    ConnectResult connect_one(Client& client) {
        const std::uint64_t start = monotonic_ns();
        ConnectResult result = client.connect();
        const std::uint64_t took = monotonic_ns() - start;
        std::lock_guard lock(connect_mutex_);
        connect_.record(took);
        ++connected_;
        return result;
    }

    void connect_group(std::size_t n, const std::function<void(std::size_t)>& connect) {
        std::mutex error_mutex;
        std::optional<Error> first_error;
        std::atomic<bool> failed{false};
        ParallelLoop loop(n, kConnectThreads, [&](std::size_t i) {
            if (failed) return;
            try {
                connect(i);
            } catch (const Error& error) {
                std::lock_guard lock(error_mutex);
                if (!first_error) first_error = error;
                failed = true;
            }
        });
        std::uint64_t next_status = 0;
        while (!loop.done()) {
            if (failed || coordinator_.stop_requested()) loop.stop();
            if (coordinator_.stop_requested()) timeline_.stopping = true;
            if (monotonic_ns() >= next_status) {
                coordinator_.status(supervision_.status("connecting"));
                next_status = monotonic_ns() + kStatusEvery;
            }
            coordinator_.wait(std::chrono::milliseconds(5));
        }
        loop.join();
        if (first_error) throw *first_error;
    }

    // ---- ending ---------------------------------------------------------------------

    void disconnect_all() {
        std::vector<Client*> clients;
        for (auto& s : subscribers_)
            clients.push_back(s->client.get());
        for (auto& p : publishers_)
            clients.push_back(p->client.get());
        ParallelLoop::run(clients.size(), kConnectThreads,
                          [&](std::size_t i) { clients[i]->disconnect(kDisconnectTimeout); });
    }

    // ---- the result ---------------------------------------------------------------

    // What the observers see while the run goes on (any thread): the result's counts as
    // they stand; loss is known only at the end (see result.h).
    LiveFigures live_figures() {
        LiveFigures f;
        f.command = "bench";
        for (const auto& p : publishers_)
            f.sent += p->measured;
        arrivals_.live(f, subscribers_);
        f.latencies.emplace_back("publish_ack", publishing_.publish_ack());
        const std::uint64_t lost = log_.losses();
        const std::uint64_t connected = connected_.load(std::memory_order_relaxed);
        f.connections_lost = lost;
        f.connections_up = connected - std::min(lost, connected);
        return f;
    }

    BenchResult collect() {
        BenchResult r;
        r.config = context_.config;
        r.shard_count = context_.shard.count;
        r.shards = {context_.shard.index};
        r.workers = 1;
        r.interrupted = timeline_.interrupted;
        const std::uint64_t measure_ns = timeline_.measure_ns;
        publishing_.collect(r);
        arrivals_.collect(r, subscribers_, measure_ns);
        {
            std::lock_guard lock(connect_mutex_);
            r.connect = connect_;
        }
        log_.collect(r, measure_ns);  // last: the parts above may note errors
        return r;
    }

    const ConnectOptions& connection_;
    const BenchOptions& options_;
    const BenchContext& context_;
    BenchCoordinator& coordinator_;
    TopicTemplate topics_;

    SubscriberList subscribers_;
    PublisherList publishers_;
    Timeline timeline_;
    RunLog log_;

    std::mutex connect_mutex_;  // the connect histogram (connects run on several threads)
    Histogram connect_;
    std::atomic<std::uint64_t> connected_{0};

    Publishing publishing_{options_, timeline_, log_, publishers_};
    Arrivals arrivals_{options_, context_, log_};
    Supervision supervision_{context_,     coordinator_, timeline_, log_,      publishers_,
                             subscribers_, publishing_,  arrivals_, connected_};
};

}  // namespace

BenchResult run_message_worker(const ConnectOptions& connection, const BenchOptions& options,
                               const BenchContext& context, const WorkerPlan& plan,
                               BenchCoordinator& coordinator) {
    MessageRun run(connection, options, context, plan, coordinator);
    return run.run();
}

}  // namespace mqtk
