// `mqtk sub` against a private mosquitto, checked with independent tools: messages are
// injected with the real mosquitto_pub, output is compared byte for byte with the real
// mosquitto_sub receiving the same messages, and what only the wire shows (SUBSCRIBE
// options and properties) is read off a WireTap between mqtk and the broker.
//
// Synchronisation never sleeps: a subscriber is known to be subscribed once mosquitto has
// logged "<client id> <qos> <filter>" (it does so before its SUBACK), so a publish after
// that is guaranteed to reach it.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"
#include "support/skip.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::concat;
using mqtk::test::inject;
using mqtk::test::mqtk_binary;
using mqtk::test::Observer;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::run;
using mqtk::test::run_mqtk;
using mqtk::test::RunOptions;
using mqtk::test::skip_test;
using mqtk::test::split_lines;
using mqtk::test::str;
using mqtk::test::TempDir;
using mqtk::test::to_hex;
using mqtk::test::wait_for_subscriptions;
using Clock = std::chrono::steady_clock;
using Lines = std::vector<std::string>;

// `mqtk sub -h 127.0.0.1 -p PORT -i ID ARGS...` in the background.
Process start_sub(const Broker& broker, const std::string& id, std::vector<std::string> args,
                  RunOptions options = {}) {
    return Process(
        concat({mqtk_binary(), "sub", "-h", broker.host(), "-p", str(broker.port()), "-i", id},
               args),
        std::move(options));
}

// mosquitto_sub likewise, the reference.
Process start_mosquitto_sub(const Broker& broker, const std::string& id,
                            std::vector<std::string> args, RunOptions options = {}) {
    return Process(
        concat({"mosquitto_sub", "-h", broker.host(), "-p", str(broker.port()), "-i", id}, args),
        std::move(options));
}

ProcessResult sub_run(const Broker& broker, const std::string& id, std::vector<std::string> args,
                      std::chrono::milliseconds timeout = 20s) {
    return run_mqtk(concat({"sub", "-h", broker.host(), "-p", str(broker.port()), "-i", id}, args),
                    {.timeout = timeout});
}

// REQUIREs that `process` (client `id`) is subscribed to every filter. Generous: up to 24
// clients start at once (compare_formats), under a sanitizer on a loaded machine.
#define REQUIRE_SUBSCRIBED(broker, process, id, ...)                              \
    do {                                                                          \
        const bool subscribed_ =                                                  \
            wait_for_subscriptions((broker), (id), __VA_ARGS__, 30s, &(process)); \
        INFO("subscriber stderr: " << (process).stderr_so_far());                 \
        INFO("broker log:\n" << (broker).log());                                  \
        REQUIRE(subscribed_);                                                     \
    } while (false)

std::size_t count_lines(std::string_view text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

bool wait_lines(Process& process, std::size_t n, std::chrono::milliseconds timeout) {
    return process.wait_until(
        [n](std::string_view out, std::string_view) { return count_lines(out) >= n; }, timeout);
}

Lines sorted(Lines lines) {
    std::sort(lines.begin(), lines.end());
    return lines;
}

bool has_escape(std::string_view text) {
    return text.find('\033') != std::string_view::npos;
}

}  // namespace

// --- Subscribing -----------------------------------------------------------------------------

