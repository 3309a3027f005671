// The record of echo's persistent sessions (core/echo_session.h): found again per broker
// and client id, replaced, forgotten, bounded, and never trusted when it cannot be read.
#include "core/echo_session.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace {

using mqtk::EchoSessionKey;
using mqtk::EchoSubscription;

// A record file in a fresh directory that does not exist yet (made on first write).
struct Scratch {
    std::string dir;
    std::string file;
    Scratch() {
        char name[] = "/tmp/mqtk-unit-echo-XXXXXX";
        dir = mkdtemp(name);
        file = dir + "/state/mqtk/echo-sessions";
    }
    ~Scratch() {
        std::remove(file.c_str());
        std::remove((file + ".lock").c_str());
        rmdir((dir + "/state/mqtk").c_str());
        rmdir((dir + "/state").c_str());
        rmdir(dir.c_str());
    }
};

}  // namespace

TEST_CASE("echo session record: remembered per broker and client id, replaced, forgotten") {
    Scratch s;
    const EchoSessionKey a{"127.0.0.1:1883", "board"};
    const EchoSessionKey b{"127.0.0.1:1884", "board"};
    CHECK_FALSE(mqtk::remembered_subscription(s.file, a));
    mqtk::remember_subscription(s.file, a, {"foo_topic", 0});
    mqtk::remember_subscription(s.file, b, {"other topic", 2});
    CHECK(mqtk::remembered_subscription(s.file, a) == EchoSubscription{"foo_topic", 0});
    CHECK(mqtk::remembered_subscription(s.file, b) == EchoSubscription{"other topic", 2});
    mqtk::remember_subscription(s.file, a, {"new", 1});
    CHECK(mqtk::remembered_subscription(s.file, a) == EchoSubscription{"new", 1});
    mqtk::forget_subscription(s.file, a);
    CHECK_FALSE(mqtk::remembered_subscription(s.file, a));
    CHECK(mqtk::remembered_subscription(s.file, b) == EchoSubscription{"other topic", 2});
}

TEST_CASE("echo session record: bounded, and what it cannot hold is not trusted") {
    Scratch s;
    for (std::size_t i = 0; i < mqtk::kMaxSessions + 5; ++i) {
        mqtk::remember_subscription(s.file, {"h:1", "id" + std::to_string(i)}, {"t", 0});
    }
    CHECK_FALSE(mqtk::remembered_subscription(s.file, {"h:1", "id0"}));  // the oldest went
    CHECK(mqtk::remembered_subscription(s.file,
                                        {"h:1", "id" + std::to_string(mqtk::kMaxSessions + 4)}));
    // A tab would split the line: not recorded, so the next run subscribes.
    mqtk::remember_subscription(s.file, {"h:1", "tab\tid"}, {"t", 0});
    CHECK_FALSE(mqtk::remembered_subscription(s.file, {"h:1", "tab\tid"}));
    mqtk::remember_subscription(s.file, {"h:1", "x"}, {"a\tb", 0});
    CHECK_FALSE(mqtk::remembered_subscription(s.file, {"h:1", "x"}));
    // A damaged line is no record.
    std::ofstream(s.file, std::ios::app) << "h:1\tbroken\tq\tt\n";
    CHECK_FALSE(mqtk::remembered_subscription(s.file, {"h:1", "broken"}));
    // No file at all (no HOME): nothing remembered, nothing written.
    CHECK_FALSE(mqtk::remembered_subscription("", {"h:1", "x"}));
    mqtk::remember_subscription("", {"h:1", "x"}, {"t", 0});
}

TEST_CASE("echo session record: XDG_STATE_HOME first, then HOME") {
    const char* saved_state = getenv("XDG_STATE_HOME");
    const char* saved_home = getenv("HOME");
    const std::string state = saved_state ? saved_state : "";
    const std::string home = saved_home ? saved_home : "";
    setenv("XDG_STATE_HOME", "/s", 1);
    CHECK(mqtk::echo_session_file() == "/s/mqtk/echo-sessions");
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/h", 1);
    CHECK(mqtk::echo_session_file() == "/h/.local/state/mqtk/echo-sessions");
    unsetenv("HOME");
    CHECK(mqtk::echo_session_file().empty());
    if (saved_state) setenv("XDG_STATE_HOME", state.c_str(), 1);
    if (saved_home) setenv("HOME", home.c_str(), 1);
}
