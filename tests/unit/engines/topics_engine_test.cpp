// `mqtk topics` and `sub --watch` (core/topics.cpp) in-process against FakeConnection: what
// is subscribed (# at QoS 2, $SYS/# only with --sys), the inventory printed after -W with
// retained and live topics, JSON Lines sorted, connect failures, and the watch's view: begun
// once subscribed, shown the table, ended by -C or -W as sub is, -T and -R applied.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/output.h"
#include "core/sub.h"
#include "core/topics.h"
#include "tests/unit/engines/fake_connection.h"

using mqtk::ExitCode;
using mqtk::OutputSink;
using mqtk::TopicsOptions;
using mqtk::test::FakeConnection;
using mqtk::test::RunResult;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return lines;
}

struct TopicsRun {
    FakeConnection fake;
    OutputSink output;
    std::future<RunResult> result;

    void start(const TopicsOptions& options) {
        result = std::async(std::launch::async, [this, &options] {
            return mqtk::test::result_of(
                [&] { return mqtk::run_topics({}, options, fake.factory(), output); });
        });
    }
    void subscribed(std::size_t count = 1) {
        REQUIRE(fake.await([&] { return fake.subscribed().size() == count; }));
        fake.settle();
    }
    RunResult finished() {
        REQUIRE(result.wait_for(10s) == std::future_status::ready);
        return result.get();
    }
};

// A view that keeps what the engine showed it.
class RecordingView : public mqtk::TopicsView {
  public:
    void begin(const std::string& endpoint) override {
        std::lock_guard lock(mutex_);
        endpoints_.push_back(endpoint);
    }
    void draw() override {}
    void compose(const mqtk::TopicTable& table, std::uint64_t) override {
        std::lock_guard lock(mutex_);
        ++shows_;
        topics_.clear();
        for (const auto* row : table.sorted())
            topics_.push_back(row->topic + "=" + std::to_string(row->count));
    }
    std::vector<std::string> endpoints() const {
        std::lock_guard lock(mutex_);
        return endpoints_;
    }
    std::vector<std::string> topics() const {
        std::lock_guard lock(mutex_);
        return topics_;
    }
    int shows() const {
        std::lock_guard lock(mutex_);
        return shows_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> endpoints_;
    std::vector<std::string> topics_;
    int shows_ = 0;
};

struct WatchRun {
    FakeConnection fake;
    RecordingView view;
    std::future<RunResult> result;

    void start(const mqtk::SubOptions& options) {
        result = std::async(std::launch::async, [this, &options] {
            return mqtk::test::result_of(
                [&] { return mqtk::run_watch({}, options, fake.factory(), view); });
        });
    }
    void subscribed() {
        REQUIRE(fake.await([&] { return fake.subscribed().size() == 1; }));
        fake.settle();
    }
    RunResult finished() {
        REQUIRE(result.wait_for(10s) == std::future_status::ready);
        return result.get();
    }
};

mqtk::SubOptions watch_of(const std::string& filter) {
    mqtk::SubOptions options;
    options.filters = {filter};
    options.timeout = 5;  // every run ends, even a broken one
    return options;
}

}  // namespace

TEST_CASE("topics engine: # at QoS 2, retained and live topics counted, printed after -W") {
    TopicsRun run;
    run.fake.retained = {{"held/a", "one"}, {"held/b", "two"}};
    TopicsOptions options;
    options.window = 1;
    run.start(options);
    run.subscribed();
    run.fake.deliver("live/x", "1");
    run.fake.deliver("live/x", "22");
    const RunResult result = run.finished();
    CHECK(result.code == ExitCode::Success);
    const auto requests = run.fake.subscribed();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].filter == "#");
    CHECK(requests[0].qos == 2);
    CHECK(run.fake.made()->command == "topics");
    const auto lines = lines_of(run.output.written());
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].rfind("TOPIC ", 0) == 0);
    CHECK(lines[1].rfind("held/a      1  ", 0) == 0);
    CHECK(lines[1].find("yes       one") != std::string::npos);
    CHECK(lines[2].find("yes       two") != std::string::npos);
    CHECK(lines[3].rfind("live/x      2  ", 0) == 0);
    CHECK(lines[3].find("no        22") != std::string::npos);
    CHECK(run.fake.disconnects().size() == 1);
}

TEST_CASE("topics engine: --json is one object per topic, sorted by topic") {
    TopicsRun run;
    run.fake.retained = {{"b", "x"}};
    TopicsOptions options;
    options.window = 1;
    options.json = true;
    options.filters = {"a/#", "b"};
    run.start(options);
    run.subscribed(2);
    run.fake.deliver("a/z", "z");
    run.fake.deliver("a/c", "c");
    CHECK(run.finished().code == ExitCode::Success);
    std::vector<std::string> topics;
    for (const auto& line : lines_of(run.output.written())) {
        const auto object = nlohmann::json::parse(line);
        topics.push_back(object["topic"]);
        CHECK(object["retained"] == (object["topic"] == "b"));
    }
    CHECK(topics == std::vector<std::string>{"a/c", "a/z", "b"});
}

