// bench's message run (core/bench/message_run*.cpp) in-process against a network of
// FakeConnections that plays the broker: every publisher's connection routes what it sends
// to the subscribers whose filters match, and the test may lose, duplicate or reorder
// messages on the way, hold acknowledgements back, or cut a connection. What is checked is
// the run's result: what was sent and received, loss, duplicates, order, publish-to-ack
// latencies, connection losses, and that each publisher stays within its window.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/bench/bench.h"
#include "core/bench/coordinator.h"
#include "core/bench/message_run.h"
#include "core/bench/plan.h"
#include "core/bench/report.h"
#include "core/bench/result.h"
#include "core/clock.h"
#include "core/output.h"
#include "tests/unit/engines/fake_connection.h"

using mqtk::BenchOptions;
using mqtk::BenchResult;
using mqtk::ExitCode;
using mqtk::Message;
using mqtk::test::FakeConnection;
using namespace std::chrono_literals;

namespace {

// The broker between the run's connections. `transit` decides what one sent message
// becomes on the way: nothing (lost), itself, or more than one copy; it runs on the
// sender's thread with the sender's lock held, so it must only count and copy.
class FakeNetwork {
  public:
    using Transit = std::function<std::vector<Message>(const Message&)>;
    Transit transit = [](const Message& m) { return std::vector<Message>{m}; };
    bool auto_acknowledge = true;
    std::optional<mqtk::Error> connect_failure;  // every connect() throws it

    mqtk::ConnectionFactory factory() {
        return [this](const mqtk::ConnectOptions& options, std::string_view command,
                      mqtk::SessionBehaviour behaviour) {
            auto fake = std::make_unique<FakeConnection>();
            fake->auto_acknowledge = auto_acknowledge;
            fake->connect_failure = connect_failure;
            fake->window = static_cast<std::size_t>(options.max_inflight);
            FakeConnection* sender = fake.get();
            fake->route = [this, sender](const Message& message) { route(*sender, message); };
            auto connection = fake->factory()(options, command, behaviour);
            std::lock_guard lock(mutex_);
            fakes_.push_back(std::move(fake));
            return connection;
        };
    }

    // The connection whose client id ends in `suffix` ("-p0", "-s1").
    FakeConnection& connection(const std::string& suffix) {
        std::lock_guard lock(mutex_);
        for (auto& fake : fakes_) {
            const auto made = fake->made();
            if (made && made->options.client_id.ends_with(suffix)) return *fake;
        }
        FAIL("no connection " << suffix);
        throw;
    }
    std::vector<FakeConnection*> all() {
        std::lock_guard lock(mutex_);
        std::vector<FakeConnection*> list;
        for (auto& fake : fakes_)
            list.push_back(fake.get());
        return list;
    }
    // The most publishes one connection ever had in flight at once.
    std::size_t most_in_flight() const { return most_in_flight_.load(); }

  private:
    void route(FakeConnection& sender, const Message& message) {
        const auto counts = sender.counts();
        // The publish being routed is admitted and not yet completed: in flight.
        const std::size_t in_flight =
            counts.sent - counts.completed - counts.failed - counts.dropped;
        std::size_t seen = most_in_flight_.load();
        while (in_flight > seen && !most_in_flight_.compare_exchange_weak(seen, in_flight)) {
        }
        std::lock_guard lock(mutex_);
        for (auto& fake : fakes_) {
            if (fake.get() == &sender || !fake->subscribed_to(message.topic)) continue;
            for (auto copy : transit(message))
                fake->deliver(std::move(copy));
        }
    }

