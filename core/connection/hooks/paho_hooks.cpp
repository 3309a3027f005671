// poll(), usleep(), pthread_cond_timedwait(), writev(), write(), SSL_write() and
// SSL_get_error() for Paho's threads; see paho_hooks.h.
// Fortified <poll.h> defines an inline poll(), which would clash with the definition here.
#undef _FORTIFY_SOURCE
#include "core/connection/hooks/paho_hooks.h"

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <mutex>
#include <utility>
#include <vector>

#include "core/connection/hooks/tls_hooks.h"

namespace {

std::atomic<int> connects_in_progress{0};

constexpr long kConnectSliceNs = 200'000;

bool connecting() {
    return connects_in_progress.load(std::memory_order_relaxed) > 0;
}

// Set by enable_quick_acks(): recv() asks for an immediate ACK after each read.
std::atomic<bool> quick_acks{false};

enum class ThreadKind { Other, PahoReceive, PahoSend };

// Paho names its threads before they first poll or write; the answer is kept per thread.
ThreadKind this_thread_kind() {
    thread_local int kind = -1;
    if (kind < 0) {
        char name[16] = {};
        kind = static_cast<int>(ThreadKind::Other);
        if (prctl(PR_GET_NAME, name) == 0) {
            if (std::strcmp(name, "MQTTAsync_rcv") == 0) {
                kind = static_cast<int>(ThreadKind::PahoReceive);
            } else if (std::strcmp(name, "MQTTAsync_send") == 0) {
                kind = static_cast<int>(ThreadKind::PahoSend);
            }
        }
    }
    return static_cast<ThreadKind>(kind);
}

bool on_paho_receive_thread() {
    return this_thread_kind() == ThreadKind::PahoReceive;
}

// What this thread's last wait for something to read found (see usleep below).
enum class LastWait { None, InVain, Work };
thread_local LastWait last_wait = LastWait::None;
// The sockets this thread's last write check found not writable (see is_write_check), and
// those it has since left a write unfinished on (see after_socket_write).
thread_local std::vector<int> unwritable;

template <typename Function>
Function next_definition(const char* name) {
    // The next definition after the executable's: libc's, or a sanitizer's interceptor.
    return reinterpret_cast<Function>(dlsym(RTLD_NEXT, name));
}

using PollFunction = int (*)(struct pollfd*, nfds_t, int);
using UsleepFunction = int (*)(useconds_t);
using WritevFunction = ssize_t (*)(int, const struct iovec*, int);
using WriteFunction = ssize_t (*)(int, const void*, size_t);
using RecvFunction = ssize_t (*)(int, void*, size_t, int);
using SslWriteFunction = int (*)(SSL*, const void*, int);
using SslGetErrorFunction = int (*)(const SSL*, int);
using CondTimedwaitFunction = int (*)(pthread_cond_t*, pthread_mutex_t*, const timespec*);

// Paho's write check: a poll() without a wait for POLLOUT on every socket. A socket it
// finds not writable has a full send buffer, and so (almost always) a write Paho has
// parked until it can continue.
bool is_write_check(const pollfd* fds, nfds_t count, int timeout_ms) {
    if (timeout_ms != 0 || count == 0) return false;
    for (nfds_t i = 0; i < count; ++i) {
        if (fds[i].events != POLLOUT) return false;
    }
    return true;
}

void note_unwritable(const pollfd* fds, nfds_t count, int ready) {
    unwritable.clear();
    if (ready < 0) return;
    for (nfds_t i = 0; i < count; ++i) {
        if ((fds[i].revents & POLLOUT) == 0) unwritable.push_back(fds[i].fd);
    }
}

// Ends the receive thread's wait from another thread (see wait_for_work). An eventfd is
// safe where a signal is not (an EINTR in that poll() drops connections).
int wake_fd() {
    static const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd;
}

void wake_receive_thread() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd(), &one, sizeof one);
}

