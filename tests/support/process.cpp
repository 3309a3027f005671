// Child processes, free ports and scratch directories for the integration tests.
// See process.h for the guarantees; the comments here explain how they are kept.
#include "support/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <system_error>
#include <thread>

extern char** environ;

namespace mqtk::test {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// After the child exits, how long we keep reading its pipes: a grandchild that inherited
// them could otherwise keep us waiting for an EOF forever.
constexpr milliseconds kDrainGrace{1000};
// Between SIGTERM and SIGKILL when a deadline passes.
constexpr milliseconds kKillGrace{2000};

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// Owns one file descriptor.
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

// Moves fd above 0..2: the child dup2()s its pipe ends onto 0..2, and dup2(fd, fd) would
// keep the close-on-exec flag on a pipe that happened to land there.
UniqueFd above_stdio(UniqueFd fd) {
    if (fd.get() >= 3) return fd;
    UniqueFd moved{::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3)};
    if (moved.get() < 0) throw_errno("fcntl(F_DUPFD_CLOEXEC)");
    return moved;
}

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

// Close-on-exec, so children started concurrently from other threads don't inherit it.
Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
    return {above_stdio(UniqueFd{fds[0]}), above_stdio(UniqueFd{fds[1]})};
}

void set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
        throw_errno("fcntl(O_NONBLOCK)");
}

std::string env_name(std::string_view entry) {
    return std::string(entry.substr(0, entry.find('=')));
}

// The parent's environment with options.unset_env removed and options.env applied.
std::vector<std::string> child_environment(const RunOptions& options) {
    auto overridden = [&](const std::string& name) {
        return std::any_of(options.env.begin(), options.env.end(),
                           [&](const auto& kv) { return kv.first == name; }) ||
               std::find(options.unset_env.begin(), options.unset_env.end(), name) !=
                   options.unset_env.end();
    };
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        if (!overridden(env_name(*entry))) env.emplace_back(*entry);
    }
    for (const auto& [name, value] : options.env)
        env.push_back(name + "=" + value);
    return env;
}

std::string path_variable(const std::vector<std::string>& env) {
    for (const auto& entry : env) {
        if (entry.starts_with("PATH=")) return entry.substr(5);
    }
    return "/usr/local/bin:/usr/bin:/bin";
}

// Resolved in the parent, so "not found" is an exception here rather than a mysterious
// exit 127, and the child only has to call execve().
std::string resolve_executable(const std::string& name, const std::vector<std::string>& env) {
    if (name.find('/') != std::string::npos) return name;
    const std::string path = path_variable(env);
    for (std::size_t begin = 0; begin <= path.size();) {
        std::size_t end = path.find(':', begin);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(begin, end - begin);
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        std::error_code ec;
        if (std::filesystem::is_regular_file(candidate, ec) &&
            ::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        begin = end + 1;
    }
    throw std::runtime_error("cannot run '" + name + "': not found in PATH");
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (auto& s : strings)
        result.push_back(s.data());
    result.push_back(nullptr);
    return result;
}

// In the forked child: reports errno to the parent through error_fd.
[[noreturn]] void fail_in_child(int error_fd) {
    const int error = errno;
    [[maybe_unused]] auto n = ::write(error_fd, &error, sizeof error);
    ::_exit(127);
}

// Runs in the forked child: only async-signal-safe calls until execve(). Reports the
// errno of a failure through error_fd and exits 127.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp,
                             const char* cwd, int stdin_fd, int stdout_fd, int stderr_fd,
                             int error_fd, pid_t parent) {
    auto fail = [error_fd] { fail_in_child(error_fd); };
    if (::dup2(stdin_fd, 0) < 0 || ::dup2(stdout_fd, 1) < 0 || ::dup2(stderr_fd, 2) < 0) fail();
    if (cwd != nullptr && ::chdir(cwd) != 0) fail();
    // Own process group: a Ctrl-C on the terminal reaches the test runner only, and the
    // children die through PDEATHSIG instead; signals to them are then always ours.
    ::setpgid(0, 0);
    // Dispositions set to "ignore" (e.g. SIGPIPE) and blocked signals survive execve;
    // the child must start with the defaults, as it would from a shell.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig)
        ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // Dies with the test process, even if that one is SIGKILLed by a ctest timeout.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl()
    // Descriptors the test opened without O_CLOEXEC must not leak into the child.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    ::execve(path, argv, envp);
    fail_in_child(error_fd);
}

