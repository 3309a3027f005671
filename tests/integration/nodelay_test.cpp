// --nodelay: mosquitto's clients disable Nagle's algorithm with it; mqtk always does (the
// flag is accepted for compatibility). Checked on the live process, not by timing: the
// test duplicates the client's broker socket out of it with pidfd_getfd() (allowed to a
// parent for its child) and reads TCP_NODELAY with getsockopt(). mosquitto_sub with and
// without the flag shows the probe sees both states.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/observer.h"
#include "support/process.h"
#include "support/skip.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::Observer;
using mqtk::test::Process;
using mqtk::test::skip_test;
using mqtk::test::SkipKind;

// A descriptor of its own, closed on every way out.
struct OwnedFd {
    int fd = -1;
    ~OwnedFd() {
        if (fd >= 0) ::close(fd);
    }
};

// The remote port of a TCP socket, or -1.
int peer_port(int fd) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) return -1;
    if (peer.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
    if (peer.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&peer)->sin6_port);
    return -1;
}

// TCP_NODELAY of `pid`'s connection to `broker_port`; nullopt when it has none (or the
// kernel refuses pidfd_getfd, which needs Linux 5.6).
std::optional<bool> nodelay_towards(pid_t pid, int broker_port) {
    OwnedFd pidfd{static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))};
    if (pidfd.fd < 0) return std::nullopt;
    std::error_code error;
    const std::filesystem::path fds = "/proc/" + std::to_string(pid) + "/fd";
    for (const auto& entry : std::filesystem::directory_iterator(fds, error)) {
        const auto target = std::filesystem::read_symlink(entry.path(), error);
        if (error || target.string().rfind("socket:", 0) != 0) continue;
        const int number = std::stoi(entry.path().filename().string());
        OwnedFd copy{static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.fd, number, 0))};
        if (copy.fd < 0 || peer_port(copy.fd) != broker_port) continue;
        int on = 0;
        socklen_t length = sizeof on;
        if (::getsockopt(copy.fd, IPPROTO_TCP, TCP_NODELAY, &on, &length) != 0) continue;
        return on != 0;
    }
    return std::nullopt;
}

// Whether this kernel lets a process copy descriptors out of another (Linux 5.6).
bool can_copy_descriptors() {
    OwnedFd self{static_cast<int>(::syscall(SYS_pidfd_open, ::getpid(), 0))};
    if (self.fd < 0) return false;
    const OwnedFd copy{static_cast<int>(::syscall(SYS_pidfd_getfd, self.fd, self.fd, 0))};
    return copy.fd >= 0;
}

std::vector<std::string> with_flag(std::vector<std::string> argv, bool nodelay) {
    if (nodelay) argv.push_back("--nodelay");
    return argv;
}

}  // namespace

TEST_CASE("nodelay: the probe sees mosquitto_sub's socket with and without --nodelay") {
    if (!can_copy_descriptors()) {
        skip_test("pidfd_getfd() is not available (Linux 5.6)", SkipKind::NotApplicable);
        return;
    }
    Broker broker;
    for (const bool nodelay : {false, true}) {
        CAPTURE(nodelay);
        const std::string id = nodelay ? "ref-nodelay" : "ref-nagle";
        Process reference(with_flag({"mosquitto_sub", "-h", "127.0.0.1", "-p",
                                     std::to_string(broker.port()), "-i", id, "-t", "t"},
                                    nodelay));
        REQUIRE(mqtk::test::wait_for_subscriptions(broker, id, {"t"}, 10s, &reference));
        const auto seen = nodelay_towards(reference.pid(), broker.port());
        REQUIRE(seen.has_value());
        CHECK(*seen == nodelay);
    }
}

TEST_CASE("nodelay: sub and pub disable Nagle's algorithm, with --nodelay or without") {
    if (!can_copy_descriptors()) {
        skip_test("pidfd_getfd() is not available (Linux 5.6)", SkipKind::NotApplicable);
        return;
    }
    Broker broker;
    for (const bool nodelay : {false, true}) {
        CAPTURE(nodelay);
        {
            INFO("sub");
            const std::string id = nodelay ? "sub-nodelay" : "sub-plain";
            Process sub(with_flag({mqtk::test::mqtk_binary(), "sub", "-h", "127.0.0.1", "-p",
                                   std::to_string(broker.port()), "-i", id, "-t", "t"},
                                  nodelay));
            REQUIRE(mqtk::test::wait_for_subscriptions(broker, id, {"t"}, 10s, &sub));
            const auto seen = nodelay_towards(sub.pid(), broker.port());
            REQUIRE(seen.has_value());
            CHECK(*seen);
        }
        {
            INFO("pub -l, stdin open");
            const std::string id = nodelay ? "pub-nodelay" : "pub-plain";
            Process pub(with_flag({mqtk::test::mqtk_binary(), "pub", "-h", "127.0.0.1", "-p",
                                   std::to_string(broker.port()), "-i", id, "-t", "t", "-l"},
                                  nodelay));
            // mqtk sets the option once the CONNACK is in, before its first PUBLISH.
            Observer seen_line(broker, {"t"});
            pub.write_stdin("x\n");
            REQUIRE(seen_line.lines(1, 10s).size() == 1);
            const auto seen = nodelay_towards(pub.pid(), broker.port());
            REQUIRE(seen.has_value());
            CHECK(*seen);
        }
    }
}