    std::mutex mutex_;
    std::vector<std::unique_ptr<FakeConnection>> fakes_;
    std::atomic<std::size_t> most_in_flight_{0};
};

BenchOptions options_for(int publishers, int subscribers, long count, int qos) {
    BenchOptions o;
    o.publishers = publishers;
    o.subscribers = subscribers;
    o.count = count;
    o.qos = qos;
    o.warmup = 0;
    o.workers = 1;
    return o;
}

// One worker with every client, as run_bench() runs a single process.
BenchResult run(FakeNetwork& network, const BenchOptions& options) {
    mqtk::BenchContext context;
    context.config = mqtk::make_bench_config(options, mqtk::ProtocolVersion::V311);
    context.slice = mqtk::shard_slice(options);
    context.client_base = "t";
    context.run_tag = 7;
    const auto plans = mqtk::plan_workers(options, context.slice, 1);
    REQUIRE(plans.size() == 1);
    mqtk::ProgressMeter progress(nullptr, false, mqtk::monotonic_ns());
    mqtk::LocalCoordinator coordinator(progress, nullptr);
    mqtk::ConnectOptions connection;
    connection.max_inflight = options.max_inflight;
    return mqtk::run_message_worker(connection, options, context, plans.front(), coordinator,
                                    network.factory());
}

std::future<BenchResult> run_async(FakeNetwork& network, const BenchOptions& options) {
    return std::async(std::launch::async, [&network, options] { return run(network, options); });
}

}  // namespace

TEST_CASE(
    "bench engine: closed loop QoS 1, 3 publishers x 300 to 2 subscribers, all counted once") {
    FakeNetwork network;
    const auto r = run(network, options_for(3, 2, 300, 1));
    CHECK(r.sent == 900);
    CHECK(r.received == 1800);  // each subscriber hears every publisher
    CHECK(r.lost() == 0);
    CHECK(r.duplicates() == 0);
    CHECK(r.out_of_order() == 0);
    CHECK(r.publish_ack.count() == 900);
    CHECK(r.end_to_end.count() == 1800);
    CHECK(r.errors.empty());
    CHECK(mqtk::bench_verdict(r).code == ExitCode::Success);
    for (auto* fake : network.all()) {
        REQUIRE(fake->made());
        CHECK(fake->made()->command == "bench");
        CHECK(fake->made()->behaviour.qos0_window == 32);
        CHECK(fake->disconnects().size() == 1);
    }
    CHECK(network.connection("-p0").published().size() == 300);
    CHECK(network.connection("-s1").subscribed().front().filter == "mqtk/bench/+");
}

TEST_CASE("bench engine: a publisher keeps its window full and never beyond it while acks lag") {
    FakeNetwork network;
    network.auto_acknowledge = false;
    auto options = options_for(2, 1, 400, 1);
    options.max_inflight = 8;
    auto result = run_async(network, options);
    // The broker acknowledges a few at a time, late: the publishers must wait for room
    // (the room hook wakes them) and never have more than 8 in flight.
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (result.wait_for(2ms) != std::future_status::ready &&
           std::chrono::steady_clock::now() < give_up) {
        for (auto* fake : network.all())
            fake->acknowledge(3);
    }
    REQUIRE(result.wait_for(0s) == std::future_status::ready);
    const auto r = result.get();
    CHECK(r.sent == 800);
    CHECK(r.received == 800);
    CHECK(r.publish_ack.count() == 800);
    CHECK(network.most_in_flight() == 8);  // filled, and not one more
}

TEST_CASE("bench engine: QoS 0 publishes go out in windows of 32") {
    FakeNetwork network;
    network.auto_acknowledge = false;  // QoS 0 completes when sent anyway
    const auto r = run(network, options_for(1, 1, 1000, 0));
    CHECK(r.sent == 1000);
    CHECK(r.received == 1000);
    CHECK(r.publish_ack.count() == 0);  // nothing to acknowledge at QoS 0
    CHECK(network.most_in_flight() <= 32);
}

TEST_CASE("bench engine: messages the broker loses are counted lost, and fail a QoS 1 run") {
    FakeNetwork network;
    std::atomic<int> n{0};
    network.transit = [&](const Message& m) {
        return ++n % 10 == 0 ? std::vector<Message>{} : std::vector<Message>{m};
    };
    const auto r = run(network, options_for(1, 1, 200, 1));
    CHECK(r.sent == 200);
    CHECK(r.received == 180);
    CHECK(r.lost() == 20);
    const auto verdict = mqtk::bench_verdict(r);
    CHECK(verdict.code == ExitCode::Failure);
    CHECK(verdict.message.find("lost") != std::string::npos);
}