// Waits for the exec of a fresh child: EOF on the error pipe means it succeeded.
void check_exec(pid_t pid, int error_fd, const std::string& path) {
    int error = 0;
    ssize_t n;
    do {
        n = ::read(error_fd, &error, sizeof error);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return;
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw std::runtime_error("cannot run '" + path + "': " + std::strerror(error));
}

pid_t spawn(std::vector<std::string> argv, const RunOptions& options, int stdin_fd, int stdout_fd,
            int stderr_fd) {
    if (argv.empty()) throw std::invalid_argument("run: empty argv");
    std::vector<std::string> env = child_environment(options);
    const std::string path = resolve_executable(argv[0], env);
    std::vector<char*> argv_ptrs = c_strings(argv);
    std::vector<char*> env_ptrs = c_strings(env);
    const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();
    Pipe error = make_pipe();
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
        exec_child(path.c_str(), argv_ptrs.data(), env_ptrs.data(), cwd, stdin_fd, stdout_fd,
                   stderr_fd, error.write.get(), parent);
    }
    error.write.reset();
    check_exec(pid, error.read.get(), path);
    return pid;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string truncated(const std::string& text) {
    constexpr std::size_t kMax = 4096;
    if (text.size() <= kMax) return text;
    return text.substr(0, kMax) + "... (" + std::to_string(text.size() - kMax) + " more bytes)";
}

}  // namespace

std::string ProcessResult::describe() const {
    std::string text = "exit " + std::to_string(exit_code);
    if (timed_out) text += " (timed out, terminated)";
    text += "\n--- stdout ---\n" + truncated(out) + "\n--- stderr ---\n" + truncated(err);
    return text;
}

// Everything the I/O thread and the test thread share. The mutex also orders kill()
// against waitpid(): once a pid is reaped it may be reused, so we never signal it after.
struct Process::State {
    pid_t pid = -1;
    milliseconds default_timeout{20000};

    mutable std::mutex mutex;
    std::condition_variable changed;
    std::string out;
    std::string err;
    std::string pending_stdin;
    bool close_stdin_requested = false;
    bool exited = false;    // reaped
    bool finished = false;  // reaped and the output collected; the I/O thread is done
    bool timed_out = false;
    int exit_code = -1;

    // Owned by the I/O thread once it runs.
    UniqueFd stdin_fd;
    UniqueFd stdout_fd;
    UniqueFd stderr_fd;
    UniqueFd pid_fd;   // becomes readable when the child exits; -1 if pidfd_open is missing
    UniqueFd wake_fd;  // eventfd: new stdin data or close request
    std::thread io;

    void wake() const {
        const std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd.get(), &one, sizeof one);
    }
    ProcessResult result() const { return {exit_code, out, err, timed_out}; }
    void io_loop();
    bool try_reap();
    void write_pending_stdin();
    bool read_into(UniqueFd& fd, std::string State::*buffer);
};

// Reaps the child if it has exited. Called with the mutex *not* held.
bool Process::State::try_reap() {
    std::lock_guard lock(mutex);
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno != ECHILD)) return false;
    // ECHILD: someone else reaped it (SIGCHLD ignored by the test?); the status is lost.
    exit_code = r == pid ? decode_status(status) : -1;
    exited = true;
    changed.notify_all();
    return true;
}

