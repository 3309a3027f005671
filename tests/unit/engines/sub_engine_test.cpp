// `mqtk sub`'s engine (core/sub.cpp) in-process against FakeConnection, printing into a
// memory OutputSink: the end conditions (-C, --expect, -W, -E), what is not printed (-R,
// -T), -v through the sink, --remove-retained's publishes, the SUBSCRIBE sent again after a
// reconnect that lost the session, and a reader that left.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "core/output.h"
#include "core/sub.h"
#include "tests/unit/engines/fake_connection.h"

using mqtk::ExitCode;
using mqtk::OutputSink;
using mqtk::SubOptions;
using mqtk::test::FakeConnection;
using mqtk::test::RunResult;
using namespace std::chrono_literals;

namespace {

// -W bounds every run here, so that a test whose engine never ends fails instead of hanging.
SubOptions subscribe_to(const std::string& filter) {
    SubOptions options;
    options.filters = {filter};
    options.timeout = 5;
    return options;
}

// The engine on another thread; the test plays the broker meanwhile.
struct SubRun {
    FakeConnection fake;
    OutputSink output;  // in memory
    std::future<RunResult> result;

    void start(const SubOptions& options) {
        result = std::async(std::launch::async, [this, &options] {
            return mqtk::test::result_of(
                [&] { return mqtk::run_sub({}, options, fake.factory(), output); });
        });
    }
    // Until the engine's SUBSCRIBEs (`count` in all so far) are answered.
    void subscribed(std::size_t count = 1) {
        REQUIRE(fake.await([&] { return fake.subscribed().size() == count; }));
        fake.settle();
    }
    RunResult finished() {
        REQUIRE(result.wait_for(10s) == std::future_status::ready);
        return result.get();
    }
};

}  // namespace

TEST_CASE("sub engine: -C 2 prints two messages and ends, without the third") {
    SubRun run;
    auto options = subscribe_to("t/#");
    options.count = 2;
    options.qos = 1;
    run.start(options);
    run.subscribed();
    run.fake.deliver("t/1", "a");
    run.fake.deliver("t/2", "b");
    run.fake.deliver("t/3", "c");
    const RunResult result = run.finished();
    CHECK(result.code == ExitCode::Success);
    CHECK(run.output.written() == "a\nb\n");
    const auto requests = run.fake.subscribed();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].filter == "t/#");
    CHECK(requests[0].qos == 1);
    CHECK(run.fake.made()->command == "sub");
    CHECK(run.fake.disconnects() == std::vector{std::chrono::milliseconds(2000)});
}

TEST_CASE("sub engine: -v prints the topic and the payload through the sink") {
    SubRun run;
    auto options = subscribe_to("t/#");
    options.count = 2;
    options.output.verbose = true;
    run.start(options);
    run.subscribed();
    run.fake.deliver("t/1", "hello world");
    run.fake.deliver("t/2", "");
    CHECK(run.finished().code == ExitCode::Success);
    // An empty payload under -v is "topic (null)", as mosquitto_sub prints it.
    CHECK(run.output.written() == "t/1 hello world\nt/2 (null)\n");
}

TEST_CASE("sub engine: -R does not print the retained message, only the live one") {
    SubRun run;
    run.fake.retained["t"] = "old";
    auto options = subscribe_to("t");
    options.count = 1;
    options.skip_retained = true;
    run.start(options);
    run.subscribed();
    run.fake.deliver("t", "new");
    CHECK(run.finished().code == ExitCode::Success);
    CHECK(run.output.written() == "new\n");
}

TEST_CASE("sub engine: -E ends at the SUBACK: the retained message behind it is not printed") {
    SubRun run;
    run.fake.retained["t"] = "old";
    auto options = subscribe_to("t");
    options.exit_after_subscribe = true;
    run.start(options);
    const RunResult result = run.finished();
    CHECK(result.code == ExitCode::Success);
    CHECK(run.fake.subscribed().size() == 1);
    CHECK(run.output.written().empty());
}