// The receive thread's wait for something to read. It also ends
// - when a socket the write check found full has room again,
// - when a socket this thread filled after that check has room again: Paho continues a
//   parked write between its check and this wait, and a large PUBLISH takes many such
//   writes, each filling the socket anew, so the check saw room that is gone by now
//   (`pub -f` of 50 MB: a 4 MB writev per second, 7-11 s instead of 0.2 s), and
// - when the send thread has parked a write (see writev below),
// because Paho continues a parked write only in the receive thread's next cycle, and a
// publisher at QoS 0 gets nothing to read: each parked write used to wait out the full
// second (pub -l of 1 KiB lines at QoS 0: ~9,000 msgs/s with 1.4 s of CPU in 22 s).
// Either is reported as a timeout, so Paho's own logic cycles again at once (the nap
// after it is skipped) and its write check sees the socket as it is.
int wait_for_work(pollfd* fds, nfds_t count, int timeout_ms) {
    static const auto next_poll = next_definition<PollFunction>("poll");
    thread_local std::vector<pollfd> watch;
    watch.assign(fds, fds + count);
    for (auto& entry : watch) {
        if (!unwritable.empty() &&
            std::find(unwritable.begin(), unwritable.end(), entry.fd) != unwritable.end()) {
            entry.events |= POLLOUT;
        }
    }
    if (wake_fd() >= 0) watch.push_back({wake_fd(), POLLIN, 0});
    int ready = 0;
    if (connecting()) {
        timespec slice{0, kConnectSliceNs};
        if (timeout_ms > 0 && timeout_ms * 1'000'000L < kConnectSliceNs) {
            slice.tv_nsec = timeout_ms * 1'000'000L;
        }
        ready = ppoll(watch.data(), watch.size(), &slice, nullptr);
    } else {
        ready = next_poll(watch.data(), watch.size(), timeout_ms);
    }
    if (ready < 0) return ready;
    if (wake_fd() >= 0 && watch.back().revents != 0) {
        std::uint64_t drained = 0;
        [[maybe_unused]] const auto n = ::read(wake_fd(), &drained, sizeof drained);
    }
    ready = 0;
    for (nfds_t i = 0; i < count; ++i) {
        // Only what Paho asked for; POLLERR/POLLHUP come whatever was asked.
        fds[i].revents = static_cast<short>(watch[i].revents & (fds[i].events | ~POLLOUT));
        if (fds[i].revents != 0) ++ready;
    }
    return ready;
}

}  // namespace

extern "C" int poll(struct pollfd* fds, nfds_t count, int timeout_ms) {
    static const auto next_poll = next_definition<PollFunction>("poll");
    if (!on_paho_receive_thread()) return next_poll(fds, count, timeout_ms);
    if (timeout_ms == 0) {
        const int ready = next_poll(fds, count, 0);
        if (is_write_check(fds, count, timeout_ms)) note_unwritable(fds, count, ready);
        return ready;
    }
    const int ready = wait_for_work(fds, count, timeout_ms);
    last_wait = ready == 0 ? LastWait::InVain : LastWait::Work;
    return ready;
}

namespace {

// The nap Paho takes when its wait found something to read, but on sockets it will not
// read until it has written: one with a parked write, or one its write check found full
// (it reads only from sockets it could also write to). The data stays, so every cycle
// found it at once and napped again: the parked write went on 100 ms at a time (bench
// --size 1000000 -q 1: publish-ack p50 300 ms). Waits for room on those sockets instead,
// at most for the nap.
void wait_for_room(useconds_t microseconds) {
    thread_local std::vector<pollfd> watch;
    watch.clear();
    for (const int fd : unwritable)
        watch.push_back({fd, POLLOUT, 0});
    if (wake_fd() >= 0) watch.push_back({wake_fd(), POLLIN, 0});
    const timespec nap{static_cast<time_t>(microseconds / 1'000'000),
                       static_cast<long>(microseconds % 1'000'000) * 1000};
    if (ppoll(watch.data(), watch.size(), &nap, nullptr) > 0 && wake_fd() >= 0 &&
        watch.back().revents != 0) {
        std::uint64_t drained = 0;
        [[maybe_unused]] const auto n = ::read(wake_fd(), &drained, sizeof drained);
    }
}

}  // namespace