TEST_CASE("sub: -t is repeatable and takes + and # wildcards") {
    Broker broker;
    Process sub =
        start_sub(broker, "wild", {"-t", "a/+", "-t", "b/#", "-t", "exact", "-v", "-C", "4"});
    REQUIRE_SUBSCRIBED(broker, sub, "wild", {"a/+", "b/#", "exact"});
    inject(broker, {"-t", "a/x", "-m", "1"});
    inject(broker, {"-t", "c/y", "-m", "2"});       // no filter matches
    inject(broker, {"-t", "a/x/deep", "-m", "3"});  // + is one level only
    inject(broker, {"-t", "b", "-m", "4"});         // b/# matches b itself
    inject(broker, {"-t", "b/y/z", "-m", "5"});
    inject(broker, {"-t", "exact", "-m", "6"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "a/x 1\nb 4\nb/y/z 5\nexact 6\n");
    CHECK(r.err.empty());
    // One SUBSCRIBE per filter, once: a second one would replay retained messages.
    for (const char* filter : {"a/+", "b/#", "exact"}) {
        INFO(filter);
        CHECK(mqtk::test::logged_subscriptions(broker.log(), "wild", filter).size() == 1);
    }
}

TEST_CASE("sub: $share/group/filter shares the messages among the group") {
    Broker broker;
    const std::string filter = "$share/workers/jobs/#";
    Process first = start_sub(broker, "share-1", {"-t", filter, "-F", "%t %p"});
    Process second = start_sub(broker, "share-2", {"-t", filter, "-F", "%t %p"});
    REQUIRE_SUBSCRIBED(broker, first, "share-1", {filter});
    REQUIRE_SUBSCRIBED(broker, second, "share-2", {filter});
    // A plain subscriber beside the group gets everything.
    Observer all(broker, {"jobs/#"});

    std::string lines;
    std::set<std::string> expected;
    for (int i = 0; i < 20; ++i) {
        lines += "job " + str(i) + "\n";
        expected.insert("jobs/q job " + str(i));
    }
    const ProcessResult pub =
        run({"mosquitto_pub", "-h", broker.host(), "-p", str(broker.port()), "-t", "jobs/q", "-l"},
            {.stdin_data = lines});
    REQUIRE(pub.exit_code == 0);
    CHECK(all.lines(20, 10s).size() == 20);

    const auto together = [&] {
        return split_lines(first.stdout_so_far()).size() +
               split_lines(second.stdout_so_far()).size();
    };
    const auto deadline = Clock::now() + 10s;
    while (together() < 20 && Clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    const Lines a = split_lines(first.stdout_so_far());
    const Lines b = split_lines(second.stdout_so_far());
    INFO("first: " << first.stdout_so_far() << "\nsecond: " << second.stdout_so_far());
    std::multiset<std::string> got(a.begin(), a.end());
    got.insert(b.begin(), b.end());
    CHECK(got == std::multiset<std::string>(expected.begin(), expected.end()));
    // Shared, not duplicated: each member got some, none got all.
    CHECK(!a.empty());
    CHECK(!b.empty());
}

TEST_CASE("sub: -T filters topics out of the output") {
    Broker broker;
    Process sub = start_sub(broker, "filter-out",
                            {"-t", "f/#", "-T", "f/secret", "-T", "f/x/+", "-v", "-C", "2"});
    REQUIRE_SUBSCRIBED(broker, sub, "filter-out", {"f/#"});
    inject(broker, {"-t", "f/secret", "-m", "1"});
    inject(broker, {"-t", "f/x/y", "-m", "2"});
    inject(broker, {"-t", "f/ok", "-m", "3"});
    inject(broker, {"-t", "f/x/y/z", "-m", "4"});  // f/x/+ does not match two levels
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "f/ok 3\nf/x/y/z 4\n");
}

TEST_CASE("sub: -C exits after N messages, also with -W") {
    Broker broker;
    Process sub = start_sub(broker, "count", {"-t", "c", "-C", "2", "-W", "60"});
    REQUIRE_SUBSCRIBED(broker, sub, "count", {"c"});
    inject(broker, {"-t", "c", "-m", "one"});
    inject(broker, {"-t", "c", "-m", "two"});
    const auto sent = Clock::now();
    const ProcessResult r = sub.wait(20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK_FALSE(r.timed_out);
    CHECK(r.out == "one\ntwo\n");
    CHECK(Clock::now() - sent < 15s);  // the count ends it, not the 60 s
}

TEST_CASE("sub: -W exits 5 when the count is not met in time") {
    Broker broker;
    SUBCASE("some messages, too few") {
        // -W (from the connection) must also cover the SUBACK, mosquitto_pub's start and
        // the delivery: generous, as only the count not met matters here.
        Process sub = start_sub(broker, "timeout", {"-t", "w", "-C", "5", "-W", "5"});
        REQUIRE_SUBSCRIBED(broker, sub, "timeout", {"w"});
        inject(broker, {"-t", "w", "-m", "only one"});
        const ProcessResult r = sub.wait(20s);
        INFO(r.describe());
        CHECK(r.exit_code == 5);
        CHECK(r.out == "only one\n");
        CHECK(r.err.starts_with("mqtk: "));
        CHECK(count_lines(r.err) == 1);
    }
    SUBCASE("nothing at all, as mosquitto_sub -W") {
        const auto start = Clock::now();
        const ProcessResult r = sub_run(broker, "timeout", {"-t", "w", "-W", "1"});
        INFO(r.describe());
        CHECK(r.exit_code == 5);
        CHECK(r.out.empty());
        CHECK(r.err.starts_with("mqtk: "));
        CHECK(Clock::now() - start >= 1s);
        CHECK(Clock::now() - start < 10s);
    }
}

TEST_CASE("sub: -R skips retained messages") {
    Broker broker;
    inject(broker, {"-t", "r/old", "-m", "stale", "-r"});
    Process sub = start_sub(broker, "no-retained", {"-t", "r/#", "-R", "-v", "-C", "1"});
    REQUIRE_SUBSCRIBED(broker, sub, "no-retained", {"r/#"});
    inject(broker, {"-t", "r/live", "-m", "fresh"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "r/live fresh\n");
}

TEST_CASE("sub: --retained-only prints the retained messages and exits at the first live one") {
    Broker broker;
    inject(broker, {"-t", "ro/a", "-m", "A", "-r"});
    inject(broker, {"-t", "ro/b", "-m", "B", "-r"});
    Process sub = start_sub(broker, "retained-only", {"-t", "ro/#", "--retained-only", "-v"});
    REQUIRE_SUBSCRIBED(broker, sub, "retained-only", {"ro/#"});
    REQUIRE(wait_lines(sub, 2, 10s));
    CHECK(sub.running());
    inject(broker, {"-t", "ro/live", "-m", "L"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(sorted(split_lines(r.out)) == Lines{"ro/a A", "ro/b B"});
}

TEST_CASE("sub: --remove-retained clears the retained messages it receives, except -T ones") {
    Broker broker;
    inject(broker, {"-t", "rr/a", "-m", "A", "-r"});
    inject(broker, {"-t", "rr/b/c", "-m", "B", "-r"});
    inject(broker, {"-t", "rr/keep", "-m", "K", "-r"});
    const ProcessResult r = sub_run(
        broker, "remover", {"-t", "rr/#", "--remove-retained", "-T", "rr/keep", "-v", "-C", "2"});
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(sorted(split_lines(r.out)) == Lines{"rr/a A", "rr/b/c B"});

    // What is still retained, as a fresh mosquitto_sub sees it: it exits at the live sentinel,
    // which the broker handles after sending it every retained message.
    Observer left(broker, {"rr/#"}, {"-v", "--retained-only"});
    inject(broker, {"-t", "rr/zz-sentinel", "-m", "live"});
    CHECK(left.wait(10s).exit_code == 0);
    CHECK(left.lines() == Lines{"rr/keep K"});
}

TEST_CASE("sub: -E exits once subscribed, and the subscription is real") {
    Broker broker;
    const auto start = Clock::now();
    const ProcessResult first = sub_run(broker, "exit-early", {"-t", "e/t", "-E", "-c", "-q", "1"});
    INFO(first.describe());
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.empty());
    CHECK(Clock::now() - start < 10s);
    // (The broker's log reaches us through a pipe: wait for the line rather than read now.)
    CHECK(broker.wait_for_log(
        [](std::string_view log) {
            return mqtk::test::logged_subscriptions(log, "exit-early", "e/t") == std::vector{1};
        },
        10s));

    // The persistent session kept the subscription: a message sent meanwhile waits for us.
    inject(broker, {"-t", "e/t", "-m", "queued", "-q", "1"});
    const ProcessResult second =
        sub_run(broker, "exit-early", {"-t", "e/t", "-c", "-q", "1", "-C", "1", "-W", "10"});
    INFO(second.describe());
    CHECK(second.exit_code == 0);
    CHECK(second.out == "queued\n");
}

TEST_CASE("sub: -U unsubscribes after subscribing") {
    Broker broker;
    Process sub =
        start_sub(broker, "unsub", {"-t", "u/#", "-t", "u/keep", "-U", "u/#", "-v", "-C", "1"});
    REQUIRE_SUBSCRIBED(broker, sub, "unsub", {"u/#", "u/keep"});
    REQUIRE(broker.wait_for_log(
        [](std::string_view log) {
            return mqtk::test::logged_unsubscriptions(log, "unsub", "u/#") == 1;
        },
        10s));
    inject(broker, {"-t", "u/other", "-m", "dropped"});
    inject(broker, {"-t", "u/keep", "-m", "kept"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "u/keep kept\n");
}

TEST_CASE("sub: -q requests the QoS - messages arrive at the lower of both") {
    Broker broker;
    std::vector<Process> subs;
    for (int qos = 0; qos <= 2; ++qos) {
        subs.push_back(start_sub(broker, "qos-" + str(qos),
                                 {"-t", "q", "-q", str(qos), "-F", "%q %p", "-C", "3"}));
    }
    for (int qos = 0; qos <= 2; ++qos)
        REQUIRE_SUBSCRIBED(broker, subs[qos], "qos-" + str(qos), {"q"});
    const std::string log = broker.log();
    for (int qos = 0; qos <= 2; ++qos) {
        CHECK(mqtk::test::logged_subscriptions(log, "qos-" + str(qos), "q") == std::vector{qos});
    }
    inject(broker, {"-t", "q", "-q", "2", "-m", "two"});
    inject(broker, {"-t", "q", "-q", "1", "-m", "one"});
    inject(broker, {"-t", "q", "-q", "0", "-m", "zero"});
    const std::vector<std::string> expected = {"0 two\n0 one\n0 zero\n", "1 two\n1 one\n0 zero\n",
                                               "2 two\n1 one\n0 zero\n"};
    for (int qos = 0; qos <= 2; ++qos) {
        const ProcessResult r = subs[qos].wait(15s);
        INFO("-q " << qos << ": " << r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.out == expected[qos]);
    }
}

TEST_CASE("sub: a refused subscription is exit 1 with the filter and the reason") {
    // mosquitto 2.0's acl_file never refuses a SUBSCRIBE (it filters deliveries instead);
    // its dynamic security plugin does, per subscription pattern.
    std::string plugin;
    for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib",
                            "/usr/lib64", "/usr/local/lib"}) {
        const std::string path = std::string(dir) + "/mosquitto_dynamic_security.so";
        if (std::filesystem::exists(path)) plugin = path;
    }
    if (plugin.empty()) {
        skip_test("mosquitto_dynamic_security.so not found: refused subscriptions not tested");
        return;
    }
    TempDir dir;
    const std::string dynsec = dir.write("dynamic-security.json", R"({
  "defaultACLAccess": {"publishClientSend": true, "publishClientReceive": true,
                       "subscribe": true, "unsubscribe": true},
  "clients": [],
  "groups": [{"groupname": "anonymous", "roles": [{"rolename": "restricted"}], "clients": []}],
  "roles": [{"rolename": "restricted", "acls": [
    {"acltype": "subscribePattern", "topic": "denied/#", "priority": 0, "allow": false}]}],
  "anonymousGroup": "anonymous"
})");
    Broker broker({.extra = "plugin " + plugin + "\nplugin_opt_config_file " + dynsec});
    const std::string ready = dir.file("ready");

    SUBCASE("MQTT 5: SUBACK 0x87") {
        const ProcessResult r =
            sub_run(broker, "refused-5",
                    {"-V", "5", "-t", "allowed/x", "-t", "denied/x", "--ready-file", ready});
        INFO(r.describe());
        CHECK(r.exit_code == 1);
        CHECK(r.out.empty());
        CHECK(r.err.starts_with("mqtk: "));
        CHECK(count_lines(r.err) == 1);
        CHECK(r.err.find("'denied/x'") != std::string::npos);
        CHECK(r.err.find("not authorized") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(ready));
    }
    SUBCASE("MQTT 3.1.1: SUBACK 0x80") {
        const ProcessResult r = sub_run(broker, "refused-311", {"-t", "denied/x", "-W", "10"});
        INFO(r.describe());
        CHECK(r.exit_code == 1);
        CHECK(r.err.starts_with("mqtk: "));
        CHECK(count_lines(r.err) == 1);
        CHECK(r.err.find("'denied/x'") != std::string::npos);
        CHECK(r.err.find("refused") != std::string::npos);
        CHECK(r.err.find("0x80") != std::string::npos);
    }
    SUBCASE("an allowed filter works under the same ACL") {
        Process sub = start_sub(broker, "allowed", {"-t", "allowed/x", "-C", "1"});
        REQUIRE_SUBSCRIBED(broker, sub, "allowed", {"allowed/x"});
        inject(broker, {"-t", "allowed/x", "-m", "ok"});
        const ProcessResult r = sub.wait(15s);
        CHECK(r.exit_code == 0);
        CHECK(r.out == "ok\n");
    }
}

// --- MQTT 5 subscription options -------------------------------------------------------------

TEST_CASE("sub: --no-local keeps the client's own publishes away (MQTT 5)") {
    Broker broker;
    // The subscription lives in a persistent session; mosquitto_pub -d then connects *as
    // that session* and publishes at QoS 1. mosquitto queues a matching message for the
    // publisher itself before its PUBACK, so without no-local mosquitto_pub reports
    // "received PUBLISH" before "received PUBACK"; with no-local it must not.
    const std::vector<std::string> session = {"-V", "5", "-c", "-x", "300", "-q", "1"};
    auto publish_as = [&](const std::string& id) {
        const ProcessResult r = mqtk::test::mosquitto_pub(
            broker,
            {"-d", "-V", "5", "-i", id, "-c", "-x", "300", "-q", "1", "-t", "nl/t", "-m", "own"});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        REQUIRE(r.out.find("received PUBACK") != std::string::npos);
        return r.out.find("received PUBLISH") != std::string::npos;
    };
    SUBCASE("--no-local") {
        const ProcessResult subscribe =
            sub_run(broker, "no-local", concat(session, {"-t", "nl/t", "--no-local", "-E"}));
        INFO(subscribe.describe());
        REQUIRE(subscribe.exit_code == 0);
        CHECK_FALSE(publish_as("no-local"));
        // Others' messages still arrive.
        inject(broker, {"-V", "5", "-q", "1", "-t", "nl/t", "-m", "other"});
        const ProcessResult r =
            sub_run(broker, "no-local",
                    concat(session, {"-t", "nl/t", "--no-local", "-v", "-C", "1", "-W", "10"}));
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.out == "nl/t other\n");
    }
    SUBCASE("the control: without --no-local the publisher gets its own message") {
        const ProcessResult subscribe =
            sub_run(broker, "local", concat(session, {"-t", "nl/t", "-E"}));
        REQUIRE(subscribe.exit_code == 0);
        CHECK(publish_as("local"));
    }
    SUBCASE("MQTT 3.1.1 has no such option: a usage error") {
        const ProcessResult v3 = sub_run(broker, "no-local-v3", {"-t", "nl/t", "--no-local", "-E"});
        CHECK(v3.exit_code == 2);
        CHECK(v3.err.starts_with("mqtk: "));
    }
}

TEST_CASE("sub: --retain-as-published keeps the retain flag of live messages (MQTT 5)") {
    Broker broker;
    Process kept =
        start_sub(broker, "rap",
                  {"-V", "5", "-t", "rap/t", "--retain-as-published", "-F", "%r %p", "-C", "2"});
    Process plain =
        start_sub(broker, "plain", {"-V", "5", "-t", "rap/t", "-F", "%r %p", "-C", "2"});
    REQUIRE_SUBSCRIBED(broker, kept, "rap", {"rap/t"});
    REQUIRE_SUBSCRIBED(broker, plain, "plain", {"rap/t"});
    inject(broker, {"-t", "rap/t", "-m", "retained", "-r"});
    inject(broker, {"-t", "rap/t", "-m", "normal"});
    const ProcessResult a = kept.wait(15s);
    const ProcessResult b = plain.wait(15s);
    INFO(a.describe() << "\n" << b.describe());
    CHECK(a.out == "1 retained\n0 normal\n");
    CHECK(b.out == "0 retained\n0 normal\n");
}

TEST_CASE("sub: --retain-handling 0, 1 and 2 (MQTT 5)") {
    Broker broker;
    inject(broker, {"-t", "rh/t", "-m", "old", "-r"});
    std::vector<Process> subs;
    for (int rh = 0; rh <= 2; ++rh) {
        subs.push_back(start_sub(broker, "rh-" + str(rh),
                                 {"-V", "5", "-t", "rh/t", "--retain-handling", str(rh), "-F",
                                  "%r %p", "-C", rh == 2 ? "1" : "2"}));
    }
    for (int rh = 0; rh <= 2; ++rh)
        REQUIRE_SUBSCRIBED(broker, subs[rh], "rh-" + str(rh), {"rh/t"});
    inject(broker, {"-t", "rh/t", "-m", "new"});
    const std::vector<std::string> expected = {"1 old\n0 new\n", "1 old\n0 new\n", "0 new\n"};
    for (int rh = 0; rh <= 2; ++rh) {
        const ProcessResult r = subs[rh].wait(15s);
        INFO("--retain-handling " << rh << ": " << r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.out == expected[rh]);
    }
}

TEST_CASE("sub: subscription options and -D subscribe properties are on the wire (MQTT 5)") {
    Broker broker;
    mqtk::test::WireTap tap(broker.port());
    Process sub({mqtk_binary(),
                 "sub",
                 "-h",
                 "127.0.0.1",
                 "-p",
                 str(tap.port()),
                 "-i",
                 "wired",
                 "-V",
                 "5",
                 "-t",
                 "s/t",
                 "-q",
                 "1",
                 "--no-local",
                 "--retain-as-published",
                 "--retain-handling",
                 "2",
                 "-D",
                 "subscribe",
                 "subscription-identifier",
                 "42",
                 "-D",
                 "subscribe",
                 "user-property",
                 "k",
                 "v",
                 "-D",
                 "subscribe",
                 "user-property",
                 "k",
                 "v2",
                 "-F",
                 "%S %p",
                 "-C",
                 "1"});
    REQUIRE_SUBSCRIBED(broker, sub, "wired", {"s/t"});
    inject(broker, {"-V", "5", "-t", "s/t", "-m", "hi"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "42 hi\n");  // the broker echoes the subscription identifier

    const auto packet = tap.wait_for_packet(8, 5s);
    REQUIRE(packet.has_value());
    const auto subscribe = mqtk::test::parse_subscribe_v5(packet->body);
    REQUIRE(subscribe.entries.size() == 1);
    CHECK(subscribe.entries[0].filter == "s/t");
    // QoS 1 | no-local (bit 2) | retain-as-published (bit 3) | retain handling 2 (bits 4-5)
    CHECK(int(subscribe.entries[0].options) == (1 | 4 | 8 | 2 << 4));
    CHECK(subscribe.subscription_identifiers == std::vector<std::uint32_t>{42});
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(subscribe.user_properties == Pairs{{"k", "v"}, {"k", "v2"}});
}

// --- -F: byte for byte as mosquitto_sub ----------------------------------------------------

namespace {

// mosquitto_sub and mqtk sub side by side with the same arguments, one pair per argument
// set, all subscribed to the same broker before anything is published.
class SideBySide {
  public:
    SideBySide(const Broker& broker, const std::vector<std::vector<std::string>>& arg_sets,
               RunOptions options = {})
        : broker_(broker), arg_sets_(arg_sets) {
        for (std::size_t i = 0; i < arg_sets.size(); ++i) {
            reference_.push_back(start_mosquitto_sub(
                broker, "ref-" + str(static_cast<long long>(i)), arg_sets[i], options));
            ours_.push_back(
                start_sub(broker, "mqtk-" + str(static_cast<long long>(i)), arg_sets[i], options));
        }
    }

    void require_subscribed(const std::vector<std::string>& filters) {
        for (std::size_t i = 0; i < arg_sets_.size(); ++i) {
            REQUIRE_SUBSCRIBED(broker_, reference_[i], "ref-" + str(static_cast<long long>(i)),
                               filters);
            REQUIRE_SUBSCRIBED(broker_, ours_[i], "mqtk-" + str(static_cast<long long>(i)),
                               filters);
        }
    }

    struct Outputs {
        ProcessResult reference;
        ProcessResult ours;
    };
    // Waits for both of pair i (they end with -C).
    Outputs wait(std::size_t i) { return {reference_[i].wait(20s), ours_[i].wait(20s)}; }

    std::size_t size() const { return arg_sets_.size(); }
    const std::vector<std::string>& args(std::size_t i) const { return arg_sets_[i]; }

  private:
    const Broker& broker_;
    std::vector<std::vector<std::string>> arg_sets_;
    std::vector<Process> reference_;
    std::vector<Process> ours_;
};

// Bytes made visible for a failure message.
std::string visible(std::string_view bytes) {
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n\n";
        } else if (b < 0x20 || b >= 0x7f || c == '\\') {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", b);
            out += hex;
        } else {
            out += c;
        }
    }
    return out;
}

// The messages every -F comparison receives: v5 properties of every kind, binary, empty,
// JSON, long, QoS 0/1/2. Returns how many.
int inject_format_messages(const Broker& broker, const TempDir& dir) {
    const std::string binary("\x00\x01\xfe\xff%t@Y\\n\"quote\"\ttab\x7f", 22);
    const std::string binary_file = dir.write("binary", binary);
    inject(broker, {"-V", "5", "-t", "fmt/a", "-m", "hello world", "-q", "0"});
    inject(broker, {"-V",
                    "5",
                    "-t",
                    "fmt/bin/longer/topic",
                    "-f",
                    binary_file,
                    "-q",
                    "1",
                    "-D",
                    "publish",
                    "content-type",
                    "text/x-plain",
                    "-D",
                    "publish",
                    "response-topic",
                    "reply/here",
                    "-D",
                    "publish",
                    "correlation-data",
                    "corr-123",
                    "-D",
                    "publish",
                    "user-property",
                    "k1",
                    "v1",
                    "-D",
                    "publish",
                    "user-property",
                    "k1",
                    "v2",
                    "-D",
                    "publish",
                    "user-property",
                    "key two",
                    "value two",
                    "-D",
                    "publish",
                    "message-expiry-interval",
                    "3600"});
    inject(broker, {"-V",
                    "5",
                    "-t",
                    "fmt/\xc3\xbctf",
                    "-m",
                    R"({"a": [1, 2.5, -3e2, "x\u0041\n", 1e400], "b": {"c": null, "d": true},)"
                    R"( "e": "\u00e9", "f": {}, "g": [], "h": 0.1})",
                    "-q",
                    "2",
                    "-r",
                    "-D",
                    "publish",
                    "payload-format-indicator",
                    "1",
                    "-D",
                    "publish",
                    "content-type",
                    "application/json",
                    "-D",
                    "publish",
                    "message-expiry-interval",
                    "100"});
    inject(broker, {"-V", "5", "-t", "fmt/empty", "-n", "-q", "1", "-D", "publish", "user-property",
                    "only", "one"});
    inject(broker,
           {"-V", "5", "-t", "fmt/long", "-m",
            "100% long payload: " + std::string(150, 'x') + " with @ and \\ and %p", "-D",
            "publish", "topic-alias", "3", "-D", "publish", "payload-format-indicator", "0"});
    inject(broker, {"-V", "5", "-t", "fmt/a", "-m", "[1,2,{\"x\":\"y\"}]", "-q", "2"});
    return 6;
}

// Runs every format through both programs and compares stdout, after `normalise`.
void compare_formats(const std::vector<std::vector<std::string>>& extra_args,
                     std::string (*normalise)(const std::string&) = nullptr) {
    Broker broker;
    TempDir dir;
    std::vector<std::vector<std::string>> arg_sets;
    for (const auto& extra : extra_args) {
        arg_sets.push_back(concat({"-V", "5", "-q", "2", "-t", "fmt/#", "-D", "subscribe",
                                   "subscription-identifier", "9", "-C", "6"},
                                  extra));
    }
    // A zone with a half-hour offset and no tzdata needed: %z and @z are not just +0000.
    SideBySide both(broker, arg_sets, {.env = {{"TZ", "XST-5:30"}, {"LC_ALL", "C"}}});
    both.require_subscribed({"fmt/#"});
    REQUIRE(inject_format_messages(broker, dir) == 6);
    for (std::size_t i = 0; i < both.size(); ++i) {
        auto [reference, ours] = both.wait(i);
        std::string expected = reference.out;
        std::string actual = ours.out;
        if (normalise != nullptr) {
            expected = normalise(expected);
            actual = normalise(actual);
        }
        std::string args;
        for (const auto& a : both.args(i))
            args += " '" + a + "'";
        INFO("args:" << args);
        INFO("mosquitto_sub: exit " << reference.exit_code << "\n"
                                    << visible(reference.out) << "stderr: " << reference.err);
        INFO("mqtk sub: exit " << ours.exit_code << "\n"
                               << visible(ours.out) << "stderr: " << ours.err);
        CHECK(reference.exit_code == 0);
        CHECK(ours.exit_code == 0);
        CHECK(visible(actual) == visible(expected));
        CHECK(actual == expected);
    }
}

// Every digit becomes 9: times differ between the two programs, their shape must not.
std::string digits_blurred(const std::string& text) {
    std::string out = text;
    for (char& c : out) {
        if (c >= '0' && c <= '9') c = '9';
    }
    return out;
}

// Only the "tst" values of %j/%J are blurred.
std::string tst_blurred(const std::string& text) {
    static const std::regex tst(R"re("tst":(\s*)"([^"]*)")re");
    std::string out;
    auto begin = std::sregex_iterator(text.begin(), text.end(), tst);
    std::size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        out.append(text, last, static_cast<std::size_t>(it->position()) - last);
        out += digits_blurred(it->str());
        last = static_cast<std::size_t>(it->position() + it->length());
    }
    out.append(text, last);
    return out;
}

}  // namespace

TEST_CASE("sub: -F message fields are byte for byte mosquitto_sub's") {
    compare_formats({
        {"-F", "%%|%t|%p|%q|%r|%l|%m"},
        {"-F", "%x|%X"},
        {"-F", "%A|%C|%D|%E|%F|%P|%R|%S"},
        {"-F", "[%20t][%-20t][%.3t][%10.3t][%-10.3t][%.0t][%020t]"},
        {"-F", "[%10p][%-p][%-10p][%05p][%3p][%-3p]"},
        {"-F", "[%10x][%-10x][%010X][%3x][%-x][%4X][%-X]"},
        {"-F", "[%5l][%-5l][%05l][%-05l][%5m][%-5m][%05m][%-05m][%.2l][%5q][%5r][%.t]"},
        {"-F", "[%5A][%-5A][%05A][%5E][%05E][%-5E][%3F][%03F][%-3F][%5S][%05S][%-5S]"},
        {"-F", "[%20C][%-20C][%.4C][%20.4C][%20R][%.4R][%-20R][%-20.2R][%5D][%5P]"},
        {"-F", "\\\\|\\0|\\a|\\e|\\n|\\r|\\t|\\v|%%|@@|plain text"},
        {"-F", "%t %p", "-N"},
        {"-F", "%5%|%-%|%05%"},
    });
}

TEST_CASE("sub: -F refuses the templates mosquitto_sub refuses, and only those") {
    Broker broker;
    const std::vector<std::string> formats = {
        "%0-5m", "%",   "abc%", "%k",  "%10",   "@",    "x@",   "\\", "\\q",  "\\x41", "%.",
        "%-05l", "%5%", "%-%",  "%.t", "%-.3t", "%.5l", "%05I", "@N", "%-0x", "@@",    "@q"};
    int n = 0;
    for (const auto& format : formats) {
        INFO("-F '" << format << "'");
        const std::string id = "format-" + str(n++);
        const ProcessResult reference =
            run({"mosquitto_sub", "-h", broker.host(), "-p", str(broker.port()), "-i", "ref-" + id,
                 "-t", "none", "-F", format, "-E"});
        const ProcessResult ours = sub_run(broker, id, {"-t", "none", "-F", format, "-E"});
        INFO("mosquitto_sub: " << reference.describe());
        INFO("mqtk: " << ours.describe());
        if (reference.exit_code == 0) {
            CHECK(ours.exit_code == 0);
        } else {
            CHECK(ours.exit_code == 2);
            CHECK(ours.err.starts_with("mqtk: "));
            CHECK(count_lines(ours.err) == 1);
        }
    }
}

TEST_CASE("sub: -F time sequences have mosquitto_sub's shape") {
    compare_formats(
        {
            {"-F", "%I|%U|@N"},
            {"-F", "[%30I][%-30I][%.10I][%10.4I]"},
            {"-F", "@Y-@m-@d @H:@M:@S.@N @z @Z @a @A @b @B @j @p @e @y @u @w @s @C @D @F @T"},
            {"-F", "@c|@x|@X|@%|@n|@t|@G|@g|@V|@U|@W|@k|@l|@h|@r|@R"},
        },
        digits_blurred);

    // The times themselves: %U against the clock of this test.
    Broker broker;
    Process sub = start_sub(broker, "clock", {"-t", "t", "-F", "%U|@s|%I", "-C", "1"},
                            {.env = {{"TZ", "XST-5:30"}}});
    REQUIRE_SUBSCRIBED(broker, sub, "clock", {"t"});
    inject(broker, {"-t", "t", "-m", "x"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    const std::time_t now = std::time(nullptr);
    std::smatch m;
    const std::string line = r.out;
    REQUIRE(std::regex_match(
        line, m, std::regex(R"((\d+)\.(\d{9})\|(\d+)\|(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0530)\n)")));
    const long long unix_seconds = std::stoll(m[1]);
    CHECK(std::llabs(unix_seconds - now) <= 30);
    CHECK(std::llabs(std::stoll(m[3]) - unix_seconds) <= 1);
    // %I is local time in the +05:30 zone.
    std::tm tm{};
    const std::time_t shifted = static_cast<std::time_t>(unix_seconds) + 5 * 3600 + 1800;
    gmtime_r(&shifted, &tm);
    char expected[32];
    std::strftime(expected, sizeof expected, "%Y-%m-%dT%H:%M", &tm);
    CHECK(m[4].str().starts_with(expected));
}

TEST_CASE("sub: -F %j and %J are mosquitto_sub's JSON, also with --pretty") {
    compare_formats(
        {
            {"-F", "%j"},
            {"-F", "%J"},
            {"-F", "%j", "--pretty"},
            {"-F", "%J", "--pretty"},
            {"-F", "%t=%j"},
        },
        tst_blurred);
}

TEST_CASE("sub: -v, -N and the plain output are byte for byte mosquitto_sub's") {
    Broker broker;
    TempDir dir;
    SideBySide both(broker, {{"-t", "o/#", "-C", "4"},
                             {"-t", "o/#", "-C", "4", "-v"},
                             {"-t", "o/#", "-C", "4", "-N"},
                             {"-t", "o/#", "-C", "4", "-v", "-N"}});
    both.require_subscribed({"o/#"});
    inject(broker, {"-t", "o/text", "-m", "plain"});
    inject(broker, {"-t", "o/empty", "-n"});
    inject(broker, {"-t", "o/lines", "-m", "multi\nline"});
    inject(broker, {"-t", "o/bin", "-f", dir.write("bin", std::string("a\0b\xff\n", 5))});
    for (std::size_t i = 0; i < both.size(); ++i) {
        auto [reference, ours] = both.wait(i);
        INFO("args " << i << "\nmosquitto_sub:\n"
                     << visible(reference.out) << "\nmqtk:\n"
                     << visible(ours.out) << "\n"
                     << ours.err);
        CHECK(ours.exit_code == 0);
        CHECK(ours.out == reference.out);
    }
}

TEST_CASE("sub: --pretty indents --json over several lines, still valid JSON") {
    Broker broker;
    Process sub =
        start_sub(broker, "pretty", {"-V", "5", "-t", "p", "--json", "--pretty", "-C", "2"});
    REQUIRE_SUBSCRIBED(broker, sub, "pretty", {"p"});
    inject(broker, {"-V", "5", "-t", "p", "-m", "one", "-D", "publish", "user-property", "a", "b"});
    inject(broker, {"-t", "p", "-m", "two"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    CHECK(count_lines(r.out) > 4);
    CHECK(r.out.find("\n  \"topic\"") != std::string::npos);
    std::istringstream in(r.out);
    std::vector<nlohmann::json> objects;
    for (;;) {
        in >> std::ws;
        if (in.peek() == EOF) break;
        nlohmann::json object;
        REQUIRE_NOTHROW(in >> object);
        objects.push_back(object);
    }
    REQUIRE(objects.size() == 2);
    CHECK(objects[0]["payload"] == "one");
    CHECK(objects[0]["properties"]["user-property"] == nlohmann::json::parse(R"([["a","b"]])"));
    CHECK(objects[1]["payload"] == "two");
}

// --- --json ----------------------------------------------------------------------------------

namespace {

bool valid_utf8_without_nul(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) return false;
        std::size_t n;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0) != 0x80) return false;
            cp = cp << 6 | (cc & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n + 1;
    }
    return true;
}

// The payload a --json line carries, decoded per its "encoding".
std::string json_payload(const nlohmann::json& line) {
    const std::string payload = line.value("payload", "");
    if (line.at("encoding") == "base64") return mqtk::test::base64_decode(payload);
    CHECK(line.at("encoding") == "utf8");
    return payload;
}

}  // namespace

TEST_CASE("sub: --json writes one valid JSON object per message whatever the payload") {
    Broker broker;
    TempDir dir;
    std::string big(70000, '\0');
    for (std::size_t i = 0; i < big.size(); ++i)
        big[i] = static_cast<char>((i * 7919 + 13) % 256);
    struct Case {
        std::string topic;
        std::string payload;
        int qos;
    };
    const std::vector<Case> cases = {
        {"j/text", "plain text", 0},
        {"j/empty", "", 1},
        {"j/nul", std::string("a\0b", 3), 2},
        {"j/invalid-utf8", "\xc3\x28 and \xff", 1},
        {"j/overlong", "\xc0\xaf", 0},
        {"j/surrogate", "\xed\xa0\x80", 0},
        {"j/escapes", "quote \" backslash \\ newline \n tab \t bell \a del \x7f", 0},
        {"j/utf8", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac", 0},
        {"j/binary", big, 1},
        {"j/\xc3\xbcnicode topic", "x", 0},
    };
    // One retained message, delivered at subscription time.
    inject(broker, {"-t", "j/retained", "-m", "kept", "-r", "-q", "1"});
    Process sub = start_sub(broker, "json",
                            {"-V", "5", "-q", "2", "-t", "j/#", "--json", "-C",
                             str(static_cast<long long>(cases.size()) + 2), "-D", "subscribe",
                             "subscription-identifier", "3"});
    REQUIRE_SUBSCRIBED(broker, sub, "json", {"j/#"});
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string file = dir.write("p" + str(static_cast<long long>(i)), cases[i].payload);
        if (cases[i].payload.empty()) {
            inject(broker, {"-t", cases[i].topic, "-n", "-q", str(cases[i].qos)});
        } else {
            inject(broker, {"-t", cases[i].topic, "-f", file, "-q", str(cases[i].qos)});
        }
    }
    inject(broker, {"-V",
                    "5",
                    "-t",
                    "j/props",
                    "-m",
                    "with properties",
                    "-q",
                    "1",
                    "-D",
                    "publish",
                    "content-type",
                    "text/plain",
                    "-D",
                    "publish",
                    "response-topic",
                    "j/reply",
                    "-D",
                    "publish",
                    "correlation-data",
                    "c0rr",
                    "-D",
                    "publish",
                    "user-property",
                    "unit",
                    "C",
                    "-D",
                    "publish",
                    "user-property",
                    "unit",
                    "K",
                    "-D",
                    "publish",
                    "payload-format-indicator",
                    "1",
                    "-D",
                    "publish",
                    "message-expiry-interval",
                    "3600"});
    const ProcessResult r = sub.wait(20s);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const Lines lines = split_lines(r.out);
    REQUIRE(lines.size() == cases.size() + 2);
    CHECK(r.out.back() == '\n');

    std::vector<nlohmann::json> objects;
    for (const auto& line : lines) {
        INFO("line: " << line.substr(0, 300));
        nlohmann::json object;
        REQUIRE_NOTHROW(object = nlohmann::json::parse(line));
        REQUIRE(object.is_object());
        objects.push_back(object);
        // Only the schema's keys.
        for (const auto& [key, value] : object.items()) {
            CHECK(std::set<std::string>{"topic", "payload", "encoding", "qos", "retain", "mid",
                                        "properties", "received"}
                      .count(key) == 1);
        }
        CHECK(object.at("topic").is_string());
        CHECK(object.at("qos").is_number_integer());
        CHECK(object.at("retain").is_boolean());
        const std::string received = object.at("received");
        CHECK(std::regex_match(received, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
        std::tm tm{};
        strptime(received.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
        CHECK(std::llabs(static_cast<long long>(timegm(&tm) - std::time(nullptr))) < 120);
        CHECK(object.at("properties").at("subscription-identifier") == nlohmann::json::array({3}));
    }

    // The retained one came first.
    CHECK(objects[0]["topic"] == "j/retained");
    CHECK(objects[0]["retain"] == true);
    CHECK(objects[0]["payload"] == "kept");
    CHECK(objects[0]["qos"] == 1);
    CHECK(objects[0].contains("mid"));

    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& object = objects[i + 1];
        INFO("case " << cases[i].topic);
        CHECK(object["topic"] == cases[i].topic);
        CHECK(json_payload(object) == cases[i].payload);
        CHECK(object["encoding"] == (valid_utf8_without_nul(cases[i].payload) ? "utf8" : "base64"));
        CHECK(object["qos"] == cases[i].qos);
        CHECK(object["retain"] == false);
        CHECK(object.contains("mid") == (cases[i].qos > 0));
        if (cases[i].qos > 0) {
            CHECK(object["mid"].is_number_integer());
            CHECK(object["mid"].get<int>() > 0);
        }
    }

    const auto& props = objects.back();
    CHECK(props["topic"] == "j/props");
    CHECK(props["payload"] == "with properties");
    const auto& p = props["properties"];
    CHECK(p["content-type"] == "text/plain");
    CHECK(p["response-topic"] == "j/reply");
    CHECK(mqtk::test::base64_decode(p["correlation-data"].get<std::string>()) == "c0rr");
    CHECK(p["user-property"] == nlohmann::json::parse(R"([["unit","C"],["unit","K"]])"));
    CHECK(p["payload-format-indicator"] == 1);
    CHECK(p["message-expiry-interval"].get<long>() > 3590);
    CHECK(p["message-expiry-interval"].get<long>() <= 3600);
}

TEST_CASE("sub: --json capture replayed by pub --jsonl gives identical messages, binary too") {
    Broker first;
    Broker second;
    TempDir dir;
    // What an independent mosquitto_sub prints of each message, on either broker. %r is left
    // out (a retained message arrives flagged only on subscribing), and %E (it counts down).
    const std::string format = "%t|%q|%x|%C|%R|%P|%F|%D|%l";
    const std::vector<std::string> observe = {"-V", "5", "-q", "2", "-F", format};

    inject(first, {"-t", "rt/retained", "-f", dir.write("r", std::string("\x00\xffretained", 10)),
                   "-r", "-q", "1"});
    Process capture = start_sub(first, "capture",
                                {"-V", "5", "-q", "2", "-t", "rt/#", "--json", "-C", "7", "-D",
                                 "subscribe", "subscription-identifier", "5"});
    Process original =
        start_mosquitto_sub(first, "original", concat(observe, {"-t", "rt/#", "-C", "7"}));
    REQUIRE_SUBSCRIBED(first, capture, "capture", {"rt/#"});
    REQUIRE_SUBSCRIBED(first, original, "original", {"rt/#"});

    std::string binary(512, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i)
        binary[i] = static_cast<char>(255 - i % 256);
    inject(first, {"-t", "rt/text", "-m", "hello", "-q", "0"});
    inject(first, {"-t", "rt/binary", "-f", dir.write("b", binary), "-q", "1"});
    inject(first, {"-t", "rt/empty", "-n", "-q", "2"});
    inject(first, {"-t", "rt/invalid", "-m", "caf\xe9", "-q", "1"});
    inject(first, {"-V",
                   "5",
                   "-t",
                   "rt/props",
                   "-m",
                   "{\"t\": 21.5}",
                   "-q",
                   "2",
                   "-D",
                   "publish",
                   "content-type",
                   "application/json",
                   "-D",
                   "publish",
                   "response-topic",
                   "rt/answer",
                   "-D",
                   "publish",
                   "correlation-data",
                   "id-7",
                   "-D",
                   "publish",
                   "user-property",
                   "k",
                   "v1",
                   "-D",
                   "publish",
                   "user-property",
                   "k",
                   "v2",
                   "-D",
                   "publish",
                   "payload-format-indicator",
                   "1",
                   "-D",
                   "publish",
                   "message-expiry-interval",
                   "600"});
    inject(first, {"-t", "rt/last", "-m", "line\nbreak", "-q", "0"});

    const ProcessResult captured = capture.wait(20s);
    INFO(captured.describe());
    REQUIRE(captured.exit_code == 0);
    REQUIRE(count_lines(captured.out) == 7);
    const ProcessResult expected = original.wait(20s);
    REQUIRE(expected.exit_code == 0);

    Observer replayed(second, {"rt/#"}, observe);
    const ProcessResult replay =
        run_mqtk({"pub", "-h", second.host(), "-p", str(second.port()), "-V", "5", "--jsonl"},
                 {.stdin_data = captured.out});
    INFO(replay.describe());
    REQUIRE(replay.exit_code == 0);
    const Lines seen = replayed.lines(7, 10s);
    std::string replayed_text;
    for (const auto& line : seen)
        replayed_text += line + "\n";
    INFO("first broker, mosquitto_sub:\n" << expected.out);
    INFO("second broker after the replay, mosquitto_sub:\n" << replayed_text);
    CHECK(sorted(seen) == sorted(split_lines(expected.out)));
    // The order across QoS levels may differ: mosquitto forwards a QoS 2 message only at its
    // PUBREL, so QoS 0/1 messages published after it can overtake it (-M bounds only QoS
    // 1/2 in flight, as mosquitto_pub's). MQTT keeps the order per QoS level: check that.
    auto per_qos = [](const Lines& lines) {
        std::map<std::string, Lines> by_qos;  // the second field of the format is %q
        for (const auto& line : lines) {
            const auto bar = line.find('|');
            by_qos[line.substr(bar + 1, 1)].push_back(line);
        }
        return by_qos;
    };
    CHECK(per_qos(seen) == per_qos(split_lines(expected.out)));

    // The retained message is retained on the second broker too, the others are not.
    const ProcessResult retained =
        run({"mosquitto_sub", "-h", second.host(), "-p", str(second.port()), "-t", "rt/#", "-F",
             "%r|%t|%x", "--retained-only", "-W", "2"});
    CHECK(retained.out == "1|rt/retained|" + to_hex(std::string("\x00\xffretained", 10)) + "\n");
}

// --- Waiting: --expect, --ready-file ---------------------------------------------------------

TEST_CASE("sub: --expect exits 0 at the first matching payload") {
    Broker broker;
    Process sub = start_sub(broker, "expect", {"-t", "x", "--expect", "^ok [0-9]+$", "-W", "30"});
    REQUIRE_SUBSCRIBED(broker, sub, "expect", {"x"});
    inject(broker, {"-t", "x", "-m", "nope"});
    inject(broker, {"-t", "x", "-m", "not ok 1"});
    CHECK(sub.running());
    inject(broker, {"-t", "x", "-m", "ok 12"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "nope\nnot ok 1\nok 12\n");
}

TEST_CASE("sub: --expect with -W exits 5 when nothing matched") {
    Broker broker;
    // -W (from the connection) must also cover the SUBACK, mosquitto_pub's start and the
    // delivery of "not yet": generous, as only the missing match matters here.
    Process sub = start_sub(broker, "expect-none", {"-t", "x", "--expect", "ready", "-W", "5"});
    REQUIRE_SUBSCRIBED(broker, sub, "expect-none", {"x"});
    inject(broker, {"-t", "x", "-m", "not yet"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 5);
    CHECK(r.out == "not yet\n");
    CHECK(r.err.starts_with("mqtk: "));
    CHECK(r.err.find("ready") != std::string::npos);

    const ProcessResult bad = sub_run(broker, "expect-bad", {"-t", "x", "--expect", "(["});
    CHECK(bad.exit_code == 2);
}

TEST_CASE("sub: --expect with -C exits 5 when N messages went by without a match") {
    Broker broker;
    Process sub = start_sub(broker, "expect-count", {"-t", "x", "--expect", "^ready$", "-C", "2"});
    REQUIRE_SUBSCRIBED(broker, sub, "expect-count", {"x"});
    inject(broker, {"-t", "x", "-m", "not yet"});
    inject(broker, {"-t", "x", "-m", "still not"});
    const ProcessResult r = sub.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 5);
    CHECK(r.out == "not yet\nstill not\n");
    CHECK(r.err.find("2 messages") != std::string::npos);

    Process matched =
        start_sub(broker, "expect-count-ok", {"-t", "y", "--expect", "^ready$", "-C", "2"});
    REQUIRE_SUBSCRIBED(broker, matched, "expect-count-ok", {"y"});
    inject(broker, {"-t", "y", "-m", "not yet"});
    inject(broker, {"-t", "y", "-m", "ready"});
    CHECK(matched.wait(15s).exit_code == 0);
}

TEST_CASE("sub: --ready-file is created once every subscription is acknowledged") {
    Broker broker;
    TempDir dir;
    const std::vector<std::string> filters = {"r/1", "r/2", "r/3", "r/4", "r/5"};
    for (int round = 0; round < 3; ++round) {
        const std::string ready = dir.file("ready-" + str(round));
        std::vector<std::string> args = {"--ready-file", ready, "-C", "1", "-W", "20"};
        for (const auto& f : filters)
            args.insert(args.end(), {"-t", f});
        Process sub = start_sub(broker, "ready-" + str(round), args);
        const auto deadline = Clock::now() + 30s;
        while (!std::filesystem::exists(ready) && sub.running() && Clock::now() < deadline)
            std::this_thread::sleep_for(1ms);
        INFO(sub.stderr_so_far());
        REQUIRE(std::filesystem::exists(ready));
        // No waiting at all: a publish to the last filter must reach it.
        inject(broker, {"-t", "r/5", "-m", "right away " + str(round)});
        const ProcessResult r = sub.wait(15s);
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.out == "right away " + str(round) + "\n");
        CHECK(wait_for_subscriptions(broker, "ready-" + str(round), filters, 10s));
    }
}

// --- Ending: signals, a closed reader -------------------------------------------------------

TEST_CASE("sub: SIGINT and SIGTERM exit 130 after a clean disconnect, without the will") {
    for (const int signal : {SIGINT, SIGTERM}) {
        INFO("signal " << signal);
        Broker broker;
        Observer will(broker, {"will/t"});
        const std::string id = "signalled";
        Process sub =
            start_sub(broker, id, {"-t", "x", "--will-topic", "will/t", "--will-payload", "gone"});
        REQUIRE_SUBSCRIBED(broker, sub, id, {"x"});
        REQUIRE(sub.send_signal(signal));
        const ProcessResult r = sub.wait(15s);
        INFO(r.describe());
        CHECK(r.exit_code == 130);
        CHECK_FALSE(r.timed_out);
        CHECK(broker.wait_for_log("Client " + id + " disconnected.", 10s));
        CHECK(broker.log().find("Client " + id + " closed its connection") == std::string::npos);
        CHECK(will.lines(1, 1s).empty());
    }
    // The control: the will was really set, and a kill sends it.
    Broker broker;
    Observer will(broker, {"will/t"});
    Process sub = start_sub(broker, "killed",
                            {"-t", "x", "--will-topic", "will/t", "--will-payload", "gone"});
    REQUIRE_SUBSCRIBED(broker, sub, "killed", {"x"});
    sub.send_signal(SIGKILL);
    CHECK(will.lines(1, 10s) == Lines{"will/t gone"});
}

TEST_CASE("sub: a reader that goes away (| head -1) ends it quietly") {
    Broker broker;
    TempDir dir;
    const std::string script =
        "\"$0\" sub -h 127.0.0.1 -p \"$1\" -i headed -t h 2>\"$2/err\" | head -1 >\"$2/out\"; "
        "echo \"${PIPESTATUS[0]}\" >\"$2/rc\"";
    Process pipeline({"bash", "-c", script, mqtk_binary(), str(broker.port()), dir.path()});
    REQUIRE_SUBSCRIBED(broker, pipeline, "headed", {"h"});
    for (int i = 0; i < 100 && pipeline.running(); ++i) {
        inject(broker, {"-t", "h", "-m", "line " + str(i)});
        std::this_thread::sleep_for(20ms);
    }
    const ProcessResult r = pipeline.wait(15s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    auto slurp = [&](const char* name) {
        std::ifstream in(dir.file(name));
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    CHECK(slurp("out") == "line 0\n");
    CHECK(slurp("rc") == "0\n");
    CHECK(slurp("err") == "");
}

TEST_CASE("sub: output reaches a pipe at once and a file within a moment") {
    Broker broker;
    TempDir dir;
    const std::string file = dir.file("out");
    Process piped = start_sub(broker, "piped", {"-t", "o"});
    Process filed({"bash", "-c", "exec \"$0\" sub -h 127.0.0.1 -p \"$1\" -i filed -t o >\"$2\"",
                   mqtk_binary(), str(broker.port()), file});
    REQUIRE_SUBSCRIBED(broker, piped, "piped", {"o"});
    REQUIRE_SUBSCRIBED(broker, filed, "filed", {"o"});
    inject(broker, {"-t", "o", "-m", "first"});
    // Still running, no count, no exit: the message must be readable already.
    CHECK(piped.wait_for_output("first\n", 10s));
    auto file_text = [&] {
        std::ifstream in(file);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    const auto deadline = Clock::now() + 10s;
    while (file_text() != "first\n" && Clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    CHECK(file_text() == "first\n");
    CHECK(piped.running());
    CHECK(filed.running());
    piped.send_signal(SIGINT);
    filed.send_signal(SIGINT);
    CHECK(piped.wait(10s).exit_code == 130);
    CHECK(filed.wait(10s).exit_code == 130);
}

TEST_CASE("sub: colour only on a terminal, never with NO_COLOR") {
    Broker broker;
    SUBCASE("a pipe gets no escape codes") {
        Process sub =
            start_sub(broker, "pipe", {"-t", "c", "-v", "-C", "1"}, {.unset_env = {"NO_COLOR"}});
        REQUIRE_SUBSCRIBED(broker, sub, "pipe", {"c"});
        inject(broker, {"-t", "c", "-m", "x"});
        const ProcessResult r = sub.wait(15s);
        CHECK(r.out == "c x\n");
    }
    if (run({"sh", "-c", "command -v script"}).exit_code != 0) {
        skip_test("util-linux script is not installed: the terminal cases are skipped");
        return;
    }
    const std::string command =
        mqtk_binary() + " sub -h 127.0.0.1 -p " + str(broker.port()) + " -i tty -t c -v -C 1";
    SUBCASE("a terminal gets the topic in colour") {
        Process sub({"script", "-qefc", command, "/dev/null"}, {.unset_env = {"NO_COLOR"}});
        REQUIRE_SUBSCRIBED(broker, sub, "tty", {"c"});
        inject(broker, {"-t", "c", "-m", "x"});
        const ProcessResult r = sub.wait(15s);
        INFO(visible(r.out));
        CHECK(r.exit_code == 0);
        CHECK(has_escape(r.out));
        CHECK(r.out.find("x") != std::string::npos);
    }
    SUBCASE("NO_COLOR turns it off even on a terminal") {
        Process sub({"script", "-qefc", command, "/dev/null"}, {.env = {{"NO_COLOR", "1"}}});
        REQUIRE_SUBSCRIBED(broker, sub, "tty", {"c"});
        inject(broker, {"-t", "c", "-m", "x"});
        const ProcessResult r = sub.wait(15s);
        INFO(visible(r.out));
        CHECK(r.exit_code == 0);
        CHECK_FALSE(has_escape(r.out));
        CHECK(r.out.find("c x") != std::string::npos);
    }
}

TEST_CASE("sub: -F %f and %d read raw IEEE 754 payloads, as mosquitto 2.1's sub") {
    // No 2.1 binary is packaged: the expected bytes follow its man page (the payload as a
    // 4- or 8-byte float, printf's %f) and client/sub_client_output.c.
    Broker broker;
    TempDir dir;
    const float single = 21.5F;
    const double twice = -0.125;
    Process sub({mqtk_binary(), "sub", "-h", broker.host(), "-p", str(broker.port()), "-i",
                 "floats", "-t", "f/#", "-C", "3", "-F", "%t [%.2f] [%08.3d]"});
    REQUIRE_SUBSCRIBED(broker, sub, "floats", {"f/#"});
    inject(broker, {"-t", "f/single", "-f",
                    dir.write("f", std::string(reinterpret_cast<const char*>(&single), 4))});
    inject(broker, {"-t", "f/double", "-f",
                    dir.write("d", std::string(reinterpret_cast<const char*>(&twice), 8))});
    inject(broker, {"-t", "f/text", "-m", "abc"});
    const ProcessResult r = sub.wait(20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "f/single [21.50] []\nf/double [] [-000.125]\nf/text [] []\n");
    // One line per field that could not read its payload; the message is still printed.
    CHECK(count_lines(r.err) == 4);
    for (const char* line : {"mqtk: %d needs an 8-byte float payload; 4 bytes on topic f/single\n",
                             "mqtk: %f needs a 4-byte float payload; 8 bytes on topic f/double\n",
                             "mqtk: %f needs a 4-byte float payload; 3 bytes on topic f/text\n",
                             "mqtk: %d needs an 8-byte float payload; 3 bytes on topic f/text\n"}) {
        CHECK_MESSAGE(r.err.find(line) != std::string::npos, line);
    }
}
