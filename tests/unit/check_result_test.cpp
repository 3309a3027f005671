// `mqtk check`'s pure parts (core/check_result.h): the --require list, the verdict that
// decides the exit code, the JSON document, the table and the limit search of --deep.
#include "core/check_result.h"

#include <doctest/doctest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace {

using mqtk::CheckEntry;
using mqtk::CheckReport;
using mqtk::ExitCode;

CheckEntry entry(std::string name, bool ok, bool required) {
    CheckEntry e;
    e.name = std::move(name);
    e.ok = ok;
    e.required = required;
    e.summary = ok ? "fine" : "the broker granted QoS 1 only";
    return e;
}

CheckReport report(std::vector<CheckEntry> checks) {
    CheckReport r;
    r.endpoint = "127.0.0.1:1883";
    r.transport = "tcp";
    r.protocol = "3.1.1";
    r.client_id = "mqtk_check_1";
    r.prefix = "mqtk/check/mqtk_check_1";
    r.checks = std::move(checks);
    return r;
}

ExitCode code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const mqtk::Error& error) {
        return error.code();
    }
    return ExitCode::Success;
}

}  // namespace

TEST_CASE("check: --require adds to connect, qos0 and qos1, and refuses unknown names") {
    using Set = std::set<std::string>;
    CHECK(mqtk::parse_require_list({}) == Set{"connect", "qos0", "qos1"});
    CHECK(mqtk::parse_require_list({"qos2,retain"}) ==
          Set{"connect", "qos0", "qos1", "qos2", "retain"});
    CHECK(mqtk::parse_require_list({"will", " session , v5"}) ==
          Set{"connect", "qos0", "qos1", "will", "session", "v5"});
    CHECK(mqtk::parse_require_list({"all"}).size() == std::size(mqtk::kRequirableChecks));
    CHECK(code_of([] { mqtk::parse_require_list({"qos3"}); }) == ExitCode::Usage);
    CHECK(code_of([] { mqtk::parse_require_list({"qos2,"}); }) == ExitCode::Usage);
    CHECK(code_of([] { mqtk::parse_require_list({"topic_length"}); }) == ExitCode::Usage);
}

TEST_CASE("check: the verdict is 0 unless a required check failed, 5 when -W ran out") {
    CHECK(mqtk::check_verdict(report({entry("connect", true, true), entry("qos2", false, false)}))
              .code == ExitCode::Success);
    const auto failed =
        mqtk::check_verdict(report({entry("connect", true, true), entry("qos2", false, true)}));
    CHECK(failed.code == ExitCode::Failure);
    CHECK(failed.message == "required check failed: qos2: the broker granted QoS 1 only");
    auto skipped = entry("session", false, true);
    skipped.skipped = "the probe's connection was lost";
    CHECK(mqtk::check_verdict(report({skipped})).message ==
          "required check failed: session: the probe's connection was lost");
    auto timed_out = report({entry("connect", true, true)});
    timed_out.timed_out = "timed out after 1 s, in the will check";
    CHECK(mqtk::check_verdict(timed_out).code == ExitCode::Timeout);
}

TEST_CASE("check: the JSON document has ok, the connection and one entry per check") {
    auto connect = entry("connect", true, true);
    connect.figures = {{"ms", 1.5}, {"protocol", std::string("5")}};
    connect.properties = {{mqtk::PropertyId::ReceiveMaximum, 20, "", ""},
                          {mqtk::PropertyId::UserProperty, 0, "k", "v"}};
    auto shared = entry("shared", false, false);
    shared.figures = {{"member1", std::int64_t{3}}, {"in_order", false}};
    auto deep = entry("topic_length", false, false);
    deep.skipped = "the probe's connection was lost";
    const auto json =
        nlohmann::json::parse(mqtk::check_report_json(report({connect, shared, deep})));
    CHECK(json["ok"] == true);
    CHECK(json["connection"]["endpoint"] == "127.0.0.1:1883");
    CHECK(json["connection"]["prefix"] == "mqtk/check/mqtk_check_1");
    REQUIRE(json["checks"].size() == 3);
    CHECK(json["checks"][0]["name"] == "connect");
    CHECK(json["checks"][0]["ms"] == 1.5);
    CHECK(json["checks"][0]["protocol"] == "5");
    CHECK(json["checks"][0]["properties"]["receive-maximum"] == 20);
    CHECK(json["checks"][0]["properties"]["user-property"] ==
          nlohmann::json::array({nlohmann::json::array({"k", "v"})}));
    CHECK(json["checks"][1]["ok"] == false);
    CHECK(json["checks"][1]["required"] == false);
    CHECK(json["checks"][1]["error"] == "the broker granted QoS 1 only");
    CHECK(json["checks"][1]["member1"] == 3);
    CHECK(json["checks"][1]["in_order"] == false);
    CHECK(json["checks"][2]["skipped"] == true);
    CHECK(json["checks"][2]["reason"] == "the probe's connection was lost");
    CHECK_FALSE(json["checks"][2].contains("error"));
    const auto failing = nlohmann::json::parse(
        mqtk::check_report_json(report({connect, entry("qos1", false, true)})));
    CHECK(failing["ok"] == false);
}

TEST_CASE("check: the table is coloured only when asked, and says FAILED for required checks") {
    const auto r = report(
        {entry("connect", true, true), entry("qos2", false, true), entry("shared", false, false)});
    const auto plain = mqtk::format_check_table(r, false);
    CHECK(plain.find('\033') == std::string::npos);
    CHECK(plain.find("connect  ok      fine\n") != std::string::npos);
    CHECK(plain.find("qos2     FAILED  the broker granted QoS 1 only\n") != std::string::npos);
    CHECK(plain.find("shared   no      the broker granted QoS 1 only\n") != std::string::npos);
    const auto coloured = mqtk::format_check_table(r, true);
    CHECK(coloured.find("\033[32mok\033[0m") != std::string::npos);
    CHECK(coloured.find("\033[31mFAILED\033[0m") != std::string::npos);
    CHECK(coloured.find("\033[31mno") == std::string::npos);  // not required: no red
}

TEST_CASE("check: CONNACK properties in words") {
    CHECK(mqtk::describe_properties(
              {{mqtk::PropertyId::ReceiveMaximum, 20, "", ""},
               {mqtk::PropertyId::RetainAvailable, 0, "", ""},
               {mqtk::PropertyId::AssignedClientIdentifier, 0, "auto-1", ""}}) ==
          "receive-maximum 20, retain-available 0, assigned-client-identifier auto-1");
}

TEST_CASE("check: the limit search tries the top first, then bisects within its tries") {
    int calls = 0;
    const auto up_to = [&calls](std::size_t limit) {
        return [&calls, limit](std::size_t n) {
            ++calls;
            return n <= limit;
        };
    };
    auto all = mqtk::search_limit(10, 65535, up_to(65535), 12);
    CHECK(all.largest == 65535);
    CHECK(all.exact);
    CHECK(all.tries == 1);
    auto exact = mqtk::search_limit(10, 100, up_to(37), 20);
    CHECK(exact.found);
    CHECK(exact.exact);
    CHECK(exact.largest == 37);
    calls = 0;
    auto bounded = mqtk::search_limit(10, 65535, up_to(1000), 5);
    CHECK(calls == 5);
    CHECK(bounded.found);
    CHECK_FALSE(bounded.exact);
    CHECK(bounded.largest <= 1000);
    auto none = mqtk::search_limit(10, 100, up_to(5), 12);
    CHECK_FALSE(none.found);
}
