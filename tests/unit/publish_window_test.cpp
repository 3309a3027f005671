// PublishWindow without a broker: admission and the refill rule, outcomes, and the
// accounting across a reconnect that core/connection/client.cpp feeds it from Paho's tokens.
#include "core/publish_window.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

using mqtk::PublishWindow;
using Outcome = mqtk::PublishWindow::Outcome;
using namespace std::chrono_literals;

namespace {

// A clock the test moves: stamps are distinct and ordered, as monotonic_ns() gives them.
struct FakeClock {
    std::atomic<std::uint64_t> now{1000};
    PublishWindow::Clock function() {
        return [this] { return now.fetch_add(1); };
    }
};

const auto kNeverGiveUp = [] { return false; };
const auto kMayWait = [] { return true; };

PublishWindow::Stamp admit(PublishWindow& window, std::size_t capacity = 4, std::size_t mark = 3) {
    const auto stamp = window.admit(capacity, mark, kNeverGiveUp, kMayWait);
    REQUIRE(stamp.has_value());
    return *stamp;
}

// Runs admit() on another thread; the future is ready once it got in.
std::future<std::optional<PublishWindow::Stamp>> admit_async(
    PublishWindow& window, std::size_t capacity, std::size_t mark,
    std::function<bool()> give_up = kNeverGiveUp) {
    return std::async(std::launch::async, [&window, capacity, mark, give_up] {
        return window.admit(capacity, mark, give_up, kMayWait);
    });
}

bool ready(const std::future<std::optional<PublishWindow::Stamp>>& f,
           std::chrono::milliseconds within) {
    return f.wait_for(within) == std::future_status::ready;
}

}  // namespace

TEST_CASE("publish window: the refill marks (QoS 0 half the window, QoS 1/2 one free slot)") {
    CHECK(mqtk::publish_refill_mark(0, 128) == 64);
    CHECK(mqtk::publish_refill_mark(1, 20) == 19);
    CHECK(mqtk::publish_refill_mark(2, 20) == 19);
}

TEST_CASE("publish window: admits up to its capacity, and a waiter is woken at the refill mark") {
    FakeClock clock;
    // No recheck within the test (5 s): only a wake lets the waiter in; a missing wake fails
    // the REQUIRE at 1 s.
    PublishWindow window(clock.function(), 5s);
    std::vector<PublishWindow::Stamp> stamps;
    for (int i = 0; i < 4; ++i)
        stamps.push_back(admit(window));
    CHECK(window.in_flight() == 4);
    // Full: a fifth waits, with a refill mark of 2 (two must complete before it is woken).
    auto fifth = admit_async(window, 4, 2);
    CHECK_FALSE(ready(fifth, 100ms));
    window.complete(stamps[0], Outcome::Completed);
    CHECK_FALSE(ready(fifth, 100ms));  // 3 in flight: room, but above the mark, no wake
    window.complete(stamps[1], Outcome::Completed);
    REQUIRE(ready(fifth, 1s));
    CHECK(fifth.get().has_value());
    CHECK(window.in_flight() == 3);
    const auto counts = window.counts();
    CHECK(counts.sent == 5);
    CHECK(counts.completed == 2);
}

TEST_CASE("publish window: a waiter looks again at each recheck, woken or not") {
    FakeClock clock;
    PublishWindow window(clock.function(), 20ms);
    const auto first = admit(window, 2, 0);
    admit(window, 2, 0);
    auto third = admit_async(window, 2, 0);
    CHECK_FALSE(ready(third, 60ms));
    window.complete(first, Outcome::Completed);  // above the mark 0: no wake
    REQUIRE(ready(third, 2s));                   // but room, seen at a recheck
}

TEST_CASE("publish window: wake_now lets the waiter in whatever the mark") {
    FakeClock clock;
    PublishWindow window(clock.function(), 5s);
    const auto first = admit(window, 2, 0);
    admit(window, 2, 0);
    auto third = admit_async(window, 2, 0);
    CHECK_FALSE(ready(third, 100ms));
    window.complete(first, Outcome::Completed, {}, /*wake_now=*/true);
    REQUIRE(ready(third, 1s));
}

TEST_CASE("publish window: give_up ends a wait without admitting anything") {
    FakeClock clock;
    PublishWindow window(clock.function());
    admit(window, 1, 0);
    std::atomic<bool> stop{false};
    auto second = admit_async(window, 1, 0, [&] { return stop.load(); });
    CHECK_FALSE(ready(second, 150ms));
    stop = true;
    REQUIRE(ready(second, 2s));  // asked again at the next recheck (100 ms)
    CHECK_FALSE(second.get().has_value());
    CHECK(window.counts().sent == 1);
    CHECK(window.in_flight() == 1);
}

