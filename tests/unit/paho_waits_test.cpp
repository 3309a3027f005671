// core/paho_waits: the program's own poll() and usleep() are what shared libraries (Paho)
// get; on a thread named as Paho names its receive thread, waits are cut short while a
// connect is in progress and the nap after a fruitless poll() is skipped; other threads'
// calls are passed on unchanged.
#include "core/paho_waits.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Pipe {
    int fds[2]{-1, -1};
    Pipe() { REQUIRE(pipe(fds) == 0); }
    ~Pipe() {
        close(fds[0]);
        close(fds[1]);
    }
};

// Runs `body` on a thread named like Paho's receive thread.
template <typename Body>
void as_paho_receive_thread(Body body) {
    std::thread thread([&] {
        prctl(PR_SET_NAME, "MQTTAsync_rcv");
        body();
    });
    thread.join();
}

// How long `wait` took.
template <typename Wait>
Clock::duration time_of(Wait wait) {
    const auto start = Clock::now();
    wait();
    return Clock::now() - start;
}

}  // namespace

TEST_CASE("paho waits: the dynamic linker hands out mqtk's poll() and usleep()") {
    CHECK(mqtk::paho_waits_hooked());
}

TEST_CASE("paho waits: during a connect, the receive thread's waits are cut short") {
    Pipe idle;  // never written: poll() can only time out
    pollfd watch{idle.fds[0], POLLIN, 0};
    const mqtk::ConnectInProgress connecting;
    as_paho_receive_thread([&] {
        int ready = -1;
        CHECK(time_of([&] { ready = poll(&watch, 1, 5000); }) < milliseconds(2000));
        CHECK(ready == 0);
        CHECK(time_of([] { usleep(100'000); }) < milliseconds(50));      // after a poll: skipped
        CHECK(time_of([] { usleep(3'000'000); }) < milliseconds(2000));  // alone: shortened
    });
}

TEST_CASE("paho waits: readiness is still reported during a connect") {
    Pipe ready;
    REQUIRE(write(ready.fds[1], "x", 1) == 1);
    pollfd watch{ready.fds[0], POLLIN, 0};
    const mqtk::ConnectInProgress connecting;
    as_paho_receive_thread([&] {
        CHECK(poll(&watch, 1, 1000) == 1);
        CHECK((watch.revents & POLLIN) != 0);
    });
}

TEST_CASE("paho waits: outside a connect, only the nap after a fruitless poll is skipped") {
    Pipe idle;
    pollfd watch{idle.fds[0], POLLIN, 0};
    as_paho_receive_thread([&] {
        CHECK(time_of([&] { poll(&watch, 1, 50); }) >= milliseconds(50));
        CHECK(time_of([] { usleep(100'000); }) < milliseconds(50));
        CHECK(time_of([] { usleep(50'000); }) >= milliseconds(50));  // no poll before it
    });
}

TEST_CASE("paho waits: other threads' calls are passed on unchanged") {
    Pipe idle;
    pollfd watch{idle.fds[0], POLLIN, 0};
    const mqtk::ConnectInProgress connecting;
    CHECK(time_of([&] { poll(&watch, 1, 50); }) >= milliseconds(50));
    CHECK(time_of([] { usleep(50'000); }) >= milliseconds(50));
}