TEST_CASE("topics engine: $SYS/# only with --sys") {
    for (const bool sys : {false, true}) {
        CAPTURE(sys);
        TopicsRun run;
        TopicsOptions options;
        options.window = 0.1;
        options.sys = sys;
        run.start(options);
        CHECK(run.finished().code == ExitCode::Success);
        std::vector<std::string> filters;
        for (const auto& request : run.fake.subscribed())
            filters.push_back(request.filter);
        CHECK(filters ==
              (sys ? std::vector<std::string>{"#", "$SYS/#"} : std::vector<std::string>{"#"}));
        CHECK(lines_of(run.output.written()).size() == 1);  // the heading: nothing seen
    }
}

TEST_CASE("topics engine: a broker out of reach is its error, and nothing is printed") {
    TopicsRun run;
    run.fake.connect_failure = mqtk::make_error(ExitCode::Unreachable, "cannot connect");
    TopicsOptions options;
    run.start(options);
    const RunResult result = run.finished();
    CHECK(result.code == ExitCode::Unreachable);
    CHECK(run.output.written().empty());
}

TEST_CASE("topics engine: an invalid filter is a usage error before connecting") {
    TopicsRun run;
    TopicsOptions options;
    options.filters = {"a/#/b"};
    run.start(options);
    CHECK(run.finished().code == ExitCode::Usage);
    CHECK(run.fake.connects() == 0);
}

TEST_CASE("watch engine: begun once subscribed, shown the table, -C ends it as sub's -C") {
    WatchRun run;
    run.fake.retained = {{"r/1", "kept"}};
    auto options = watch_of("#");
    options.count = 3;
    options.qos = 1;
    run.start(options);
    run.subscribed();
    // begin() follows the SUBACK's return on the engine's thread.
    REQUIRE(run.fake.await([&] { return !run.view.endpoints().empty(); }));
    CHECK(run.view.endpoints() == std::vector<std::string>{"fake:1883"});
    run.fake.deliver("t/b", "1");
    REQUIRE(run.fake.await([&] { return run.view.topics().size() == 2; }));
    run.fake.deliver("t/a", "2");
    run.fake.deliver("t/never", "after -C");
    CHECK(run.finished().code == ExitCode::Success);
    CHECK(run.view.topics() == std::vector<std::string>{"r/1=1", "t/a=1", "t/b=1"});
    CHECK(run.fake.made()->command == "sub");
    CHECK(run.fake.subscribed()[0].qos == 1);
}

TEST_CASE("watch engine: -T and -R leave messages out of the table, -W ends it with 5") {
    WatchRun run;
    run.fake.retained = {{"r/1", "kept"}};
    auto options = watch_of("#");
    options.filters_out = {"noise/#"};
    options.skip_retained = true;
    options.timeout = 0.5;
    run.start(options);
    run.subscribed();
    run.fake.deliver("noise/1", "x");
    run.fake.deliver("t", "y");
    const RunResult result = run.finished();
    CHECK(result.code == ExitCode::Timeout);
    CHECK(result.error == "timed out after 0.5 s");
    CHECK(run.view.topics() == std::vector<std::string>{"t=1"});
    CHECK(run.view.shows() >= 2);
}

TEST_CASE("watch engine: a connect failure never begins the view") {
    WatchRun run;
    run.fake.connect_failure = mqtk::make_error(ExitCode::Refused, "not authorised");
    const auto options = watch_of("#");
    run.start(options);
    CHECK(run.finished().code == ExitCode::Refused);
    CHECK(run.view.endpoints().empty());
    CHECK(run.view.shows() == 0);
}

TEST_CASE("watch engine: sub's checks apply (-V 5 options under 3.1.1 are usage errors)") {
    WatchRun run;
    auto options = watch_of("#");
    options.no_local = true;
    run.start(options);
    CHECK(run.finished().code == ExitCode::Usage);
    CHECK(run.fake.connects() == 0);
}

TEST_CASE("topics engine: under MQTT 5 it asks for retain-as-published, under 3.1.1 it cannot") {
    for (const auto version : {mqtk::ProtocolVersion::V311, mqtk::ProtocolVersion::V5}) {
        FakeConnection fake;
        OutputSink output;
        mqtk::ConnectOptions connection;
        connection.version = version;
        TopicsOptions options;
        options.window = 0.05;
        CHECK(mqtk::run_topics(connection, options, fake.factory(), output) == ExitCode::Success);
        REQUIRE(fake.subscribed().size() == 1);
        CHECK(fake.subscribed()[0].retain_as_published == (version == mqtk::ProtocolVersion::V5));
    }
}