void Process::State::write_pending_stdin() {
    std::lock_guard lock(mutex);
    while (stdin_fd.get() >= 0 && !pending_stdin.empty()) {
        const ssize_t n = ::write(stdin_fd.get(), pending_stdin.data(), pending_stdin.size());
        if (n > 0) {
            pending_stdin.erase(0, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && errno == EAGAIN) {
            return;
        } else {  // EPIPE: the child closed its stdin; what it didn't read is dropped
            pending_stdin.clear();
            stdin_fd.reset();
        }
    }
    if (pending_stdin.empty() && (close_stdin_requested || exited)) stdin_fd.reset();
}

// Reads what is available; false (and the fd closed) at EOF.
bool Process::State::read_into(UniqueFd& fd, std::string State::*buffer) {
    std::array<char, 65536> chunk;
    const ssize_t n = ::read(fd.get(), chunk.data(), chunk.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) {
        fd.reset();
        return false;
    }
    std::lock_guard lock(mutex);
    (this->*buffer).append(chunk.data(), static_cast<std::size_t>(n));
    changed.notify_all();
    return true;
}

void Process::State::io_loop() {
    // A write to a child that closed its stdin must give EPIPE, not kill the test runner;
    // blocking SIGPIPE in this thread only leaves the test's own signal handling alone.
    sigset_t pipe_signal;
    ::sigemptyset(&pipe_signal);
    ::sigaddset(&pipe_signal, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);

    Clock::time_point exit_time{};
    for (;;) {
        bool has_pending;
        {
            std::lock_guard lock(mutex);
            has_pending = !pending_stdin.empty();
        }
        const bool is_exited = exited;  // only this thread writes it
        std::vector<pollfd> fds;
        auto add = [&fds](int fd, short events) {
            fds.push_back({fd, events, 0});
            return fds.size() - 1;
        };
        const std::size_t none = SIZE_MAX;
        const std::size_t wake_i = add(wake_fd.get(), POLLIN);
        const std::size_t out_i = stdout_fd.get() >= 0 ? add(stdout_fd.get(), POLLIN) : none;
        const std::size_t err_i = stderr_fd.get() >= 0 ? add(stderr_fd.get(), POLLIN) : none;
        const std::size_t in_i =
            stdin_fd.get() >= 0 && has_pending ? add(stdin_fd.get(), POLLOUT) : none;
        const std::size_t pid_i =
            !is_exited && pid_fd.get() >= 0 ? add(pid_fd.get(), POLLIN) : none;

        int timeout = -1;
        if (is_exited) {
            const auto left = kDrainGrace - (Clock::now() - exit_time);
            timeout = static_cast<int>(
                std::max<long long>(0, std::chrono::duration_cast<milliseconds>(left).count()));
        } else if (pid_fd.get() < 0) {
            timeout = 10;  // no pidfd: poll for the exit
        }
        if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) break;

        auto ready = [&fds, none](std::size_t i) { return i != none && fds[i].revents != 0; };
        if (ready(wake_i)) {
            std::uint64_t count;
            [[maybe_unused]] auto n = ::read(wake_fd.get(), &count, sizeof count);
        }
        if (ready(out_i)) read_into(stdout_fd, &State::out);
        if (ready(err_i)) read_into(stderr_fd, &State::err);
        if (ready(in_i) || ready(wake_i)) write_pending_stdin();
        if (!is_exited && (ready(pid_i) || pid_fd.get() < 0) && try_reap()) {
            exit_time = Clock::now();
            write_pending_stdin();  // closes stdin: nobody will read it any more
        }
        const bool drained = stdout_fd.get() < 0 && stderr_fd.get() < 0;
        if (exited && (drained || Clock::now() - exit_time >= kDrainGrace)) break;
    }
    std::lock_guard lock(mutex);
    stdin_fd.reset();
    stdout_fd.reset();
    stderr_fd.reset();
    finished = true;
    changed.notify_all();
}

