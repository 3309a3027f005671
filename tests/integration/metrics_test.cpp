// --metrics (issue 18): the Prometheus endpoint of bench, echo and sub. A live page that
// promtool accepts; a real Prometheus server, started here on loopback, scraping a run and
// storing what the command itself reports; and the endpoint binding before any broker
// connection, so that a port in use or a bad address is a usage error no broker sees.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/helpers.h"
#include "support/http.h"
#include "support/process.h"
#include "support/skip.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using mqtk::test::Broker;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::str;
using mqtk::test::TempDir;
using nlohmann::json;

bool have(const char* tool) {
    return mqtk::test::run({"sh", "-c", std::string("command -v ") + tool}).exit_code == 0;
}

// The page at /metrics once it answers, or nothing within the timeout.
std::optional<std::string> scrape(int port, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (const auto r = mqtk::test::http_get(port, "/metrics"); r && r->status == 200) {
            return r->body;
        }
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

// The value of the sample line starting with `series` ("name{labels}"), or -1.
double sample_value(const std::string& page, const std::string& series) {
    const auto at = page.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(page.substr(at + series.size() + 2));
}

// A Prometheus server of the test's own: scrapes 127.0.0.1:target every second, keeps its
// data in a TempDir, listens on a free loopback port, and is stopped by its PID.
class Prometheus {
  public:
    explicit Prometheus(int target) : port_(mqtk::test::free_port()) {
        const std::string config =
            dir_.write("prometheus.yml",
                       "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                       "scrape_configs:\n  - job_name: mqtk\n    static_configs:\n"
                       "      - targets: ['127.0.0.1:" +
                           str(target) + "']\n");
        process_.emplace(std::vector<std::string>{
            "prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir_.file("data"),
            "--web.listen-address=127.0.0.1:" + str(port_), "--log.level=warn"});
        // Ready is not enough: its scrape manager applies the targets up to 5 s later. Once
        // it has tried the target (down, as nothing listens yet), it scrapes every second.
        const auto deadline = Clock::now() + 30s;
        while (Clock::now() < deadline && process_->running()) {
            const auto r = mqtk::test::http_get(port_, "/api/v1/targets", 1s);
            if (r && r->status == 200 && mqtk::test::contains(r->body, "\"health\":\"down\"")) {
                return;
            }
            std::this_thread::sleep_for(50ms);
        }
        FAIL("prometheus did not start scraping: " << diagnostics());
    }
    ~Prometheus() {
        process_->send_signal(SIGTERM);
        process_->wait(20s);
    }
    Prometheus(const Prometheus&) = delete;
    Prometheus& operator=(const Prometheus&) = delete;

    // The value of an instant PromQL query with one result, or nothing.
    std::optional<double> query(const std::string& promql) const {
        const auto r = mqtk::test::http_get(
            port_, "/api/v1/query?query=" + mqtk::test::url_encode(promql), 5s);
        if (!r || r->status != 200) return std::nullopt;
        const json doc = json::parse(r->body);
        const json& result = doc["data"]["result"];
        if (result.size() != 1) return std::nullopt;
        return std::stod(result[0]["value"][1].get<std::string>());
    }
    // Waits until the query has the value.
    bool wait_for(const std::string& promql, double value, std::chrono::milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            if (query(promql) == value) return true;
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }
    // Its log and what it says of the target, for failure messages.
    std::string diagnostics() const {
        const auto targets = mqtk::test::http_get(port_, "/api/v1/targets", 5s);
        return process_->stderr_so_far() + (targets ? targets->body : "");
    }

  private:
    TempDir dir_;
    int port_;
    std::optional<Process> process_;
};

void check_usage_error(const ProcessResult& r) {
    INFO(r.describe());
    mqtk::test::check_error(r, 2);
    CHECK(mqtk::test::contains(r.err, "--metrics"));
}

}  // namespace

