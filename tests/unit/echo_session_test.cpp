// The record of echo's persistent sessions (core/echo_session.h): found again per broker
// and client id, replaced, forgotten, bounded, and never trusted when it cannot be read.
#include "core/echo_session.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/echo.h"

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

// The board's session policy (core/echo.h), over what the command line gave.
TEST_CASE(
    "echo connection: persistent under a stable id per topic, unless --clean, -i, -I or -x say") {
    mqtk::EchoOptions echo;
    mqtk::ConnectOptions given;
    given.clean_session = true;  // the connection flags' default
    auto c = mqtk::echo_connection(given, echo);
    CHECK_FALSE(c.clean_session);
    CHECK(c.client_id == mqtk::default_echo_client_id("foo_topic"));
    CHECK_FALSE(c.session_expiry.has_value());  // MQTT 3.1.1: no expiry to set

    echo.topic = "other";
    CHECK(mqtk::echo_connection(given, echo).client_id == mqtk::default_echo_client_id("other"));
    CHECK(mqtk::default_echo_client_id("other") != mqtk::default_echo_client_id("foo_topic"));

    given.version = mqtk::ProtocolVersion::V5;
    CHECK(mqtk::echo_connection(given, echo).session_expiry == 0xFFFFFFFFu);  // never expires
    given.session_expiry = 60;                                                // -x 60
    CHECK(mqtk::echo_connection(given, echo).session_expiry == 60u);

    given.client_id = "board";  // -i
    CHECK(mqtk::echo_connection(given, echo).client_id == "board");
    given.client_id.clear();
    given.id_prefix = "pre";  // -I: the client makes the id
    CHECK(mqtk::echo_connection(given, echo).client_id.empty());

    echo.clean = true;  // --clean
    given.session_expiry.reset();
    c = mqtk::echo_connection(given, echo);
    CHECK(c.clean_session);
    CHECK_FALSE(c.session_expiry.has_value());
}