Process::Process(std::vector<std::string> argv, RunOptions options)
    : state_(std::make_unique<State>()) {
    State& s = *state_;
    // Everything that can fail is prepared before the fork, so a failure leaks no child.
    Pipe in = make_pipe();
    Pipe out = make_pipe();
    Pipe err = make_pipe();
    set_nonblocking(in.write.get());
    set_nonblocking(out.read.get());
    set_nonblocking(err.read.get());
    s.wake_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (s.wake_fd.get() < 0) throw_errno("eventfd");
    s.default_timeout = options.timeout;
    s.pending_stdin = std::move(options.stdin_data);

    s.pid = spawn(std::move(argv), options, in.read.get(), out.write.get(), err.write.get());
    s.stdin_fd = std::move(in.write);
    s.stdout_fd = std::move(out.read);
    s.stderr_fd = std::move(err.read);
    // Without pidfd (kernels before 5.3) the I/O thread polls waitpid() instead.
    s.pid_fd.reset(static_cast<int>(::syscall(SYS_pidfd_open, s.pid, 0)));
    try {
        s.io = std::thread([&s] { s.io_loop(); });
    } catch (...) {
        ::kill(s.pid, SIGKILL);
        ::waitpid(s.pid, nullptr, 0);
        throw;
    }
}

Process::~Process() {
    if (!state_) return;  // moved from
    send_signal(SIGKILL);
    state_->io.join();
    if (!state_->exited) {  // only if poll() itself failed in the I/O thread
        ::kill(state_->pid, SIGKILL);
        ::waitpid(state_->pid, nullptr, 0);
    }
}

Process::Process(Process&&) noexcept = default;

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        Process discarded(std::move(*this));
        state_ = std::move(other.state_);
    }
    return *this;
}

pid_t Process::pid() const {
    return state_->pid;
}

bool Process::running() const {
    std::lock_guard lock(state_->mutex);
    return !state_->exited;
}

void Process::write_stdin(std::string_view data) {
    {
        std::lock_guard lock(state_->mutex);
        if (state_->close_stdin_requested || state_->finished) return;
        state_->pending_stdin.append(data);
    }
    state_->wake();
}

void Process::close_stdin() {
    {
        std::lock_guard lock(state_->mutex);
        state_->close_stdin_requested = true;
    }
    state_->wake();
}

bool Process::send_signal(int signal) {
    std::lock_guard lock(state_->mutex);
    if (state_->exited) return false;
    return ::kill(state_->pid, signal) == 0;
}

bool Process::wait_until(const std::function<bool(std::string_view, std::string_view)>& pred,
                         milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::unique_lock lock(state_->mutex);
    for (;;) {
        if (pred(state_->out, state_->err)) return true;
        if (state_->finished) return false;
        if (state_->changed.wait_until(lock, deadline) == std::cv_status::timeout) {
            return pred(state_->out, state_->err);
        }
    }
}

bool Process::wait_for_output(std::string_view needle, milliseconds timeout) {
    return wait_until(
        [needle](std::string_view out, std::string_view) {
            return out.find(needle) != std::string_view::npos;
        },
        timeout);
}

bool Process::wait_for_stderr(std::string_view needle, milliseconds timeout) {
    return wait_until(
        [needle](std::string_view, std::string_view err) {
            return err.find(needle) != std::string_view::npos;
        },
        timeout);
}

std::string Process::stdout_so_far() const {
    std::lock_guard lock(state_->mutex);
    return state_->out;
}

std::string Process::stderr_so_far() const {
    std::lock_guard lock(state_->mutex);
    return state_->err;
}

ProcessResult Process::wait(milliseconds timeout) {
    State& s = *state_;
    auto finished = [&s] { return s.finished; };
    {
        std::unique_lock lock(s.mutex);
        if (s.changed.wait_for(lock, timeout, finished)) return s.result();
    }
    if (send_signal(SIGTERM)) {
        std::lock_guard lock(s.mutex);
        s.timed_out = true;
    }
    {
        std::unique_lock lock(s.mutex);
        if (s.changed.wait_for(lock, kKillGrace, finished)) return s.result();
    }
    send_signal(SIGKILL);
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, finished);
    return s.result();
}

ProcessResult Process::wait() {
    return wait(state_->default_timeout);
}

ProcessResult run(std::vector<std::string> argv, RunOptions options) {
    const milliseconds timeout = options.timeout;
    Process process(std::move(argv), std::move(options));
    process.close_stdin();
    return process.wait(timeout);
}

#ifndef MQTK_BINARY
#error "MQTK_BINARY must be defined as the path of the mqtk binary (see tests/CMakeLists.txt)"
#endif

std::string mqtk_binary() {
    return MQTK_BINARY;
}