TEST_CASE("metrics: bench serves a page during its run that promtool accepts") {
    if (!have("promtool")) {
        mqtk::test::skip_test("promtool (Debian's prometheus) is not installed");
        return;
    }
    Broker broker;
    const int port = mqtk::test::free_port();
    Process bench(mqtk::test::mqtk_argv("bench", broker.port(),
                                        {"--metrics", str(port), "--duration", "3", "--warmup", "0",
                                         "-q", "1", "--rate", "200", "--json"}));
    // A page that shows messages flowing: taken in the middle of the run.
    std::string page;
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline && bench.running()) {
        const auto scraped = scrape(port, 2s);
        if (scraped && sample_value(*scraped,
                                    "mqtk_messages_received_total{command=\"bench\","
                                    "role=\"subscriber\"}") > 0) {
            page = *scraped;
            break;
        }
        std::this_thread::sleep_for(50ms);
    }
    INFO(page);
    REQUIRE_FALSE(page.empty());
    const ProcessResult check =
        mqtk::test::run({"promtool", "check", "metrics"}, {.stdin_data = page});
    INFO(check.describe());
    CHECK(check.exit_code == 0);
    CHECK(mqtk::test::contains(page, "# TYPE mqtk_latency_seconds histogram"));
    CHECK(mqtk::test::contains(page,
                               "mqtk_latency_seconds_bucket{command=\"bench\","
                               "kind=\"end_to_end\",le=\"+Inf\"}"));
    const ProcessResult r = bench.wait(30s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
}