TEST_CASE("bench engine: a duplicate and a swapped pair are counted, nothing lost") {
    FakeNetwork network;
    std::atomic<int> n{0};
    std::optional<Message> held;
    network.transit = [&](const Message& m) -> std::vector<Message> {
        const int k = ++n;
        if (k == 5) return {m, m};  // delivered twice
        if (k == 10) {              // held back, delivered after the 11th
            held = m;
            return {};
        }
        if (k == 11) return {m, *held};
        return {m};
    };
    const auto r = run(network, options_for(1, 1, 50, 1));
    CHECK(r.received == 50);
    CHECK(r.lost() == 0);
    CHECK(r.duplicates() == 1);
    CHECK(r.out_of_order() == 1);
}

TEST_CASE("bench engine: open loop sends exactly what its schedule made due") {
    FakeNetwork network;
    auto options = options_for(2, 1, 0, 1);
    options.count.reset();
    options.rate = 1000;
    options.duration = 0.5;
    const auto r = run(network, options);
    CHECK(r.due == 500);  // 1,000 msg/s for 0.5 s over both publishers
    CHECK(r.sent == 500);
    CHECK(r.unsent() == 0);
    CHECK(r.received == 500);
    CHECK(r.schedule_lag.count() == 500);
}

TEST_CASE("bench engine: a publisher's lost connection is counted once and the run ends") {
    FakeNetwork network;
    auto options = options_for(2, 1, 0, 1);
    options.count.reset();
    options.rate = 400;
    options.duration = 1.5;
    auto result = run_async(network, options);
    // Cut publisher 0 once it has sent 100.
    std::optional<std::reference_wrapper<FakeConnection>> p0;
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < give_up) {
        for (auto* fake : network.all()) {
            const auto made = fake->made();
            if (made && made->options.client_id.ends_with("-p0")) p0 = *fake;
        }
        if (p0 && p0->get().published().size() >= 100) break;
        std::this_thread::sleep_for(1ms);
    }
    REQUIRE(p0);
    p0->get().drop("cut by the test");
    REQUIRE(result.wait_for(10s) == std::future_status::ready);
    const auto r = result.get();
    REQUIRE(r.connections_lost.size() == 1);
    CHECK(r.connections_lost.front().role == "publisher");
    CHECK(r.connections_lost.front().index == 0);
    CHECK(r.connections_lost.front().cause == "cut by the test");
    CHECK(r.error_count("connection_lost") == 1);
    CHECK(r.publishers.size() == 2);
    CHECK(r.lost() == 0);  // what p0 sent before the cut arrived; nothing more was expected
    CHECK(mqtk::bench_verdict(r).code == ExitCode::Failure);
}

TEST_CASE("bench engine: run_bench prints its --json result into the sink it is given") {
    FakeNetwork network;
    auto options = options_for(2, 1, 100, 1);
    mqtk::OutputSink sink;  // in memory
    mqtk::BenchOutput output;
    output.json = true;
    const auto code = mqtk::run_bench({}, options, network.factory(), sink, output);
    CHECK(code == ExitCode::Success);
    const auto document = nlohmann::json::parse(sink.written());
    CHECK(document["messages"]["sent"] == 200);
    CHECK(document["messages"]["received"] == 200);
    CHECK(document["messages"]["lost"] == 0);
}

TEST_CASE("bench engine: a subscriber that cannot connect ends the run with its error") {
    FakeNetwork network;
    network.connect_failure = mqtk::Error(ExitCode::Unreachable, "cannot reach fake:1883");
    mqtk::OutputSink sink;
    const auto result = mqtk::test::result_of(
        [&] { return mqtk::run_bench({}, options_for(1, 1, 10, 0), network.factory(), sink, {}); });
    CHECK(result.code == ExitCode::Unreachable);
    CHECK(result.error == "cannot reach fake:1883");
    CHECK(sink.written().empty());
}