ProcessResult mqtk(std::vector<std::string> args, RunOptions options) {
    args.insert(args.begin(), mqtk_binary());
    return run(std::move(args), std::move(options));
}

namespace {

// The larger stretch of [10000, 65535] outside ip_local_port_range, where connect()
// picks its source ports: a port there can't be taken by some test's outgoing connection
// between our check and the broker's bind.
std::pair<int, int> reservable_range() {
    int low = 32768, high = 60999;
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    in >> low >> high;
    const int below = low - 10000;
    const int above = 65535 - high;
    if (below >= above && below >= 1000) return {10000, low - 1};
    if (above >= 1000) return {high + 1, 65535};
    return {10000, 65535};  // odd kernel setting: the lock and the bind check still hold
}

// An abstract unix socket named after the port: a lock shared by every process on the
// machine (same network namespace), released by the kernel when its holder exits, and
// leaving no file behind.
UniqueFd lock_port(int port) {
    UniqueFd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (fd.get() < 0) throw_errno("socket(AF_UNIX)");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string name = "mqtk-test-port-" + std::to_string(port);
    std::memcpy(addr.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) return UniqueFd{};
    return fd;
}

// Strict check (no SO_REUSEADDR): also fails while old connections linger in TIME_WAIT.
bool tcp_port_bindable(int port) {
    UniqueFd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (fd.get() < 0) throw_errno("socket(AF_INET)");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

}  // namespace

int free_port() {
    static std::mutex mutex;
    static std::mt19937 random{std::random_device{}()};
    static std::vector<int> held_locks;  // intentionally never closed: released at exit

    std::lock_guard lock(mutex);
    const auto [low, high] = reservable_range();
    std::uniform_int_distribution<int> pick(low, high);
    for (int attempt = 0; attempt < 1000; ++attempt) {
        const int port = pick(random);
        UniqueFd port_lock = lock_port(port);
        if (port_lock.get() < 0 || !tcp_port_bindable(port)) continue;
        held_locks.push_back(port_lock.release());
        return port;
    }
    throw std::runtime_error("free_port: no free loopback port found in " + std::to_string(low) +
                             "-" + std::to_string(high));
}

LoopbackListener listen_on_free_port(const char* who) {
    for (int attempt = 0; attempt < 10; ++attempt) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const int port = free_port();
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
            ::listen(fd, 16) == 0) {
            return {fd, port};
        }
        ::close(fd);
    }
    throw std::runtime_error(std::string(who) + ": no port to listen on");
}

namespace {

constexpr std::string_view kTempPrefix = "mqtk-test-";

// Removes the directories left by test processes that were killed (a ctest timeout sends
// SIGKILL, so no destructor ran). The owner's pid is part of each name.
void remove_stale_temp_dirs() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/tmp", ec)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(kTempPrefix)) continue;
        const pid_t owner = static_cast<pid_t>(std::atol(name.c_str() + kTempPrefix.size()));
        if (owner <= 0 || ::kill(owner, 0) == 0 || errno != ESRCH) continue;
        std::filesystem::remove_all(entry.path(), ec);
    }
}

}  // namespace

TempDir::TempDir() {
    static std::once_flag swept;
    std::call_once(swept, remove_stale_temp_dirs);
    std::string pattern =
        "/tmp/" + std::string(kTempPrefix) + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw_errno("mkdtemp");
    path_ = pattern;
}

TempDir::~TempDir() {
    remove();
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempDir& TempDir::operator=(TempDir&& other) noexcept {
    if (this != &other) {
        remove();
        path_ = std::exchange(other.path_, {});
    }
    return *this;
}

void TempDir::remove() {
    if (path_.empty()) return;
    std::error_code ignored;  // a destructor must not throw; /tmp is cleaned eventually
    std::filesystem::remove_all(path_, ignored);
    path_.clear();
}

std::string TempDir::file(std::string_view name) const {
    return path_ + "/" + std::string(name);
}

std::string TempDir::write(std::string_view name, std::string_view contents) const {
    const std::string full = file(name);
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write " + full);
    return full;
}

}  // namespace mqtk::test
