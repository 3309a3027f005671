// core/connection/hooks/paho_hooks: the program's own poll(), usleep() and writev() are what shared
// libraries (Paho) get; on threads named as Paho names its own, waits are cut short while
// a connect is in progress, the nap after a fruitless poll() is skipped, the wait for
// something to read also ends when a full socket (or one the receive thread filled) has
// room or the send thread parks a write, the nap beside a full socket ends when it has
// room, the send thread's wait ends when the receive thread finishes a parked write, and a
// write to a broken connection says "not yet"; other threads' calls are passed on
// unchanged.
#include "core/connection/hooks/paho_hooks.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <ctime>
#include <thread>
#include <vector>

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

// A connected pair of non-blocking stream sockets.
struct SocketPair {
    int fds[2]{-1, -1};
    SocketPair() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0); }
    ~SocketPair() {
        close(fds[0]);
        if (fds[1] >= 0) close(fds[1]);
    }
    // Writes to fds[0] until its buffer is full.
    void fill() {
        static const char block[4096] = {};
        while (write(fds[0], block, sizeof block) > 0) {
        }
    }
};

// Runs `body` on a thread named as Paho names its receive or send thread.
template <typename Body>
void as_paho_thread(const char* name, Body body) {
    std::thread thread([&] {
        prctl(PR_SET_NAME, name);
        body();
    });
    thread.join();
}

template <typename Body>
void as_paho_receive_thread(Body body) {
    as_paho_thread("MQTTAsync_rcv", body);
}

ssize_t write_one_byte(int fd) {
    char byte = 'x';
    iovec part{&byte, 1};
    return writev(fd, &part, 1);
}

// What a busy 2-core machine (ctest -j3, sanitizers) may add to any wait: the margin of
// every bound below. A wait cut to 0.2 ms must take less than this; one left alone takes
// 50 ms or more.
constexpr milliseconds kMargin{50};

// How long `wait` took.
template <typename Wait>
Clock::duration time_of(Wait wait) {
    const auto start = Clock::now();
    wait();
    return Clock::now() - start;
}

}  // namespace

TEST_CASE(
    "paho hooks: the dynamic linker hands out mqtk's poll(), usleep(), "
    "pthread_cond_timedwait(), writev(), write(), SSL_write(), SSL_get_error()") {
    CHECK(mqtk::paho_hooks_active());
}