extern "C" int usleep(useconds_t microseconds) {
    static const auto next_usleep = next_definition<UsleepFunction>("usleep");
    if (!on_paho_receive_thread()) return next_usleep(microseconds);
    const LastWait last = std::exchange(last_wait, LastWait::None);
    if (last == LastWait::InVain) return 0;  // that poll() already was the wait
    if (connecting() && microseconds > kConnectSliceNs / 1000) {
        microseconds = static_cast<useconds_t>(kConnectSliceNs / 1000);
    }
    if (last == LastWait::Work && !unwritable.empty()) {
        wait_for_room(microseconds);
        return 0;
    }
    return next_usleep(microseconds);
}

namespace {

// Sockets with a write Paho has parked (the socket took only part of it), and the send
// thread's wait. Paho's send thread sends nothing more on a socket while a write is parked
// on it, and waits for work on a condition variable for up to a second; finishing the
// parked write (on the receive thread) does not signal it. So every large PUBLISH queued
// behind another waited up to a second: `pub -f` of 10 MB with --repeat 5 took 1.2-3.2 s
// (mosquitto_pub: 0.25 s), bench --size 1000000 -q 1 had latencies of 1 and 2 s.
std::mutex parked_mutex;
std::vector<int> parked;  // guarded by parked_mutex
std::atomic<int> parked_count{0};

// The send thread's condition variable and its mutex, as seen in its last wait, and a count
// of parked writes finished, which that wait looks at (under that mutex, once known).
std::atomic<pthread_cond_t*> send_cond{nullptr};
std::atomic<pthread_mutex_t*> send_mutex{nullptr};
std::atomic<std::uint64_t> writes_finished{0};

void note_parked(int fd) {
    std::lock_guard lock(parked_mutex);
    if (std::find(parked.begin(), parked.end(), fd) != parked.end()) return;
    parked.push_back(fd);
    parked_count.store(static_cast<int>(parked.size()), std::memory_order_relaxed);
}

void wake_send_thread() {
    pthread_mutex_t* mutex = send_mutex.load(std::memory_order_acquire);
    pthread_cond_t* cond = send_cond.load(std::memory_order_acquire);
    if (mutex == nullptr || cond == nullptr) {
        writes_finished.fetch_add(1);
        return;
    }
    // As Paho signals it: under its mutex, so a send thread about to wait sees the count.
    pthread_mutex_lock(mutex);
    writes_finished.fetch_add(1);
    pthread_cond_signal(cond);
    pthread_mutex_unlock(mutex);
}

// A whole write on the receive thread to a socket with a parked write: the parked write is
// done, or its last part is on the way (the send thread, once awake, needs Paho's socket
// lock, which the receive thread holds until Paho has noted the write done).
void note_written(int fd) {
    if (parked_count.load(std::memory_order_relaxed) == 0) return;
    {
        std::lock_guard lock(parked_mutex);
        const auto found = std::find(parked.begin(), parked.end(), fd);
        if (found == parked.end()) return;
        parked.erase(found);
        parked_count.store(static_cast<int>(parked.size()), std::memory_order_relaxed);
    }
    wake_send_thread();
}

// A socket write on one of Paho's threads has returned: see paho_hooks.h. A write that
// finds the connection broken reports "nothing written yet" (EAGAIN) instead, which Paho
// handles as a full socket buffer; its read of the same socket then reports the loss.
// Only errors that mean the peer is gone are changed. And a write left unfinished (a full
// socket buffer) is one the receive thread finishes: the send thread's wakes it, and the
// receive thread's own keeps its next wait watching that socket for room. When the
// receive thread has finished it, the send thread is woken (see note_written).
ssize_t after_socket_write(ThreadKind thread, int fd, ssize_t written, std::size_t wanted) {
    if (written < 0 && (errno == EPIPE || errno == ECONNRESET)) errno = EAGAIN;
    const bool unfinished = written < 0 ? errno == EAGAIN || errno == EWOULDBLOCK
                                        : static_cast<std::size_t>(written) < wanted;
    if (!unfinished) {
        if (written >= 0 && thread == ThreadKind::PahoReceive) note_written(fd);
        return written;
    }
    const int saved = errno;
    note_parked(fd);
    if (thread == ThreadKind::PahoSend) {
        wake_receive_thread();
    } else if (std::find(unwritable.begin(), unwritable.end(), fd) == unwritable.end()) {
        unwritable.push_back(fd);
    }
    errno = saved;
    return written;
}

bool is_socket(int fd) {
    struct stat info {};
    return fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

}  // namespace

// Paho's plain-socket reads, when quick acknowledgements were asked for (mqtk check, see
// enable_quick_acks()): the ACK of what was read goes out now instead of up to
// 40 ms later. A broker with Nagle on (mosquitto's default) holds its next small packet
// until the previous one is acknowledged, and check waits on such pairs in turn (a
// PUBLISH and the PUBACK of the same round trip): each waited for our delayed ACK.
extern "C" ssize_t recv(int fd, void* buffer, size_t size, int flags) {
    static const auto next_recv = next_definition<RecvFunction>("recv");
    const ssize_t received = next_recv(fd, buffer, size, flags);
    if (received > 0 && quick_acks.load(std::memory_order_relaxed) &&
        this_thread_kind() == ThreadKind::PahoReceive) {
        const int saved = errno;
        const int on = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
        errno = saved;
    }
    return received;
}

// Paho's plain-socket writes.
extern "C" ssize_t writev(int fd, const struct iovec* iov, int count) {
    static const auto next_writev = next_definition<WritevFunction>("writev");
    const ssize_t written = next_writev(fd, iov, count);
    const ThreadKind thread = this_thread_kind();
    if (thread == ThreadKind::Other) return written;
    std::size_t wanted = 0;
    for (int i = 0; i < count; ++i)
        wanted += iov[i].iov_len;
    return after_socket_write(thread, fd, written, wanted);
}

// Paho's TLS writes: OpenSSL's socket BIO writes with write(). Only sockets are looked at
// (mqtk's own output, on the receive thread, goes to descriptors 1 and 2, which keep
// their errors), and only when the write fell short, so the common case costs nothing.
extern "C" ssize_t write(int fd, const void* data, size_t size) {
    static const auto next_write = next_definition<WriteFunction>("write");
    const ssize_t written = next_write(fd, data, size);
    const bool whole = written >= 0 && static_cast<std::size_t>(written) == size;
    if (whole && parked_count.load(std::memory_order_relaxed) == 0) return written;
    const ThreadKind thread = this_thread_kind();
    if (thread == ThreadKind::Other || fd <= 2 || fd == wake_fd()) return written;
    if (whole) {  // only sockets are ever parked
        if (thread == ThreadKind::PahoReceive) note_written(fd);
        return written;
    }
    const int saved = errno;
    if (!is_socket(fd)) return written;
    errno = saved;
    return after_socket_write(thread, fd, written, size);
}

// The send thread's wait for work (Paho's only use of it there): a parked write finished
// since its last wait ends this one at once (see note_written); and the wait is noted, so
// that the next finished write can signal it.
extern "C" int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                      const timespec* deadline) {
    static const auto next_wait = next_definition<CondTimedwaitFunction>("pthread_cond_timedwait");
    if (this_thread_kind() != ThreadKind::PahoSend) return next_wait(cond, mutex, deadline);
    thread_local std::uint64_t seen = 0;
    send_mutex.store(mutex, std::memory_order_release);
    send_cond.store(cond, std::memory_order_release);
    if (const auto finished = writes_finished.load(); finished != seen) {
        seen = finished;
        return 0;  // a wake-up, as if signalled
    }
    const int result = next_wait(cond, mutex, deadline);
    seen = writes_finished.load();
    return result;
}