TEST_CASE("sub engine: -T passes over matching topics, which -C does not count") {
    SubRun run;
    auto options = subscribe_to("#");
    options.filters_out = {"skip/#"};
    options.count = 1;
    run.start(options);
    run.subscribed();
    run.fake.deliver("skip/this", "no");
    run.fake.deliver("keep", "yes");
    CHECK(run.finished().code == ExitCode::Success);
    CHECK(run.output.written() == "yes\n");
}

TEST_CASE("sub engine: --expect ends at the first matching payload, printed") {
    SubRun run;
    auto options = subscribe_to("t");
    options.expect = "^ok";
    run.start(options);
    run.subscribed();
    run.fake.deliver("t", "not yet");
    run.fake.deliver("t", "ok now");
    run.fake.deliver("t", "after");
    CHECK(run.finished().code == ExitCode::Success);
    CHECK(run.output.written() == "not yet\nok now\n");
}

TEST_CASE("sub engine: --expect with -C: exit 5 when none of N messages matched") {
    SubRun run;
    auto options = subscribe_to("t");
    options.expect = "^ok";
    options.count = 2;
    run.start(options);
    run.subscribed();
    run.fake.deliver("t", "a");
    run.fake.deliver("t", "b");
    const RunResult result = run.finished();
    CHECK(result.code == ExitCode::Timeout);
    CHECK(result.error == "no payload matched '^ok' in 2 messages");
}

TEST_CASE("sub engine: -W ends a quiet subscription with exit 5") {
    SubRun run;
    auto options = subscribe_to("t");
    options.timeout = 0.2;
    run.start(options);
    const RunResult result = run.finished();
    CHECK(result.code == ExitCode::Timeout);
    CHECK(result.error == "timed out after 0.2 s");
}

TEST_CASE("sub engine: --remove-retained clears each retained message with an empty QoS 1 one") {
    SubRun run;
    run.fake.retained["t/a"] = "old";
    auto options = subscribe_to("t/#");
    options.remove_retained = true;
    options.count = 1;
    run.start(options);
    CHECK(run.finished().code == ExitCode::Success);
    CHECK(run.output.written() == "old\n");
    const auto sent = run.fake.published();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].topic == "t/a");
    CHECK(sent[0].payload.empty());
    CHECK(sent[0].retain);
    CHECK(sent[0].qos == 1);
}

TEST_CASE("sub engine: after a reconnect that lost the session it subscribes again") {
    SubRun run;
    auto options = subscribe_to("t");
    options.count = 2;
    run.start(options);
    run.subscribed();
    run.fake.deliver("t", "before");
    REQUIRE(run.fake.await([&] { return run.output.written() == "before\n"; }));
    run.fake.drop();
    run.fake.restore(/*session_present=*/false);  // the broker forgot the subscription
    // The main loop looks every 100 ms; a second is a wide margin.
    REQUIRE(run.fake.await([&] { return run.fake.subscribed_to("t"); }, 1s));
    run.fake.deliver("t", "after");
    CHECK(run.finished().code == ExitCode::Success);
    CHECK(run.output.written() == "before\nafter\n");
    CHECK(run.fake.subscribed().size() == 2);
}

TEST_CASE("sub engine: a reader gone from stdout (EPIPE) ends the run quietly, exit 0") {
    signal(SIGPIPE, SIG_IGN);  // as install_interrupt_handlers() does in the binary
    int ends[2];
    REQUIRE(pipe(ends) == 0);
    close(ends[0]);  // `| head -1` that has left
    FakeConnection fake;
    auto options = subscribe_to("t");
    RunResult result;
    {
        OutputSink output(ends[1]);
        auto run = std::async(std::launch::async, [&] {
            return mqtk::test::result_of(
                [&] { return mqtk::run_sub({}, options, fake.factory(), output); });
        });
        REQUIRE(fake.await([&] { return fake.subscribed().size() == 1; }));
        fake.deliver("t", "nobody reads this");
        REQUIRE(run.wait_for(10s) == std::future_status::ready);
        result = run.get();
    }
    close(ends[1]);
    CHECK(result.code == ExitCode::Success);
    CHECK(result.error.empty());
    CHECK(fake.disconnects().size() == 1);
}
