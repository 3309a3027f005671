// Large payloads: `mqtk pub -f` of a 20 MB file against a real mosquitto, over TCP and TLS,
// timed against mosquitto_pub -f of the same file to the same broker in the same test
// (a ratio, never an absolute time: the machine may be busy), and received byte for byte
// by mosquitto_sub. Paho C parks a write the socket cannot take whole and used to continue
// it a second later each time (docs/benchmarks.md, P7): 20 MB took 1.2-3.4 s instead of ~0.2 s.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::concat;
using mqtk::test::Observer;
using mqtk::test::ProcessResult;
using mqtk::test::TempDir;
using Args = std::vector<std::string>;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kPayloadBytes = 20'000'000;

// The promise: at most 1.5 times mosquitto_pub's time, plus 0.3 s for mqtk's heavier
// start-up (C++ and Paho's threads, ~5 ms quiet) and a busy machine's scheduling. The
// sanitizer build's mqtk is 2-3 times slower than mosquitto_pub's plain build, so there
// the bound only guards against the stall itself (a second per partial write: 5 s and
// more for 20 MB, against mosquitto_pub's ~0.1 s; seen under ASan at ctest -j3: 7.8x).
// benchmarks/pub.sh measures the ratio like for like.
#ifdef MQTK_SANITIZE
constexpr double kRatio = 10.0;
#else
constexpr double kRatio = 1.5;
#endif
constexpr double kSlackSeconds = 0.3;

// Bytes that no layer can compress or mistake for text, the same in every run.
std::string random_bytes(std::size_t size) {
    std::mt19937_64 generator(20251207);
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i + 8 <= size; i += 8) {
        const std::uint64_t word = generator();
        std::copy_n(reinterpret_cast<const char*>(&word), 8, bytes.begin() + i);
    }
    return bytes;
}

struct Timed {
    ProcessResult result;
    double seconds = 0;
};

Timed timed_run(const Args& argv) {
    const auto start = Clock::now();
    Timed t;
    t.result = mqtk::test::run(argv, {.timeout = 60s});
    t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return t;
}

struct Case {
    Args connection;  // e.g. TLS options
    Args options;     // -q, --repeat
    std::size_t bytes = kPayloadBytes;
    int messages = 1;  // per run (--repeat)
};

// Each tool runs twice, interleaved (mosquitto_pub, mqtk, mosquitto_pub, mqtk), each to its
// own topic with its own mosquitto_sub waiting for all its messages; the best time of each
// is compared, so one unlucky moment of a busy machine does not decide.
void check_as_fast_as_mosquitto_pub(const Broker& broker, int port, const Case& c) {
    TempDir dir;
    const std::string payload = random_bytes(c.bytes);
    const std::string file = dir.write("payload.bin", payload);
    const std::string count = std::to_string(2 * c.messages);
    Observer reference_seen(broker, {"big/reference"}, {"-N", "-C", count});
    Observer mqtk_seen(broker, {"big/mqtk"}, {"-N", "-C", count});
    const Args address = mqtk::test::address_args(port);
    const Args reference = concat(concat(concat({"mosquitto_pub"}, address), c.connection),
                                  concat(c.options, {"-t", "big/reference", "-f", file}));
    const Args mqtk =
        concat(concat(concat({mqtk::test::mqtk_binary(), "pub"}, address), c.connection),
               concat(c.options, {"-t", "big/mqtk", "-f", file}));
    double best_reference = 1e9;
    double best_mqtk = 1e9;
    for (int round = 0; round < 2; ++round) {
        const Timed r = timed_run(reference);
        INFO("mosquitto_pub: " << r.result.describe());
        REQUIRE(r.result.exit_code == 0);
        const Timed m = timed_run(mqtk);
        INFO("mqtk: " << m.result.describe());
        REQUIRE(m.result.exit_code == 0);
        CHECK(m.result.err.empty());
        best_reference = std::min(best_reference, r.seconds);
        best_mqtk = std::min(best_mqtk, m.seconds);
        MESSAGE("round " << round << ": mosquitto_pub " << r.seconds << " s, mqtk " << m.seconds
                         << " s");
    }
    CHECK(best_mqtk <= kRatio * best_reference + kSlackSeconds);
    // Every message arrived whole: -N prints the payloads back to back, nothing else.
    std::string all;
    for (int i = 0; i < 2 * c.messages; ++i)
        all += payload;
    CHECK(mqtk_seen.raw(all.size(), 30s) == all);
    CHECK(reference_seen.raw(all.size(), 30s) == all);
}

}  // namespace

TEST_CASE("large payloads: pub -f of 20 MB is as fast as mosquitto_pub -f, QoS 0 and 1") {
    Broker broker;
    for (const char* qos : {"0", "1"}) {
        CAPTURE(qos);
        check_as_fast_as_mosquitto_pub(broker, broker.port(), {.options = {"-q", qos}});
    }
}

// Paho's send thread sends nothing more while a write is parked, and used to wait up to a
// second after each before the next.
TEST_CASE("large payloads: pub -f of 8 MB with --repeat 5 is as fast as mosquitto_pub") {
    Broker broker;
    check_as_fast_as_mosquitto_pub(
        broker, broker.port(),
        {.options = {"-q", "1", "--repeat", "5"}, .bytes = 8'000'000, .messages = 5});
}

// Over TLS the parked write is OpenSSL's (SSL_write() retried after write() fell short).
TEST_CASE("large payloads: pub -f of 20 MB over TLS is as fast as mosquitto_pub -f") {
    Broker broker({.tls = true});
    check_as_fast_as_mosquitto_pub(
        broker, broker.tls_port(),
        {.connection = {"--cafile", Broker::ca_file()}, .options = {"-q", "1"}});
}