namespace {
// The connection whose failed SSL_write() the send thread reports as "try again later".
thread_local const SSL* pretend_want_write = nullptr;
}  // namespace

// Paho's TLS writes again: SSL_write() on a connection that OpenSSL already knows is
// broken (the receive thread read its end first; an unexpected EOF is fatal in OpenSSL 3)
// fails at once, without a write() for the hook above to see, and Paho frees the PUBLISH
// it keeps for the resend, as above. On the send thread such a failure is reported (by
// SSL_get_error(), next) as a full socket buffer instead; the receive thread, which owns
// the loss, gets the truth when it tries the parked write again. (Seen under ASan: a
// heap-use-after-free of the topic when the TLS cut test's resend went out.)
extern "C" int SSL_write(SSL* ssl, const void* data, int size) {
    static const auto next_ssl_write = next_definition<SslWriteFunction>("SSL_write");
    static const auto next_get_error = next_definition<SslGetErrorFunction>("SSL_get_error");
    const int written = next_ssl_write(ssl, data, size);
    if (written > 0 || this_thread_kind() != ThreadKind::PahoSend) return written;
    const int error = next_get_error(ssl, written);
    if (error == SSL_ERROR_SSL || error == SSL_ERROR_SYSCALL || error == SSL_ERROR_ZERO_RETURN) {
        pretend_want_write = ssl;
        wake_receive_thread();
    }
    return written;
}