TEST_CASE("publish window: may_wait false admits beyond the window at once") {
    FakeClock clock;
    PublishWindow window(clock.function());
    for (int i = 0; i < 3; ++i)
        CHECK(window.admit(1, 0, kNeverGiveUp, [] { return false; }).has_value());
    CHECK(window.in_flight() == 3);
}

TEST_CASE("publish window: try_admit admits while there is room, and never waits or overfills") {
    FakeClock clock;
    PublishWindow window(clock.function(), 5s);
    int hooks = 0;
    window.set_room_hook([&] { ++hooks; });
    CHECK(window.try_admit(2, 1).has_value());
    CHECK(window.try_admit(2, 1).has_value());
    CHECK_FALSE(window.try_admit(2, 1).has_value());  // full: refused at once
    CHECK(window.in_flight() == 2);
    CHECK(window.counts().sent == 2);  // the refusal is not counted as sent
    CHECK(hooks == 0);
}

TEST_CASE(
    "publish window: the room hook runs once, when a refused publisher's window drains to the "
    "mark") {
    FakeClock clock;
    PublishWindow window(clock.function(), 5s);
    int hooks = 0;
    window.set_room_hook([&] { ++hooks; });
    std::vector<PublishWindow::Stamp> stamps;
    for (int i = 0; i < 4; ++i)
        stamps.push_back(*window.try_admit(4, 2));
    window.complete(stamps[0], Outcome::Completed);
    CHECK(hooks == 0);  // nobody was refused: nothing armed
    stamps.push_back(*window.try_admit(4, 2));
    REQUIRE_FALSE(window.try_admit(4, 2).has_value());  // arms the hook at 2 in flight
    window.complete(stamps[1], Outcome::Completed);
    CHECK(hooks == 0);  // 3 in flight: above the mark
    window.complete(stamps[2], Outcome::Failed, "refused");
    CHECK(hooks == 1);  // 2: at the mark, whatever the outcome
    window.complete(stamps[3], Outcome::Completed);
    CHECK(hooks == 1);  // once per refusal
}

TEST_CASE("publish window: the room hook runs on wake_now, a reconnect that settles, and wake()") {
    FakeClock clock;
    PublishWindow window(clock.function(), 5s);
    int hooks = 0;
    window.set_room_hook([&] { ++hooks; });
    const auto first = *window.try_admit(2, 0);
    window.try_admit(2, 0);
    REQUIRE_FALSE(window.try_admit(2, 0).has_value());
    window.complete(first, Outcome::Completed, {}, /*wake_now=*/true);
    CHECK(hooks == 1);
    window.try_admit(2, 0);
    REQUIRE_FALSE(window.try_admit(2, 0).has_value());
    window.set_keeps_session(true);
    window.settle_after_reconnect();
    CHECK(hooks == 2);
    CHECK(window.in_flight() == 0);
    window.wake();
    CHECK(hooks == 2);  // not armed: nothing to say
    window.try_admit(1, 0);
    REQUIRE_FALSE(window.try_admit(1, 0).has_value());
    window.wake();
    CHECK(hooks == 3);
}

TEST_CASE("publish window: outcomes are counted once each, the first error kept") {
    FakeClock clock;
    PublishWindow window(clock.function());
    std::vector<PublishWindow::Stamp> s;
    for (int i = 0; i < 5; ++i)
        s.push_back(admit(window, 10, 9));
    window.complete(s[0], Outcome::Completed);
    window.complete(s[1], Outcome::SessionLost);
    window.complete(s[2], Outcome::WriteBroken);  // no kept session: dropped
    CHECK_FALSE(window.failed_any());
    window.complete(s[3], Outcome::Failed, "broker refused the publish: quota exceeded (0x97)");
    window.complete(s[4], Outcome::Failed, "second");
    const auto counts = window.counts();
    CHECK(counts.sent == 5);
    CHECK(counts.completed == 1);
    CHECK(counts.dropped == 2);
    CHECK(counts.failed == 2);
    CHECK(counts.resent == 0);
    CHECK(window.failed_any());
    CHECK(window.first_error() == "broker refused the publish: quota exceeded (0x97)");
    CHECK(window.in_flight() == 0);
}

TEST_CASE("publish window: a broken write with a kept session is resent, not dropped") {
    FakeClock clock;
    PublishWindow window(clock.function());
    window.set_keeps_session(true);
    const auto s = admit(window);
    window.complete(s, Outcome::WriteBroken);
    CHECK(window.counts().resent == 1);
    CHECK(window.counts().dropped == 0);
    CHECK(window.in_flight() == 0);
}

