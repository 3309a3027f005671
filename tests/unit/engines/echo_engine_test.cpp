// `mqtk echo`'s engine (core/echo.cpp) in-process against FakeConnection, printing into a
// memory OutputSink: the republish of each arrival on the loop's topic, the loop seeded and
// run to -C, the loop carried across a reconnect that lost the session, the session record
// deciding the SUBSCRIBE when the loop moves to a second topic, and -W with nothing back.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <vector>

#include "core/echo.h"
#include "core/echo_session.h"
#include "core/output.h"
#include "tests/unit/engines/fake_connection.h"

using mqtk::ConnectOptions;
using mqtk::EchoOptions;
using mqtk::ExitCode;
using mqtk::OutputSink;
using mqtk::test::FakeConnection;
using mqtk::test::RunResult;
using namespace std::chrono_literals;

namespace {

// echo keeps a record of its sessions in $XDG_STATE_HOME: a test's goes to a directory of
// its own, never to the user's.
struct StateDirectory {
    std::string path;
    StateDirectory() {
        char name[] = "/tmp/mqtk-echo-engine-XXXXXX";
        REQUIRE(mkdtemp(name) != nullptr);
        path = name;
        setenv("XDG_STATE_HOME", path.c_str(), 1);
    }
    ~StateDirectory() {
        unsetenv("XDG_STATE_HOME");
        std::filesystem::remove_all(path);
    }
};

// -W bounds every run here, so that a test whose engine never ends fails instead of hanging.
EchoOptions loop_on(const std::string& topic) {
    EchoOptions options;
    options.topic = topic;
    options.delay = 0;
    options.timeout = 10;
    return options;
}

// The engine on another thread; the test plays the broker meanwhile.
struct EchoRun {
    FakeConnection fake;
    OutputSink output;  // in memory
    std::future<RunResult> result;

    void start(const EchoOptions& options, const ConnectOptions& connection = {}) {
        result = std::async(std::launch::async, [this, &options, connection] {
            return mqtk::test::result_of(
                [&] { return mqtk::run_echo(connection, options, fake.factory(), output); });
        });
    }
    RunResult run(const EchoOptions& options, const ConnectOptions& connection = {}) {
        start(options, connection);
        return finished();
    }
    RunResult finished() {
        REQUIRE(result.wait_for(15s) == std::future_status::ready);
        return result.get();
    }
    std::vector<std::string> filters() const {
        std::vector<std::string> filters;
        for (const auto& request : fake.subscribed())
            filters.push_back(request.filter);
        return filters;
    }
};

}  // namespace

TEST_CASE("echo engine: republishes each arrival on its topic, and nothing of another topic") {
    const StateDirectory state;
    EchoRun echo;
    echo.fake.loopback = true;
    auto options = loop_on("loop");
    options.first_message.reset();  // -n
    options.count = 1;
    options.qos = 1;
    echo.start(options);
    REQUIRE(echo.fake.await([&] { return echo.fake.subscribed().size() == 1; }));
    // A kept session may hold another program's subscription: not ours to echo.
    echo.fake.deliver("other", "not this");
    echo.fake.deliver("loop", "this");
    CHECK(echo.finished().code == ExitCode::Success);
    CHECK(echo.output.written() == "this\n");
    const auto sent = echo.fake.published();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].topic == "loop");
    CHECK(sent[0].payload == "this");
    CHECK(sent[0].qos == 1);
}

TEST_CASE("echo engine: seeds the loop and runs it to -C under the board's session policy") {
    const StateDirectory state;
    EchoRun echo;
    echo.fake.loopback = true;
    auto options = loop_on("foo_topic");
    options.count = 3;
    CHECK(echo.run(options).code == ExitCode::Success);
    CHECK(echo.output.written() == "hello\nhello\nhello\n");
    for (const auto& message : echo.fake.published()) {
        CHECK(message.topic == "foo_topic");
        CHECK(message.payload == "hello");
    }
    CHECK(echo.filters() == std::vector<std::string>{"foo_topic"});
    const auto made = echo.fake.made();
    REQUIRE(made);
    CHECK(made->command == "echo");
    CHECK(made->behaviour.auto_reconnect);
    CHECK(made->behaviour.publish_while_disconnected);
    CHECK_FALSE(made->options.clean_session);
    CHECK(made->options.client_id == mqtk::default_echo_client_id("foo_topic"));
}

TEST_CASE("echo engine: after a reconnect that lost the session it subscribes and seeds again") {
    const StateDirectory state;
    EchoRun echo;
    echo.fake.loopback = true;
    auto options = loop_on("foo_topic");
    options.delay = 0.5;
    options.count = 2;
    echo.start(options);
    REQUIRE(echo.fake.await([&] { return echo.output.written() == "hello\n"; }));
    echo.fake.drop();
    // The echo of that hello goes out while the connection is down (queued), and the broker
    // that comes back without the session never delivers it: the loop is broken.
    REQUIRE(echo.fake.await([&] { return echo.fake.published().size() == 2; }));
    echo.fake.restore(/*session_present=*/false);
    // Seeded again at once; without that, only the stall bound would (2 x 0.5 + 1 = 2 s
    // after the SUBSCRIBE). 0.8 s is the promise "at once" with a margin for a loaded machine.
    CHECK(echo.fake.await([&] { return echo.output.written() == "hello\nhello\n"; }, 800ms));
    CHECK(echo.finished().code == ExitCode::Success);
    CHECK(echo.filters() == std::vector<std::string>{"foo_topic", "foo_topic"});
}

TEST_CASE("echo engine: on a second topic the kept session's first is dropped, then trusted") {
    const StateDirectory state;  // one record for the three runs
    ConnectOptions connection;
    connection.client_id = "board";
    auto on_a = loop_on("a");
    on_a.count = 1;
    auto on_b = loop_on("b");
    on_b.count = 1;
    {
        // No session at the broker: subscribe, and remember what the session now holds.
        EchoRun echo;
        echo.fake.loopback = true;
        CHECK(echo.run(on_a, connection).code == ExitCode::Success);
        CHECK(echo.filters() == std::vector<std::string>{"a"});
    }
    {
        // The broker kept the session, which holds a: the loop moves to b.
        EchoRun echo;
        echo.fake.loopback = true;
        echo.fake.connect_result.session_present = true;
        echo.fake.hold_subscription("a");
        CHECK(echo.run(on_b, connection).code == ExitCode::Success);
        CHECK(echo.fake.unsubscribed() == std::vector<std::string>{"a"});
        CHECK(echo.filters() == std::vector<std::string>{"b"});
        CHECK_FALSE(echo.fake.subscribed_to("a"));
    }
    {
        // Kept again, holding b as the record says: no SUBSCRIBE, and the loop still runs.
        EchoRun echo;
        echo.fake.loopback = true;
        echo.fake.connect_result.session_present = true;
        echo.fake.hold_subscription("b");
        CHECK(echo.run(on_b, connection).code == ExitCode::Success);
        CHECK(echo.fake.subscribed().empty());
        CHECK(echo.output.written() == "hello\n");
    }
}

TEST_CASE("echo engine: -W with nothing of ours back is exit 5") {
    const StateDirectory state;
    EchoRun echo;  // no loopback: the broker swallows everything
    auto options = loop_on("foo_topic");
    options.timeout = 0.3;
    const RunResult result = echo.run(options);
    CHECK(result.code == ExitCode::Timeout);
    // (The time it names is the run's, rounded to a tenth: 0.3 unless the machine is slow.)
    CHECK(result.error.starts_with("nothing came back on 'foo_topic' in 0."));
}
