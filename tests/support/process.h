// Child processes, free ports and scratch directories for the integration tests.
//
// Everything here is about running real programs (mqtk, mosquitto, mosquitto_pub/sub,
// openssl) from a test without a shell, without deadlocks on large outputs, and without
// leaving anything behind: no zombie, no orphaned child, no temporary directory (those of
// a test process killed outright are swept by the next one, see TempDir).
//
// Children are started with fork/exec and PR_SET_PDEATHSIG(SIGKILL), so they die with the
// test process even when it is killed by a ctest timeout. Linux ties that signal to the
// *thread* that forked: create a background Process from a thread that outlives it
// (normally the test's own thread). run() is unaffected, as it waits before returning.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mqtk::test {

struct ProcessResult {
    int exit_code = -1;      // the exit status, or 128 + signal number when killed by a signal
    std::string out;         // everything written to stdout
    std::string err;         // everything written to stderr
    bool timed_out = false;  // the deadline passed and the child was terminated by us

    // "exit 3" plus stdout/stderr, for doctest INFO() when a check fails.
    std::string describe() const;
};

struct RunOptions {
    std::string stdin_data;  // written to the child's stdin (then closed by run())
    std::chrono::milliseconds timeout{20000};  // run(): SIGTERM at the deadline, SIGKILL 2 s later
    std::vector<std::pair<std::string, std::string>> env;  // variables added or overridden
    std::vector<std::string> unset_env;                    // variables removed
    std::string cwd;  // working directory of the child; empty = the test's own
};

// Runs argv[0] (looked up in PATH unless it contains a '/') to completion. stdout and
// stderr are read concurrently, so any amount of output is fine. Throws
// std::runtime_error when the program cannot be executed at all.
ProcessResult run(std::vector<std::string> argv, RunOptions options = {});

// A child running in the background. Its stdin stays an open pipe until close_stdin();
// a thread of ours writes stdin and collects stdout/stderr as they come, so the child
// never blocks on a full pipe whatever the test is doing meanwhile.
class Process {
  public:
    // Starts the child (options.stdin_data is queued to its stdin first). Throws
    // std::runtime_error when the program cannot be executed.
    explicit Process(std::vector<std::string> argv, RunOptions options = {});
    ~Process();  // SIGKILL and reap if still running
    Process(Process&&) noexcept;
    Process& operator=(Process&&) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const;
    bool running() const;  // false once the child has exited (and been reaped)

    // Queues data for the child's stdin; never blocks. Ignored after close_stdin() or
    // once the child stopped reading.
    void write_stdin(std::string_view data);
    // Closes stdin (EOF for the child) once everything queued has been written.
    void close_stdin();
    // Sends a signal; false when the child has already exited (its pid may be reused).
    bool send_signal(int signal);

    // True as soon as stdout (resp. stderr) contains needle; false on timeout or when the
    // child ended without writing it.
    bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout);
    bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout);
    // General form: true as soon as pred(stdout, stderr) holds; re-evaluated on new output.
    bool wait_until(const std::function<bool(std::string_view out, std::string_view err)>& pred,
                    std::chrono::milliseconds timeout);

    std::string stdout_so_far() const;
    std::string stderr_so_far() const;

    // Waits for the child to exit and its output to end. At the deadline: SIGTERM, then
    // SIGKILL 2 s later, and timed_out = true. Can be called again; returns the same result.
    ProcessResult wait(std::chrono::milliseconds timeout);
    ProcessResult wait();  // with the timeout of the RunOptions

    struct State;  // shared with the I/O thread; defined in process.cpp

  private:
    std::unique_ptr<State> state_;
};

// The mqtk binary under test (the MQTK_BINARY compile definition).
std::string mqtk_binary();
// run() with the mqtk binary prepended to args.
ProcessResult mqtk(std::vector<std::string> args, RunOptions options = {});

// A loopback TCP port that is free now and stays reserved for this test process: it is
// chosen outside the kernel's ephemeral range (so no outgoing connection can take it)
// and locked against other test processes with an abstract unix socket held until exit,
// so parallel `ctest -j` runs never get the same port. Never returns the same port twice
// in one process.
int free_port();

// A TCP socket listening on 127.0.0.1 at a free_port(), for test servers (fake brokers,
// relays). Throws std::runtime_error naming `who` when no port could be had.
struct LoopbackListener {
    int fd = -1;
    int port = -1;
};
LoopbackListener listen_on_free_port(const char* who);

// A fresh directory /tmp/mqtk-test-<pid>-XXXXXX, removed with its contents on
// destruction. The first one made in a process also removes those of dead test processes
// (killed by a timeout before their destructors ran).
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(TempDir&& other) noexcept;
    TempDir& operator=(TempDir&& other) noexcept;
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    // path()/name (no check that it exists).
    std::string file(std::string_view name) const;
    // Writes contents to path()/name (replacing it) and returns the full path.
    std::string write(std::string_view name, std::string_view contents) const;

  private:
    void remove();
    std::string path_;
};

}  // namespace mqtk::test