TEST_CASE("publish window: a reconnect with a kept session settles what was in flight") {
    FakeClock clock;
    PublishWindow window(clock.function(), 5s);
    window.set_keeps_session(true);
    const auto a = admit(window, 3, 2);
    const auto b = admit(window, 3, 2);
    const auto c = admit(window, 3, 2);
    // Full, and the tokens of a, b and c may never complete: the reconnect lets it go on.
    auto d = admit_async(window, 3, 2);
    CHECK_FALSE(ready(d, 150ms));
    window.settle_after_reconnect();  // wakes the waiter
    REQUIRE(ready(d, 1s));
    const auto after = d.get();
    REQUIRE(after.has_value());
    CHECK(window.in_flight() == 1);
    CHECK(window.counts().resent == 3);
    // Late outcomes of a, b, c only correct the counts; the window stays as it is.
    window.complete(a, Outcome::Completed);
    window.complete(b, Outcome::Failed, "late failure");
    window.complete(c, Outcome::SessionLost);
    auto counts = window.counts();
    CHECK(counts.resent == 2);  // a got through after all
    CHECK(counts.completed == 1);
    CHECK(counts.failed == 0);  // b, c: already counted as resent
    CHECK(counts.dropped == 0);
    CHECK(window.in_flight() == 1);
    window.complete(*after, Outcome::Completed);
    CHECK(window.in_flight() == 0);
    CHECK(window.counts().completed == 2);
}

TEST_CASE("publish window: without a kept session a reconnect changes nothing") {
    FakeClock clock;
    PublishWindow window(clock.function());
    const auto a = admit(window);
    window.settle_after_reconnect();
    CHECK(window.in_flight() == 1);
    window.complete(a, Outcome::SessionLost);  // Paho's report for a session gone
    CHECK(window.counts().dropped == 1);
    CHECK(window.in_flight() == 0);
}

TEST_CASE("publish window: cancel undoes an admission, also one settled by a reconnect") {
    FakeClock clock;
    PublishWindow window(clock.function());
    window.set_keeps_session(true);
    const auto a = admit(window);
    const auto b = admit(window);
    window.cancel(a);
    CHECK(window.in_flight() == 1);
    CHECK(window.counts().sent == 1);
    window.settle_after_reconnect();  // b now counts as resent
    window.cancel(b);
    CHECK(window.counts().resent == 0);
    CHECK(window.counts().sent == 0);
    CHECK(window.in_flight() == 0);
}

TEST_CASE("publish window: wait_until_empty returns when all completed, or at its deadline") {
    FakeClock clock;
    PublishWindow window(clock.function());
    CHECK(window.wait_until_empty(std::nullopt, kMayWait));  // empty: at once
    const auto a = admit(window);
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(window.wait_until_empty(start + 50ms, kMayWait));
    CHECK(std::chrono::steady_clock::now() - start >= 50ms);
    CHECK_FALSE(window.wait_until_empty(std::nullopt, [] { return false; }));
    std::thread completer([&] {
        std::this_thread::sleep_for(50ms);
        window.complete(a, Outcome::Completed);
    });
    CHECK(window.wait_until_empty(std::nullopt, kMayWait));
    completer.join();
}

TEST_CASE("publish window: unacknowledged_for counts from the last outcome while busy") {
    std::atomic<std::uint64_t> now{100};
    PublishWindow window([&] { return now.load(); });
    CHECK(window.unacknowledged_for() == 0);
    const auto a = window.admit(4, 3, kNeverGiveUp, kMayWait);
    now = 150;
    const auto b = window.admit(4, 3, kNeverGiveUp, kMayWait);
    now = 400;
    CHECK(window.unacknowledged_for() == 300);  // since the first publish after idle
    window.complete(*a, Outcome::Completed);
    now = 450;
    CHECK(window.unacknowledged_for() == 50);  // since that outcome
    window.complete(*b, Outcome::Completed);
    CHECK(window.unacknowledged_for() == 0);
}

TEST_CASE("publish window: the completion hook hears every outcome with its stamp") {
    FakeClock clock;
    PublishWindow window(clock.function());
    std::vector<std::pair<PublishWindow::Stamp, bool>> heard;
    window.set_completion(
        [&](PublishWindow::Stamp stamp, bool ok) { heard.emplace_back(stamp, ok); });
    const auto a = admit(window);
    const auto b = admit(window);
    window.complete(b, Outcome::Failed, "x");
    window.complete(a, Outcome::Completed);
    REQUIRE(heard.size() == 2);
    CHECK(heard[0] == std::make_pair(b, false));
    CHECK(heard[1] == std::make_pair(a, true));
}