TEST_CASE("paho hooks: during a connect, the receive thread's waits are cut short") {
    Pipe idle;  // never written: poll() can only time out
    pollfd watch{idle.fds[0], POLLIN, 0};
    const mqtk::ConnectInProgress connecting;
    as_paho_receive_thread([&] {
        int ready = -1;
        CHECK(time_of([&] { ready = poll(&watch, 1, 5000); }) < kMargin);
        CHECK(ready == 0);
        CHECK(time_of([] { usleep(100'000); }) < kMargin);    // after a poll: skipped
        CHECK(time_of([] { usleep(3'000'000); }) < kMargin);  // alone: shortened
    });
}

TEST_CASE("paho hooks: readiness is still reported during a connect") {
    Pipe ready;
    REQUIRE(write(ready.fds[1], "x", 1) == 1);
    pollfd watch{ready.fds[0], POLLIN, 0};
    const mqtk::ConnectInProgress connecting;
    as_paho_receive_thread([&] {
        CHECK(poll(&watch, 1, 1000) == 1);
        CHECK((watch.revents & POLLIN) != 0);
    });
}

TEST_CASE("paho hooks: outside a connect, only the nap after a fruitless poll is skipped") {
    Pipe idle;
    pollfd watch{idle.fds[0], POLLIN, 0};
    as_paho_receive_thread([&] {
        CHECK(time_of([&] { poll(&watch, 1, 50); }) >= milliseconds(50));
        CHECK(time_of([] { usleep(100'000); }) < kMargin);
        CHECK(time_of([] { usleep(50'000); }) >= milliseconds(50));  // no poll before it
    });
}

TEST_CASE("paho hooks: other threads' calls are passed on unchanged") {
    Pipe idle;
    pollfd watch{idle.fds[0], POLLIN, 0};
    const mqtk::ConnectInProgress connecting;
    CHECK(time_of([&] { poll(&watch, 1, 50); }) >= milliseconds(50));
    CHECK(time_of([] { usleep(50'000); }) >= milliseconds(50));
}

TEST_CASE("paho hooks: the receive thread's wait ends when a full socket has room again") {
    SocketPair pair;
    pair.fill();
    std::thread reader([&] {
        std::this_thread::sleep_for(milliseconds(100));
        char buffer[65536];
        while (read(pair.fds[1], buffer, sizeof buffer) > 0) {
        }
    });
    as_paho_receive_thread([&] {
        pollfd check{pair.fds[0], POLLOUT, 0};  // Paho's write check: not writable
        REQUIRE(poll(&check, 1, 0) == 0);
        pollfd wait{pair.fds[0], POLLIN | POLLNVAL, 0};
        int ready = -1;
        // The other thread acts after 100 ms; each of the two threads may be late by kMargin.
        CHECK(time_of([&] { ready = poll(&wait, 1, 5000); }) < milliseconds(100) + 2 * kMargin);
        CHECK(ready == 0);  // reported as a timeout: Paho cycles and writes on
        CHECK(wait.revents == 0);
    });
    reader.join();
}

TEST_CASE("paho hooks: a write the send thread parks wakes the receive thread's wait") {
    Pipe idle;
    SocketPair pair;
    pair.fill();
    std::thread sender([&] {
        std::this_thread::sleep_for(milliseconds(100));
        as_paho_thread("MQTTAsync_send", [&] {
            errno = 0;
            CHECK(write_one_byte(pair.fds[0]) == -1);
            CHECK(errno == EAGAIN);  // unchanged for the caller
        });
    });
    as_paho_receive_thread([&] {
        pollfd wait{idle.fds[0], POLLIN | POLLNVAL, 0};
        int ready = -1;
        // The other thread acts after 100 ms; each of the two threads may be late by kMargin.
        CHECK(time_of([&] { ready = poll(&wait, 1, 5000); }) < milliseconds(100) + 2 * kMargin);
        CHECK(ready == 0);
    });
    sender.join();
}

// Paho continues a parked write on its receive thread between its write check (which
// found room) and its wait for something to read; a large PUBLISH fills the socket again
// with each such write, and the wait must end when there is room once more (it ran out
// its full second per write: `pub -f` of 50 MB took 7-11 s).
TEST_CASE("paho hooks: the receive thread's wait ends when a socket it filled has room again") {
    std::signal(SIGPIPE, SIG_IGN);
    static std::vector<char> large(16 << 20, 'x');  // more than any socket buffer
    for (const bool tls : {false, true}) {          // writev(): plain TCP; write(): OpenSSL's
        CAPTURE(tls);
        SocketPair pair;
        std::atomic<bool> filled{false};
        std::thread reader([&] {
            while (!filled)
                std::this_thread::sleep_for(milliseconds(1));
            std::this_thread::sleep_for(milliseconds(100));
            char buffer[65536];
            while (read(pair.fds[1], buffer, sizeof buffer) > 0) {
            }
        });
        as_paho_receive_thread([&] {
            pollfd check{pair.fds[0], POLLOUT, 0};  // Paho's write check: room
            REQUIRE(poll(&check, 1, 0) == 1);
            iovec whole{large.data(), large.size()};
            const ssize_t written = tls ? write(pair.fds[0], large.data(), large.size())
                                        : writev(pair.fds[0], &whole, 1);
            filled = true;
            REQUIRE(written > 0);
            REQUIRE(static_cast<std::size_t>(written) < large.size());  // the rest is parked
            pollfd wait{pair.fds[0], POLLIN | POLLNVAL, 0};
            int ready = -1;
            // The other thread acts after 100 ms; each thread may be late by kMargin.
            CHECK(time_of([&] { ready = poll(&wait, 1, 5000); }) < milliseconds(100) + 2 * kMargin);
            CHECK(ready == 0);  // reported as a timeout: Paho cycles and writes on
            CHECK(wait.revents == 0);
        });
        reader.join();
    }
}

// Paho naps 100 ms when its wait found something to read only on sockets it will not read
// yet: one its write check found full (or with a parked write). The data stays, so each
// cycle napped again and the parked write went on 100 ms at a time.
TEST_CASE("paho hooks: the receive thread's nap beside a full socket ends when it has room") {
    SocketPair pair;
    pair.fill();
    REQUIRE(write(pair.fds[1], "x", 1) == 1);  // something to read
    std::atomic<bool> napping{false};
    std::thread reader([&] {
        while (!napping)
            std::this_thread::sleep_for(milliseconds(1));
        std::this_thread::sleep_for(milliseconds(100));
        char buffer[65536];
        while (read(pair.fds[1], buffer, sizeof buffer) > 0) {
        }
    });
    as_paho_receive_thread([&] {
        pollfd check{pair.fds[0], POLLOUT, 0};  // Paho's write check: no room
        const int writable = poll(&check, 1, 0);
        pollfd wait{pair.fds[0], POLLIN | POLLNVAL, 0};
        const int readable = poll(&wait, 1, 5000);
        napping = true;
        REQUIRE(writable == 0);
        REQUIRE(readable == 1);
        // The other thread acts after 100 ms; each thread may be late by kMargin.
        CHECK(time_of([] { usleep(5'000'000); }) < milliseconds(100) + 2 * kMargin);
    });
    reader.join();
}

// Paho's send thread sends nothing more on a socket with a parked write and waits for work
// (1 s at a time); the receive thread finishing that write did not wake it, so each large
// PUBLISH queued behind another waited up to a second.
TEST_CASE(
    "paho hooks: the send thread's wait ends when the receive thread finishes a parked "
    "write") {
    static pthread_cond_t work = PTHREAD_COND_INITIALIZER;          // never destroyed: the hooks
    static pthread_mutex_t work_mutex = PTHREAD_MUTEX_INITIALIZER;  // keep its address
    static std::vector<char> large(16 << 20, 'x');
    const auto wait_for_work = [](milliseconds timeout) {
        timespec deadline{};
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout.count() / 1000;
        deadline.tv_nsec += (timeout.count() % 1000) * 1'000'000;
        if (deadline.tv_nsec >= 1'000'000'000) {
            ++deadline.tv_sec;
            deadline.tv_nsec -= 1'000'000'000;
        }
        pthread_mutex_lock(&work_mutex);
        pthread_cond_timedwait(&work, &work_mutex, &deadline);
        pthread_mutex_unlock(&work_mutex);
    };
    SocketPair pair;
    std::atomic<bool> finished{false};
    std::atomic<bool> waiting{false};
    std::thread receiver([&] {
        while (!waiting)
            std::this_thread::sleep_for(milliseconds(1));
        std::this_thread::sleep_for(milliseconds(100));
        as_paho_receive_thread([&] {
            iovec whole{large.data(), large.size()};
            const ssize_t written = writev(pair.fds[0], &whole, 1);
            CHECK(written > 0);
            CHECK(static_cast<std::size_t>(written) < large.size());  // parked
            char buffer[65536];
            while (read(pair.fds[1], buffer, sizeof buffer) > 0) {
            }
            finished = true;
            CHECK(write_one_byte(pair.fds[0]) == 1);  // the rest of it, whole
        });
    });
    as_paho_thread("MQTTAsync_send", [&] {
        wait_for_work(milliseconds(1));  // ends at once for a write finished by an earlier test
        waiting = true;
        // The other thread acts after 100 ms; each thread may be late by kMargin.
        CHECK(time_of([&] { wait_for_work(milliseconds(5000)); }) <
              milliseconds(100) + 2 * kMargin);
        CHECK(finished);
    });
    receiver.join();
}

TEST_CASE("paho hooks: on Paho's threads a write to a broken connection says 'not yet'") {
    std::signal(SIGPIPE, SIG_IGN);  // as mqtk does
    SocketPair pair;
    close(pair.fds[1]);
    pair.fds[1] = -1;
    for (const char* name : {"MQTTAsync_send", "MQTTAsync_rcv"}) {
        CAPTURE(name);
        as_paho_thread(name, [&] {
            errno = 0;
            CHECK(write_one_byte(pair.fds[0]) == -1);  // writev(): plain TCP
            CHECK(errno == EAGAIN);
            errno = 0;
            CHECK(write(pair.fds[0], "x", 1) == -1);  // write(): OpenSSL's, for TLS
            CHECK(errno == EAGAIN);
        });
    }
    errno = 0;  // anyone else hears the truth
    CHECK(write_one_byte(pair.fds[0]) == -1);
    CHECK(errno == EPIPE);
    errno = 0;
    CHECK(write(pair.fds[0], "x", 1) == -1);
    CHECK(errno == EPIPE);
    Pipe pipe;  // and a write() that is not to a socket keeps its error on Paho's threads too
    close(pipe.fds[0]);
    pipe.fds[0] = open("/dev/null", O_RDONLY);
    as_paho_thread("MQTTAsync_rcv", [&] {
        errno = 0;
        CHECK(write(pipe.fds[1], "x", 1) == -1);
        CHECK(errno == EPIPE);
    });
}

// A TLS client whose handshake met garbage: OpenSSL marks the connection failed, and every
// SSL_write() after that fails at once, without writing - as when Paho's receive thread
// has read the end of a TLS connection before its send thread writes a PUBLISH to it.
TEST_CASE("paho hooks: a TLS write to a failed connection is 'not yet' once, on the send thread") {
    SSL_CTX* context = SSL_CTX_new(TLS_client_method());
    REQUIRE(context != nullptr);
    SSL* ssl = SSL_new(context);
    REQUIRE(ssl != nullptr);
    SocketPair pair;
    static constexpr char kGarbage[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    REQUIRE(write(pair.fds[1], kGarbage, sizeof kGarbage - 1) > 0);
    SSL_set_fd(ssl, pair.fds[0]);
    SSL_set_connect_state(ssl);
    int result = 0;
    for (int i = 0; i < 100 && result <= 0; ++i) {  // non-blocking: until it fails for good
        result = SSL_do_handshake(ssl);
        if (result <= 0 && SSL_get_error(ssl, result) == SSL_ERROR_SSL) break;
    }
    REQUIRE(result <= 0);
    REQUIRE(SSL_get_error(ssl, result) == SSL_ERROR_SSL);

    // Elsewhere, and on Paho's receive thread (which owns the loss), the truth: a failure
    // (SSL_ERROR_SSL, or SSL_ERROR_SYSCALL where the thread's error queue is empty).
    const auto failed = [](int error) {
        return error == SSL_ERROR_SSL || error == SSL_ERROR_SYSCALL;
    };
    CHECK(failed(SSL_get_error(ssl, SSL_write(ssl, "x", 1))));
    as_paho_receive_thread([&] { CHECK(failed(SSL_get_error(ssl, SSL_write(ssl, "x", 1)))); });
    // On the send thread: "the socket is full, try again later", once.
    as_paho_thread("MQTTAsync_send", [&] {
        const int written = SSL_write(ssl, "x", 1);
        CHECK(written <= 0);
        CHECK(SSL_get_error(ssl, written) == SSL_ERROR_WANT_WRITE);
        CHECK(failed(SSL_get_error(ssl, written)));
    });
    SSL_free(ssl);
    SSL_CTX_free(context);
}