extern "C" int SSL_get_error(const SSL* ssl, int result) {
    static const auto next_get_error = next_definition<SslGetErrorFunction>("SSL_get_error");
    if (pretend_want_write != nullptr && pretend_want_write == ssl && result <= 0) {
        pretend_want_write = nullptr;
        return SSL_ERROR_WANT_WRITE;
    }
    const int error = next_get_error(ssl, result);
    // A failed handshake: kept for the error line (core/connection/hooks/tls_hooks.h).
    if (error == SSL_ERROR_SSL && this_thread_kind() != ThreadKind::Other) {
        mqtk::note_tls_failure(ssl);
    }
    return error;
}

namespace mqtk {

bool in_paho_receive_thread() {
    return on_paho_receive_thread();
}

bool in_paho_thread() {
    return this_thread_kind() != ThreadKind::Other;
}

void enable_quick_acks() {
    quick_acks.store(true, std::memory_order_relaxed);
}

// The receive thread may be in a long wait already (up to 1 s, on the sockets of the
// connections already open), which a new socket cannot end: woken, it waits again in
// connect slices and sees the new socket at once. Without this a second connection opened
// while another one idled waited up to a second for its CONNACK (mqtk check: 1 s for each
// of its extra clients).
ConnectInProgress::ConnectInProgress() {
    connects_in_progress.fetch_add(1, std::memory_order_relaxed);
    wake_receive_thread();
}

ConnectInProgress::~ConnectInProgress() {
    connects_in_progress.fetch_sub(1, std::memory_order_relaxed);
}

bool paho_hooks_active() {
    return dlsym(RTLD_DEFAULT, "poll") == reinterpret_cast<void*>(&::poll) &&
           dlsym(RTLD_DEFAULT, "usleep") == reinterpret_cast<void*>(&::usleep) &&
           dlsym(RTLD_DEFAULT, "pthread_cond_timedwait") ==
               reinterpret_cast<void*>(&::pthread_cond_timedwait) &&
           dlsym(RTLD_DEFAULT, "writev") == reinterpret_cast<void*>(&::writev) &&
           dlsym(RTLD_DEFAULT, "write") == reinterpret_cast<void*>(&::write) &&
           dlsym(RTLD_DEFAULT, "SSL_write") == reinterpret_cast<void*>(&::SSL_write) &&
           dlsym(RTLD_DEFAULT, "SSL_get_error") == reinterpret_cast<void*>(&::SSL_get_error);
}

}  // namespace mqtk
