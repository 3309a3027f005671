// poll() and usleep() for Paho's receive thread; see paho_waits.h.
// Fortified <poll.h> defines an inline poll(), which would clash with the definition here.
#undef _FORTIFY_SOURCE
#include "core/paho_waits.h"

#include <dlfcn.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <ctime>

namespace {

std::atomic<int> connects_in_progress{0};

constexpr long kConnectSliceNs = 200'000;

bool connecting() {
    return connects_in_progress.load(std::memory_order_relaxed) > 0;
}

// Paho names its receive thread before it first polls; the answer is kept per thread.
bool on_paho_receive_thread() {
    thread_local int answer = -1;
    if (answer < 0) {
        char name[16] = {};
        answer = prctl(PR_GET_NAME, name) == 0 && std::strcmp(name, "MQTTAsync_rcv") == 0;
    }
    return answer == 1;
}

// Set when this thread's last poll() waited and timed out: a nap right after it is moot.
thread_local bool waited_in_vain = false;

template <typename Function>
Function next_definition(const char* name) {
    // The next definition after the executable's: libc's, or a sanitizer's interceptor.
    return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

using PollFunction = int (*)(struct pollfd*, nfds_t, int);
using UsleepFunction = int (*)(useconds_t);

}  // namespace

extern "C" int poll(struct pollfd* fds, nfds_t count, int timeout_ms) {
    static const auto next_poll = next_definition<PollFunction>("poll");
    if (timeout_ms == 0 || !on_paho_receive_thread()) return next_poll(fds, count, timeout_ms);
    int ready = 0;
    if (connecting()) {
        timespec slice{0, kConnectSliceNs};
        if (timeout_ms > 0 && timeout_ms * 1'000'000L < kConnectSliceNs) {
            slice.tv_nsec = timeout_ms * 1'000'000L;
        }
        ready = ppoll(fds, count, &slice, nullptr);
    } else {
        ready = next_poll(fds, count, timeout_ms);
    }
    waited_in_vain = ready == 0;
    return ready;
}

extern "C" int usleep(useconds_t microseconds) {
    static const auto next_usleep = next_definition<UsleepFunction>("usleep");
    if (!on_paho_receive_thread()) return next_usleep(microseconds);
    const bool moot = waited_in_vain;
    waited_in_vain = false;
    if (moot) return 0;
    if (connecting() && microseconds > kConnectSliceNs / 1000) {
        microseconds = static_cast<useconds_t>(kConnectSliceNs / 1000);
    }
    return next_usleep(microseconds);
}

namespace mqtk {

ConnectInProgress::ConnectInProgress() {
    connects_in_progress.fetch_add(1, std::memory_order_relaxed);
}

ConnectInProgress::~ConnectInProgress() {
    connects_in_progress.fetch_sub(1, std::memory_order_relaxed);
}

bool paho_waits_hooked() {
    return dlsym(RTLD_DEFAULT, "poll") == reinterpret_cast<void*>(&::poll) &&
           dlsym(RTLD_DEFAULT, "usleep") == reinterpret_cast<void*>(&::usleep);
}

}  // namespace mqtk
