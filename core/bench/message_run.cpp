// The message scenario of one bench worker.
//
// Threads: the caller's thread supervises (progress, phases, drain); one publishing
// thread serves all of the worker's publishers (in closed loop refilling every window that
// has room, in open loop following the schedule); arrivals are handled on Paho's single
// receive thread, which is why the receive-side state needs no more than an uncontended
// lock.
//
// Timing: every payload carries the time it was meant to leave. In closed loop that is
// the moment it is handed to the client (a publisher sends only while its in-flight
// window has room, so the broker's pace sets the rate); in open loop it is the message's
// slot on the fixed schedule, so a stalled broker - or a late generator - shows up as
// latency of the messages that queued behind it rather than as fewer samples
// (coordinated omission).
#include "core/bench/message_run.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/bench/parallel.h"
#include "core/bench/payload.h"
#include "core/bench/sequence.h"
#include "core/clock.h"
#include "core/connection/client.h"
#include "core/error.h"
#include "core/interrupt.h"

namespace mqtk {
namespace {

constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kSecond = 1'000 * kMs;
constexpr std::size_t kConnectThreads = 8;  // connects in flight at once
constexpr std::uint64_t kStatusEvery = 250 * kMs;
// How often the supervisor looks (measurements never depend on it: every end and
// arrival is timed where it happens).
constexpr auto kPoll = std::chrono::milliseconds(50);
// The drain after the publishing ends once every publish is acknowledged and every
// subscriber has everything, or after two seconds without any acknowledgement (resp.
// arrival): what has not come by then is unacknowledged (resp. lost). And it ends at the
// cap while they still trickle in: 10 s after the publishing, or as long again as the
// publishing lasted if that is longer (mosquitto 2.0.11 flooded with QoS 2 delivers in
// bursts seconds apart, and then not at all: mosquitto_sub sees the same). So a run ends
// by --warmup + --duration + the cap + the disconnect, whatever the broker does.
constexpr std::uint64_t kQuiet = 2 * kSecond;
constexpr std::uint64_t kDrainCap = 10 * kSecond;
// Open loop: a due message is still sent this long after the end of the schedule (a
// generator a few slots late at the end is not a partial run); what is left then is
// reported as due and not sent.
constexpr std::uint64_t kLateGrace = 100 * kMs;
// Closed loop with --count: a publisher whose window has been full without any
// acknowledgement this long gives up (RabbitMQ 3.10 answers QoS 2 with PUBACK, and Paho
// then waits for ever for a PUBREC).
constexpr std::uint64_t kStall = 10 * kSecond;
constexpr auto kAckRecheck = std::chrono::milliseconds(100);
constexpr auto kDisconnectTimeout = std::chrono::milliseconds(2000);
// QoS 0 publishes queued per client: 10 publishers x 20,000 at 16 B measured 5.4 us of
// CPU per message at 32, 5.8-6.3 at 128, 9-11 at 512 (Paho's command queue is scanned)
// and 6.5-7.9 at 8 (more wake-ups).
constexpr std::uint64_t kQos0Window = 32;

std::uint64_t seconds_to_ns(double seconds) {
    return static_cast<std::uint64_t>(seconds * 1e9);
}

double ns_to_seconds(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

struct PublisherState {
    std::uint32_t index = 0;
    std::unique_ptr<Client> client;
    Message message;
    BenchHeader header;
    std::atomic<std::uint64_t> sent_total{0};  // read by the supervisor for progress
    std::atomic<std::uint64_t> completed{0};   // written on Paho's threads
    std::uint64_t measured = 0;                // publishing thread only, until joined
    std::atomic<bool> failed{false};
    std::atomic<bool> lost{false};  // its connection broke (counted once)
    // Publishes in flight at once: the broker's receive maximum at QoS 1/2; at QoS 0,
    // which completes as soon as it is written, kQos0Window.
    std::uint64_t window = 20;

    std::uint64_t in_flight() const { return sent_total.load() - completed.load(); }
    // Enough room to be worth a refill, by the rule Client::publish follows.
    bool has_room(int qos) const {
        return in_flight() <= publish_refill_mark(qos, static_cast<std::size_t>(window));
    }
};

struct SubscriberState {
    explicit SubscriberState(std::size_t streams) : tracker(streams) {}
    std::uint32_t index = 0;
    std::int64_t hears = -1;
    std::unique_ptr<Client> client;
    SequenceTracker tracker;  // receive thread only; every arrival, warm-up included
    // Measured messages only (warm-up ones are excluded from the results, loss included):
    std::atomic<std::uint64_t> unique{0};  // distinct, also read by the drain
    std::uint64_t duplicates = 0;
    std::uint64_t out_of_order = 0;
    std::atomic<std::uint64_t> seen{0};  // distinct arrivals of any kind, for progress
    std::atomic<bool> lost{false};
};

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
        connect_all();
        const auto go = coordinator_.ready();
        if (!go || stopping_) {
            interrupted_ = true;
            disconnect_all();
            return collect();
        }
        schedule(*go);
        start_publishing();
        supervise();
        for (auto& thread : threads_)
            thread.join();
        clear_retained();
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
            connection_lost(role, index, lost, cause);
        });
    }

    void connection_lost(const char* role, std::uint32_t index, std::atomic<bool>& lost,
                         const std::string& cause) {
        if (lost.exchange(true)) return;
        const std::uint64_t now = monotonic_ns();
        note_error("connection_lost", cause);
        std::lock_guard lock(errors_mutex_);
        losses_.push_back({now, {role, index, 0.0, cause}});
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
        s->client->on_message([this, state](const Message& message) { arrived(*state, message); });
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
            completed(*state, published_ns, ok);
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
                note_error("qos_downgraded", fmt::format("the broker granted QoS {} for '{}'",
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
        std::lock_guard lock(stats_mutex_);
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
            if (coordinator_.stop_requested()) stopping_ = true;
            if (monotonic_ns() >= next_status) {
                coordinator_.status(status("connecting"));
                next_status = monotonic_ns() + kStatusEvery;
            }
            coordinator_.wait(std::chrono::milliseconds(5));
        }
        loop.join();
        if (first_error) throw *first_error;
    }

    // ---- publishing ---------------------------------------------------------------

    void schedule(std::uint64_t go) {
        go_ns_ = go;
        measure_ns_ = go + seconds_to_ns(options_.warmup);
        if (!options_.count) {
            end_ns_ = measure_ns_ + seconds_to_ns(options_.duration.value_or(10.0));
        }
    }

    void start_publishing() {
        SignalBlock block;  // the thread inherits it: signals go to the supervisor
        if (publishers_.empty()) return;
        threads_.emplace_back([this] {
            if (options_.rate) {
                open_loop();
            } else {
                closed_loop();
            }
            await_acknowledgements();
            publishers_done_.store(true);
        });
    }

    // Stamps and publishes the next message of `p`; false once it cannot publish.
    bool send(PublisherState& p, std::uint64_t stamp, bool warmup, const Client::GiveUp& give_up) {
        p.header.sent_ns = stamp;
        p.header.warmup = warmup;
        encode_bench_header(p.header, p.message.payload);
        try {
            // Closed loop keeps its own windows (no give_up); open loop waits for room, but
            // never past the end of the schedule.
            if (!p.client->publish(p.message, give_up)) return false;
        } catch (const Error& error) {
            p.failed = true;
            if (p.client->is_connected()) {
                note_error("publish_failed", error.what());
            } else {
                connection_lost("publisher", p.index, p.lost, error.what());
            }
            return false;
        }
        ++p.header.sequence;
        p.sent_total.fetch_add(1, std::memory_order_relaxed);
        if (!warmup) {
            ++p.measured;
            last_handover_ns_ = stamp;
        }
        return true;
    }

    // Whether `p` may publish a message stamped `now`; false once it is done for good.
    bool may_continue(const PublisherState& p, std::uint64_t now) const {
        if (stopping_ || p.failed) return false;
        if (now < measure_ns_) return true;
        if (end_ns_ != 0 && now >= end_ns_) return false;
        return !options_.count || p.measured < static_cast<std::uint64_t>(*options_.count);
    }

    // Closed loop: every publisher keeps its in-flight window full, all from this one
    // thread. A thread per publisher would cost a wake-up (and a fight over Paho's lock)
    // per message; here one wake-up refills every window that has room.
    void closed_loop() {
        sleep_until_ns(go_ns_, [this] { return !stopping_; });
        std::vector<PublisherState*> active;
        for (auto& p : publishers_)
            active.push_back(p.get());
        while (!active.empty()) {
            bool sent = false;
            for (std::size_t i = 0; i < active.size();) {
                PublisherState& p = *active[i];
                bool done = false;
                while (p.in_flight() < p.window) {
                    const std::uint64_t now = monotonic_ns();
                    if (!may_continue(p, now) || !send(p, now, now < measure_ns_, {})) {
                        done = true;
                        break;
                    }
                    sent = true;
                }
                // Asked with a full window too: one that never drains (a lost connection,
                // whose in-flight publishes Paho need not fail) must not hold the thread
                // past the end of the run, a stop or the failure (seen: a bench whose
                // broker died under load hung until killed).
                if (!done && !may_continue(p, monotonic_ns())) done = true;
                if (done) {
                    active[i] = active.back();
                    active.pop_back();
                } else {
                    ++i;
                }
            }
            if (!sent && !active.empty()) {
                drop_stalled(active);
                if (!active.empty()) wait_for_room(active);
            }
        }
    }

    // Closed loop with --count has no end of its own: a publisher that has waited kStall
    // for any acknowledgement gives up (looked at when the thread is about to wait, at
    // most every 100 ms: nothing per message).
    void drop_stalled(std::vector<PublisherState*>& active) {
        if (!options_.count || options_.qos == 0) return;
        const std::uint64_t now = monotonic_ns();
        if (now < next_stall_check_) return;
        next_stall_check_ = now + 100 * kMs;
        for (std::size_t i = 0; i < active.size();) {
            PublisherState& p = *active[i];
            if (static_cast<std::uint64_t>(p.client->unacknowledged_for().count()) < kStall) {
                ++i;
                continue;
            }
            note_error("stalled", fmt::format("publisher {} gave up: the broker acknowledged "
                                              "nothing for {} s",
                                              p.index, kStall / kSecond));
            active[i] = active.back();
            active.pop_back();
        }
    }

    // Sleeps until some window has room (PublisherState::has_room), or 10 ms passed, to
    // notice the end of the run.
    void wait_for_room(const std::vector<PublisherState*>& active) {
        std::unique_lock lock(room_mutex_);
        waiting_for_room_ = true;
        room_.wait_for(lock, std::chrono::milliseconds(10), [&] {
            return std::any_of(active.begin(), active.end(), [this](const PublisherState* p) {
                return p->has_room(options_.qos);
            });
        });
        waiting_for_room_ = false;
    }

    // On Paho's threads: a publish of `p` completed.
    void completed(PublisherState& p, std::uint64_t published_ns, bool ok) {
        p.completed.fetch_add(1);
        if (options_.qos > 0) acknowledged(published_ns, ok);
        // A QoS 0 completion on the receive thread: see on_client_receive_thread().
        if (waiting_for_room_.load() && (p.has_room(options_.qos) || on_client_receive_thread())) {
            std::lock_guard lock(room_mutex_);
            room_.notify_one();
        }
    }

    // All of this worker's publishers in turn on one fixed schedule: message k is due at
    // go + k / (this worker's share of --rate). The schedule ends at --duration (with
    // --count, after the count's slots); what is due by then and not sent by kLateGrace
    // later is left unsent and reported, so a rate beyond what the setup carries ends on
    // time too.
    void open_loop() {
        const std::size_t n = publishers_.size();
        const double share = static_cast<double>(n) / static_cast<double>(options_.publishers);
        const double interval = 1e9 / (*options_.rate * share);
        const auto count = static_cast<std::uint64_t>(options_.count.value_or(0));
        const auto slot = [&](std::uint64_t k) {
            return go_ns_ + static_cast<std::uint64_t>(static_cast<double>(k) * interval);
        };
        const std::uint64_t first_measured = first_slot_from(measure_ns_, slot, interval);
        const std::uint64_t schedule_end =
            end_ns_ != 0 ? end_ns_ : slot(first_measured + count * n);
        const std::uint64_t give_up_at = schedule_end + kLateGrace;
        const Client::GiveUp give_up = [this, give_up_at] {
            return stopping_.load() || monotonic_ns() >= give_up_at;
        };
        // The default 50 us timer slack would bunch messages at high rates.
        prctl(PR_SET_TIMERSLACK, 1000UL);
        std::uint64_t k = 0;
        bool out_of_time = false;
        for (; !stopping_; ++k) {
            const std::uint64_t due = slot(k);
            const bool warmup = due < measure_ns_;
            if (!warmup && due >= schedule_end) break;
            PublisherState& p = *publishers_[k % n];
            if (k % n == 0 && !any_active(warmup, count)) break;
            if (p.failed || (!warmup && count && p.measured >= count)) continue;
            if (!wait_for_slot(due, interval)) break;
            const std::uint64_t now = monotonic_ns();
            if (now >= give_up_at) {
                out_of_time = true;
                break;
            }
            if (!warmup) schedule_lag_.record(now - due);
            send(p, due, warmup, give_up);
        }
        // Out of time: every slot before the end was due. Otherwise the run ended at slot
        // k (its end, a stop, or no publisher left), and what came after was never due.
        const std::uint64_t limit = out_of_time || (!stopping_ && monotonic_ns() >= give_up_at)
                                        ? first_slot_from(schedule_end, slot, interval)
                                        : k;
        due_ = due_slots(first_measured, limit, n, count);
    }

    // The first slot k with slot(k) >= t.
    template <typename Slot>
    static std::uint64_t first_slot_from(std::uint64_t t, const Slot& slot, double interval) {
        const std::uint64_t start = slot(0);
        if (t <= start) return 0;
        auto k = static_cast<std::uint64_t>(static_cast<double>(t - start) / interval);
        while (k > 0 && slot(k - 1) >= t)
            --k;
        while (slot(k) < t)
            ++k;
        return k;
    }

    // Measured slots in [from, to), publisher k % n each, at most `count` per publisher.
    static std::uint64_t due_slots(std::uint64_t from, std::uint64_t to, std::size_t n,
                                   std::uint64_t count) {
        if (to <= from) return 0;
        std::uint64_t due = 0;
        const std::uint64_t slots = to - from;
        for (std::size_t j = 0; j < n; ++j) {
            // Slots of publisher (from + j) % n among them.
            std::uint64_t mine = slots > j ? (slots - j + n - 1) / n : 0;
            if (count) mine = std::min(mine, count);
            due += mine;
        }
        return due;
    }

    // Sleeps until `due`. A timer wakes this thread some 40-60 us late on a VM, and that
    // lateness is latency (it counts from the slot); when slots are under 2 ms apart it
    // wakes 50 us early and spins the rest, which costs at most 50 us of CPU per message
    // (5% of a core at 1,000 msg/s) and took the p50 at 1,000 msg/s from ~1.8x to ~1.4x
    // of an echo ping-pong's. Slower schedules sleep all the way (CPU matters more there).
    bool wait_for_slot(std::uint64_t due, double interval) {
        constexpr std::uint64_t kSpin = 50'000;
        constexpr double kSpinBelow = 2e6;
        if (interval >= kSpinBelow || due < kSpin) {
            return sleep_until_ns(due, [this] { return !stopping_; });
        }
        if (!sleep_until_ns(due - kSpin, [this] { return !stopping_; })) return false;
        while (monotonic_ns() < due) {
        }
        return true;
    }

    bool any_active(bool warmup, std::uint64_t count) const {
        return std::any_of(publishers_.begin(), publishers_.end(), [&](const auto& p) {
            return !p->failed && (warmup || count == 0 || p->measured < count);
        });
    }

    void acknowledged(std::uint64_t published_ns, bool ok) {
        if (!ok || published_ns < measure_ns_.load(std::memory_order_relaxed)) return;
        const std::uint64_t now = monotonic_ns();
        std::lock_guard lock(ack_mutex_);
        publish_ack_.record(now - published_ns);
        last_ack_ns_ = std::max(last_ack_ns_, now);
    }

    // ---- receiving (Paho's receive thread) -----------------------------------------

    void arrived(SubscriberState& s, const Message& message) {
        const std::uint64_t now = monotonic_ns();
        last_arrival_ns_.store(now, std::memory_order_relaxed);
        // Empty: the clean-up of a retained message. Retained on arrival: left over on
        // the broker from before this run (live messages arrive with retain unset).
        if (message.payload.empty() || message.retain) return;
        const auto header = decode_bench_header(message.payload);
        if (!header || header->publisher >= options_.publishers ||
            (s.hears >= 0 && header->publisher != s.hears)) {
            note_error(
                "invalid_payload",
                fmt::format("a message on '{}' without a valid bench header", message.topic));
            return;
        }
        if (header->run != context_.run_tag) {
            note_error("foreign",
                       fmt::format("a bench message of another run on '{}'", message.topic));
            return;
        }
        std::lock_guard lock(stats_mutex_);
        const std::size_t stream = s.hears >= 0 ? 0 : header->publisher;
        const Arrival arrival = s.tracker.record(stream, header->sequence);
        if (arrival != Arrival::Duplicate) s.seen.fetch_add(1, std::memory_order_relaxed);
        if (header->warmup) return;
        if (arrival == Arrival::Duplicate) {
            ++s.duplicates;
            return;
        }
        if (arrival == Arrival::OutOfOrder) ++s.out_of_order;
        s.unique.fetch_add(1, std::memory_order_relaxed);
        measured_received_.fetch_add(1, std::memory_order_relaxed);
        last_measured_ns_ = now;
        // Only a publisher of this shard shares our clock.
        if (context_.slice.publishers.contains(header->publisher)) {
            end_to_end_.record(bench_latency_ns(header->sent_ns, now));
        }
    }

    // ---- supervision ----------------------------------------------------------------

    WorkerStatus status(const char* phase) const {
        WorkerStatus st;
        st.phase = phase;
        for (const auto& p : publishers_)
            st.sent += p->sent_total.load(std::memory_order_relaxed);
        for (const auto& s : subscribers_)
            st.received += s->seen.load(std::memory_order_relaxed);
        st.connected = connected_;
        return st;
    }

    const char* phase() const {
        const std::uint64_t now = monotonic_ns();
        if (now < measure_ns_) return "warm-up";
        // A worker without publishers knows the publishing is over when `expected` comes.
        const bool over = publishers_.empty() ? expected_.has_value() : published_;
        return over ? "draining" : "measuring";
    }

    void supervise() {
        std::uint64_t next_status = 0;
        for (;;) {
            if (!stopping_ && coordinator_.stop_requested()) {
                stopping_ = true;
                interrupted_ = true;
            }
            const std::uint64_t now = monotonic_ns();
            if (now >= next_status) {
                coordinator_.status(status(phase()));
                next_status = now + kStatusEvery;
            }
            if (!published_ && (publishers_.empty() || publishers_done_.load())) report_published();
            if (published_) {
                if (stopping_) return;
                if (!expected_) {
                    expected_ = coordinator_.expected();
                    if (expected_) drain_start_ns_ = monotonic_ns();
                }
                if (expected_ && drained()) return;
            }
            coordinator_.wait(kPoll);
        }
    }

    // On the publishing thread, when it is done: waits for the acknowledgements still
    // out, until none came for kQuiet or the drain's cap.
    void await_acknowledgements() {
        const std::uint64_t deadline = drain_deadline(monotonic_ns());
        drain_deadline_ns_ = deadline;
        for (auto& p : publishers_) {
            if (stopping_ || p->failed) continue;
            bool done = false;
            while (!done && !stopping_ && !p->failed) {
                done =
                    p->client->wait_for_completion(std::chrono::steady_clock::now() + kAckRecheck);
                const auto quiet =
                    static_cast<std::uint64_t>(p->client->unacknowledged_for().count());
                if (quiet >= kQuiet || monotonic_ns() >= deadline) break;
                if (!p->client->is_connected()) break;
            }
            if (done || p->failed) continue;
            const auto counts = p->client->counts();
            const auto missing = counts.sent - counts.completed - counts.failed - counts.dropped;
            note_error("unacknowledged",
                       fmt::format("{} publishes of publisher {} not acknowledged at the end of "
                                   "the drain",
                                   missing, p->index),
                       missing);
        }
    }

    // When the drain that starts at `from` must end (see kDrainCap).
    std::uint64_t drain_deadline(std::uint64_t from) const {
        return from + std::max(kDrainCap, from > go_ns_ ? from - go_ns_ : 0);
    }

    // Tells the coordinator what this worker's publishers sent.
    void report_published() {
        std::vector<PublisherTally> mine;
        for (const auto& p : publishers_)
            mine.push_back({p->index, p->measured});
        coordinator_.published(mine);
        published_ = true;
    }

    std::uint64_t expected_for(const SubscriberState& s) const {
        std::uint64_t n = 0;
        for (const auto& p : *expected_) {
            if (s.hears < 0 || static_cast<std::int64_t>(p.index) == s.hears) n += p.sent;
        }
        return n;
    }

    bool drained() {
        if (subscribers_.empty()) return true;
        const std::uint64_t now = monotonic_ns();
        const std::uint64_t cap =
            drain_deadline_ns_ != 0 ? drain_deadline_ns_.load() : drain_deadline(drain_start_ns_);
        if (now >= cap) {
            note_error("drain_cap", fmt::format("messages were still arriving after {:.1f} s of "
                                                "draining",
                                                ns_to_seconds(now - drain_start_ns_)));
            return true;
        }
        // An arrival timed on the receive thread after `now` was read is later than it:
        // unsigned, now - last would be huge and end the drain in the middle of a stream
        // (seen: half of a worker process's messages reported lost).
        const std::uint64_t last = std::max(last_arrival_ns_.load(), drain_start_ns_);
        if (now > last && now - last >= kQuiet) return true;
        // Other shards' publishers are not in `expected`: only silence ends their drain.
        if (context_.shard.count > 1) return false;
        return std::all_of(subscribers_.begin(), subscribers_.end(), [&](const auto& s) {
            return s->lost || s->unique.load() >= expected_for(*s);
        });
    }

    // ---- ending ---------------------------------------------------------------------

    // --retain leaves a retained bench message on every topic; an empty retained publish
    // removes it, so the next run starts clean.
    void clear_retained() {
        if (!options_.retain) return;
        for (auto& p : publishers_) {
            if (p->failed) continue;
            Message empty = p->message;
            empty.payload.clear();
            try {
                p->client->publish(empty, [] { return interrupted(); });
                p->client->wait_for_completion(std::chrono::steady_clock::now() +
                                               std::chrono::nanoseconds(kQuiet));
            } catch (const Error&) {
                // Gone: nothing to clean with it.
            }
        }
    }

    void disconnect_all() {
        std::vector<Client*> clients;
        for (auto& s : subscribers_)
            clients.push_back(s->client.get());
        for (auto& p : publishers_)
            clients.push_back(p->client.get());
        ParallelLoop::run(clients.size(), kConnectThreads,
                          [&](std::size_t i) { clients[i]->disconnect(kDisconnectTimeout); });
    }

    void note_error(const std::string& kind, const std::string& message, std::uint64_t n = 1) {
        std::lock_guard lock(errors_mutex_);
        auto& tally = errors_[kind];
        tally.count += n;
        if (tally.example.empty()) tally.example = message;
    }

    BenchResult collect() {
        BenchResult r;
        r.config = context_.config;
        r.shard_count = context_.shard.count;
        r.shards = {context_.shard.index};
        r.workers = 1;
        r.interrupted = interrupted_;
        for (const auto& p : publishers_) {
            r.sent += p->measured;
            r.sent_total += p->sent_total;
            r.publishers.push_back({p->index, p->measured});
            const auto counts = p->client->counts();
            if (counts.failed > 0) {
                note_error("publish_failed", p->client->first_publish_error(), counts.failed);
            }
            if (counts.dropped > 0) {
                note_error("publish_dropped", "in flight when the connection was lost",
                           counts.dropped);
            }
        }
        r.due = due_;
        {
            std::lock_guard ack_lock(ack_mutex_);
            const std::uint64_t send_end = std::max(last_handover_ns_, last_ack_ns_);
            if (send_end > measure_ns_) r.send_window = ns_to_seconds(send_end - measure_ns_);
        }
        std::lock_guard lock(stats_mutex_);
        r.received = measured_received_;
        if (last_measured_ns_ > measure_ns_) {
            r.receive_window = ns_to_seconds(last_measured_ns_ - measure_ns_);
        }
        for (const auto& s : subscribers_)
            r.subscribers.push_back(
                {s->index, s->hears, s->unique, s->duplicates, s->out_of_order});
        r.end_to_end = end_to_end_;
        {
            std::lock_guard ack_lock(ack_mutex_);
            r.publish_ack = publish_ack_;
        }
        r.connect = connect_;
        r.schedule_lag = schedule_lag_;
        std::lock_guard errors_lock(errors_mutex_);
        r.errors = errors_;
        for (auto [at_ns, loss] : losses_) {
            const std::uint64_t zero = measure_ns_ == UINT64_MAX ? at_ns : measure_ns_.load();
            loss.at = at_ns >= zero ? ns_to_seconds(at_ns - zero) : -ns_to_seconds(zero - at_ns);
            r.connections_lost.push_back(loss);
        }
        std::sort(r.connections_lost.begin(), r.connections_lost.end(),
                  [](const auto& a, const auto& b) { return a.at < b.at; });
        return r;
    }

    const ConnectOptions& connection_;
    const BenchOptions& options_;
    const BenchContext& context_;
    BenchCoordinator& coordinator_;
    TopicTemplate topics_;

    std::vector<std::unique_ptr<SubscriberState>> subscribers_;
    std::vector<std::unique_ptr<PublisherState>> publishers_;
    std::vector<std::thread> threads_;

    std::uint64_t go_ns_ = 0;
    std::atomic<std::uint64_t> measure_ns_{UINT64_MAX};
    std::uint64_t end_ns_ = 0;            // 0: ends by count
    std::uint64_t last_handover_ns_ = 0;  // of a measured message; publishing thread, until joined
    std::uint64_t due_ = 0;               // open loop; publishing thread, until joined
    std::uint64_t next_stall_check_ = 0;  // publishing thread
    std::atomic<std::uint64_t> drain_deadline_ns_{0};
    std::uint64_t drain_start_ns_ = 0;
    std::atomic<bool> stopping_{false};
    bool interrupted_ = false;
    std::atomic<bool> publishers_done_{false};

    std::mutex room_mutex_;  // closed loop: the publishing thread waits for window room
    std::condition_variable room_;
    std::atomic<bool> waiting_for_room_{false};
    bool published_ = false;
    std::optional<std::vector<PublisherTally>> expected_;

    std::mutex stats_mutex_;  // receive-side state and the connect histogram
    Histogram end_to_end_;
    Histogram connect_;
    std::atomic<std::uint64_t> connected_{0};
    std::atomic<std::uint64_t> measured_received_{0};
    std::atomic<std::uint64_t> last_arrival_ns_{0};
    std::uint64_t last_measured_ns_ = 0;

    mutable std::mutex ack_mutex_;
    Histogram publish_ack_;
    std::uint64_t last_ack_ns_ = 0;  // of a measured publish
    Histogram schedule_lag_;         // publishing thread only, until joined

    std::mutex errors_mutex_;
    std::map<std::string, ErrorTally> errors_;
    std::vector<std::pair<std::uint64_t, ConnectionLoss>> losses_;  // monotonic_ns(), what
};

}  // namespace

BenchResult run_message_worker(const ConnectOptions& connection, const BenchOptions& options,
                               const BenchContext& context, const WorkerPlan& plan,
                               BenchCoordinator& coordinator) {
    MessageRun run(connection, options, context, plan, coordinator);
    return run.run();
}

}  // namespace mqtk