TEST_CASE("metrics: the endpoint answers with the 0.0.4 content type, 404 elsewhere") {
    Broker broker;
    const int port = mqtk::test::free_port();
    Process sub(mqtk::test::mqtk_argv("sub", broker.port(),
                                      {"-t", "m/#", "-W", "10", "--metrics", str(port)}));
    REQUIRE(scrape(port));
    const auto page = mqtk::test::http_get(port, "/metrics");
    REQUIRE(page);
    CHECK(mqtk::test::contains(page->headers,
                               "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
    const auto other = mqtk::test::http_get(port, "/");
    REQUIRE(other);
    CHECK(other->status == 404);
    // Stopping: the endpoint must not keep the process alive, nor change its exit code,
    // even with a client connected that never finishes its request (its wait is bounded
    // by the endpoint's 1 s timeouts).
    const int idle = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(idle, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::send(idle, "GET /metrics HTTP/1.1\r\n", 23, MSG_NOSIGNAL) == 23);
    std::this_thread::sleep_for(200ms);  // for the endpoint to be reading it
    const auto start = Clock::now();
    sub.send_signal(SIGINT);
    const ProcessResult r = sub.wait(10s);
    INFO(r.describe());
    CHECK(r.exit_code == 130);
    CHECK(mqtk::test::seconds_since(start) < 2.0);  // the 1 s timeout, plus 1 s margin
    ::close(idle);
    CHECK_FALSE(mqtk::test::http_get(port, "/metrics", 1s));
}

TEST_CASE("metrics: Prometheus scrapes sub and stores the count sub printed") {
    if (!have("prometheus")) {
        mqtk::test::skip_test("prometheus (Debian's prometheus) is not installed");
        return;
    }
    Broker broker;
    TempDir dir;
    const int port = mqtk::test::free_port();
    Prometheus prometheus(port);
    const std::string ready = dir.file("ready");
    Process sub(mqtk::test::mqtk_argv(
        "sub", broker.port(), {"-t", "m/#", "--metrics", str(port), "--ready-file", ready}));
    const auto deadline = Clock::now() + 20s;
    while (!std::filesystem::exists(ready) && sub.running() && Clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    REQUIRE(std::filesystem::exists(ready));
    for (int i = 0; i < 7; ++i)
        mqtk::test::inject(broker, {"-t", "m/" + str(i), "-m", "x" + str(i)});
    REQUIRE(sub.wait_until(
        [](std::string_view out, std::string_view) {
            return std::count(out.begin(), out.end(), '\n') == 7;
        },
        10s));
    const std::string series = "mqtk_messages_received_total{command=\"sub\",job=\"mqtk\"}";
    INFO(prometheus.diagnostics());
    CHECK(prometheus.wait_for(series, 7, 15s));
    sub.send_signal(SIGINT);
    const ProcessResult r = sub.wait(10s);
    CHECK(r.exit_code == 130);
    // After the run, from what Prometheus stored (the instant value is stale by now).
    CHECK(prometheus.query("last_over_time(" + series + "[5m])") == 7.0);
    CHECK(prometheus.query("last_over_time(mqtk_connections_up{command=\"sub\"}[5m])") == 1.0);
}

TEST_CASE("metrics: Prometheus scrapes bench: what it stored is within the --json result") {
    if (!have("prometheus")) {
        mqtk::test::skip_test("prometheus (Debian's prometheus) is not installed");
        return;
    }
    Broker broker;
    const int port = mqtk::test::free_port();
    Prometheus prometheus(port);
    Process bench(mqtk::test::mqtk_argv("bench", broker.port(),
                                        {"--metrics", str(port), "--duration", "5", "--warmup", "0",
                                         "-q", "1", "--rate", "200", "--json"}));
    const std::string sent_series =
        "mqtk_messages_sent_total{command=\"bench\",role=\"publisher\"}";
    const std::string received_series =
        "mqtk_messages_received_total{command=\"bench\",role=\"subscriber\"}";
    const std::string latency_series =
        "mqtk_latency_seconds_count{command=\"bench\",kind=\"end_to_end\"}";
    // Prometheus stored messages flowing in the middle of the run.
    INFO(prometheus.diagnostics());
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline && bench.running() && !(prometheus.query(received_series) > 0.0))
        std::this_thread::sleep_for(100ms);
    CHECK_MESSAGE(prometheus.query(received_series) > 0.0, prometheus.diagnostics());
    const ProcessResult r = bench.wait(30s);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    const json doc = json::parse(r.out);
    const auto stored = [&](const std::string& series) {
        return prometheus.query("max_over_time(" + series + "[5m])").value_or(-1);
    };
    // Counters only grow, and the result is the last word: what was stored is at most it.
    CHECK(stored(sent_series) > 0);
    CHECK(stored(sent_series) <= doc["messages"]["sent"].get<double>());
    CHECK(stored(received_series) <= doc["messages"]["received"].get<double>());
    CHECK(stored(latency_series) > 0);
    CHECK(stored(latency_series) <= doc["messages"]["received"].get<double>());
}

TEST_CASE("metrics: a port in use is a usage error before any broker connection") {
    Broker broker;
    const auto taken = mqtk::test::listen_on_free_port("metrics test");
    for (const std::string command : {"bench", "sub", "echo"}) {
        INFO(command);
        std::vector<std::string> args = {"--metrics", str(taken.port)};
        if (command == "sub") args.insert(args.end(), {"-t", "x"});
        const ProcessResult r =
            mqtk::test::run(mqtk::test::mqtk_argv(command, broker.port(), args));
        check_usage_error(r);
        CHECK(mqtk::test::contains(r.err, "127.0.0.1:" + str(taken.port)));
        CHECK(mqtk::test::contains(r.err, "in use"));
    }
    ::close(taken.fd);
    CHECK(mqtk::test::connections_before_fence(broker) == 0);
}

TEST_CASE("metrics: a bad address or port is a usage error before any broker connection") {
    Broker broker;
    for (const std::string address : {"70000", "0", "http", ":9100", "::1:9100", "192.0.2.1:9100",
                                      "no-such-host.invalid:9100"}) {
        INFO(address);
        const ProcessResult r =
            mqtk::test::run(mqtk::test::mqtk_argv("bench", broker.port(), {"--metrics", address}));
        check_usage_error(r);
    }
    CHECK(mqtk::test::connections_before_fence(broker) == 0);
}
