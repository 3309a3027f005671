// --decode and --encode against a private mosquitto: payloads made by other libraries
// (python's cbor2 and msgpack, run at test time) read by `sub --decode`, mqtk's encodings
// read back by those libraries, `pub --encode X` then `sub --decode X` giving back the same
// JSON for every codec, the once-per-topic warning, --json's "decoded", -F's %v, and pub's
// usage errors that send nothing.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
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
using mqtk::test::check_error;
using mqtk::test::concat;
using mqtk::test::inject;
using mqtk::test::mqtk_binary;
using mqtk::test::Observer;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::run;
using mqtk::test::run_mqtk;
using mqtk::test::str;
using mqtk::test::TempDir;
using mqtk::test::wait_for_subscriptions;
using nlohmann::json;

// Debian's python3, which has python3-cbor2 and python3-msgpack (not a pyenv shim's).
constexpr const char* kPython = "/usr/bin/python3";

// The bytes printed by a python expression `expression` (of bytes), or a skipped test.
std::string python_bytes(const std::string& imports, const std::string& expression) {
    const auto r =
        run({kPython, "-c", imports + "\nimport sys\nsys.stdout.buffer.write(" + expression + ")"});
    if (r.exit_code != 0) mqtk::test::skip_test("python3 with cbor2 and msgpack: " + r.err);
    return r.out;
}

// `sub -v --decode CODEC -C count ARGS` on "c/#", subscribed when returned.
Process start_decoding_sub(const Broker& broker, const std::string& id,
                           std::vector<std::string> args) {
    Process process(concat({mqtk_binary(), "sub", "-h", broker.host(), "-p", str(broker.port()),
                            "-i", id, "-t", "c/#"},
                           args));
    const bool subscribed = wait_for_subscriptions(broker, id, {"c/#"}, 30s, &process);
    INFO(process.stderr_so_far());
    REQUIRE(subscribed);
    return process;
}

ProcessResult pub(const Broker& broker, std::vector<std::string> args, std::string input = {}) {
    return run_mqtk(concat({"pub", "-h", broker.host(), "-p", str(broker.port())}, args),
                    {.stdin_data = std::move(input)});
}

// Publishes `bytes` on topic with the real mosquitto_pub, from a file (binary-safe).
void inject_bytes(const Broker& broker, const TempDir& dir, const std::string& topic,
                  const std::string& bytes) {
    inject(broker, {"-t", topic, "-f", dir.write("payload", bytes)});
}

}  // namespace

TEST_CASE("codec: sub --decode reads what python's cbor2 and msgpack wrote, bytes included") {
    const std::string value =
        R"({"t": 21.5, "raw": b"\x00\xff", "n": [1, -2, 3000000000], "s": "\u00e9"})";
    const auto cbor = python_bytes("import cbor2", "cbor2.dumps(" + value + ")");
    const auto cbor_tagged =
        python_bytes("import cbor2", "cbor2.dumps(cbor2.CBORTag(37, b'\\x01'))");
    const auto msgpack = python_bytes("import msgpack", "msgpack.packb(" + value + ")");
    const auto msgpack_ext =
        python_bytes("import msgpack", "msgpack.packb(msgpack.ExtType(5, b'\\x01'))");
    const json expected =
        json::parse(R"({"t":21.5,"raw":{"$bytes":"AP8="},"n":[1,-2,3000000000],"s":"é"})");
    Broker broker;
    TempDir dir;
    for (const auto& [codec, plain, typed] :
         {std::tuple{"cbor", cbor, cbor_tagged}, std::tuple{"msgpack", msgpack, msgpack_ext}}) {
        INFO(codec);
        auto sub = start_decoding_sub(broker, std::string("decode-") + codec,
                                      {"--decode", codec, "-C", "2"});
        inject_bytes(broker, dir, "c/plain", plain);
        inject_bytes(broker, dir, "c/typed", typed);
        const auto r = sub.wait(20s);
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.empty());
        const auto lines = mqtk::test::split_lines(r.out);
        REQUIRE(lines.size() == 2);
        CHECK(json::parse(lines[0]) == expected);
        CHECK(json::parse(lines[1]) == json::parse(std::string(codec) == "cbor"
                                                       ? R"({"$bytes":"AQ==","$subtype":37})"
                                                       : R"({"$bytes":"AQ==","$subtype":5})"));
    }
}

TEST_CASE("codec: pub --encode writes what python's cbor2 and msgpack read") {
    Broker broker;
    const std::string value = R"({"a":[1,2.5,null,true],"raw":{"$bytes":"AP8="},"s":"é"})";
    for (const auto* codec : {"cbor", "msgpack"}) {
        INFO(codec);
        Observer seen(broker, {"c/#"}, {"-N", "-C", "1"});
        const auto r = pub(broker, {"-t", "c/x", "--encode", codec, "-m", value});
        INFO(r.describe());
        REQUIRE(r.exit_code == 0);
        const std::string reader =
            std::string(codec) == "cbor"
                ? "import cbor2,sys; v=cbor2.loads(sys.stdin.buffer.read())"
                : "import msgpack,sys; v=msgpack.unpackb(sys.stdin.buffer.read())";
        const auto python = run({kPython, "-c",
                                 reader + "; v['raw']=v['raw'].hex(); import json; "
                                          "print(json.dumps(v, sort_keys=True))"},
                                {.stdin_data = seen.raw(1)});
        INFO(python.describe());
        CHECK(json::parse(python.out) ==
              json::parse(R"({"a":[1,2.5,null,true],"raw":"00ff","s":"é"})"));
    }
}

TEST_CASE("codec: pub --encode X then sub --decode X gives back the same JSON, for every codec") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"json", R"({"a":[1,2.5,"é",null,true],"b":{"$bytes":"AP8Q"}})"},
        {"cbor",
         R"({"a":[1,2.5,"é",null,true],"b":{"$bytes":"AP8Q"},"c":{"$bytes":"AQ==","$subtype":37}})"},
        {"msgpack",
         R"({"a":[1,2.5,"é",null,true],"b":{"$bytes":"AP8Q"},"c":{"$bytes":"AQ==","$subtype":-1}})"},
        {"hex", R"("héllo\n")"},
        {"hex", R"({"$bytes":"AP8Q"})"},
        {"base64", R"("héllo\n")"},
        {"base64", R"({"$bytes":"AP8Q"})"},
    };
    Broker broker;
    int run = 0;
    for (const auto& [codec, value] : cases) {
        INFO(codec, " ", value);
        // A fresh client id each time: the broker log still holds the last one's subscription.
        auto sub =
            start_decoding_sub(broker, "round-" + str(++run), {"-v", "--decode", codec, "-C", "1"});
        const auto sent = pub(broker, {"-t", "c/" + codec, "--encode", codec, "-m", value});
        INFO(sent.describe());
        REQUIRE(sent.exit_code == 0);
        const auto r = sub.wait(20s);
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
        CHECK(r.out == "c/" + codec + " " + json::parse(value).dump() + "\n");
    }
}

TEST_CASE("codec: a payload that does not decode is printed raw, with one warning per topic") {
    Broker broker;
    auto sub = start_decoding_sub(broker, "warn", {"-v", "--decode", "cbor", "-C", "5"});
    inject(broker, {"-t", "c/a", "-m", "not cbor"});
    inject(broker, {"-t", "c/a", "-m", "still not"});
    inject(broker, {"-t", "c/b", "-m", "nor this"});
    const auto good = pub(broker, {"-t", "c/a", "--encode", "cbor", "-m", "[1]"});
    REQUIRE(good.exit_code == 0);
    inject(broker, {"-t", "c/b", "-m", "again"});
    const auto r = sub.wait(20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "c/a not cbor\nc/a still not\nc/b nor this\nc/a [1]\nc/b again\n");
    const auto warnings = mqtk::test::split_lines(r.err);
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0].rfind("mqtk: warning: a payload on topic c/a is not cbor (", 0) == 0);
    CHECK(warnings[1].rfind("mqtk: warning: a payload on topic c/b is not cbor (", 0) == 0);
}

TEST_CASE("codec: --json keeps payload and encoding and adds decoded, and pub --jsonl replays it") {
    Broker broker;
    auto sub = start_decoding_sub(broker, "json", {"--json", "--decode", "cbor", "-C", "2"});
    REQUIRE(pub(broker, {"-t", "c/x", "--encode", "cbor", "-m", R"({"k":true})"}).exit_code == 0);
    inject(broker, {"-t", "c/y", "-m", "plain"});
    const auto r = sub.wait(20s);
    INFO(r.describe());
    REQUIRE(r.exit_code == 0);
    const auto lines = mqtk::test::split_lines(r.out);
    REQUIRE(lines.size() == 2);
    const auto first = json::parse(lines[0]);
    CHECK(first["payload"] == "oWFr9Q==");  // a1 61 6b f5, base64 as without --decode
    CHECK(first["encoding"] == "base64");
    CHECK(first["decoded"] == json::parse(R"({"k":true})"));
    const auto second = json::parse(lines[1]);
    CHECK(second["payload"] == "plain");
    CHECK_FALSE(second.contains("decoded"));

    Observer seen(broker, {"c/#"}, {"-F", "%t %x", "-C", "1"});
    const auto replay = pub(broker, {"--jsonl"}, lines[0] + "\n");
    INFO(replay.describe());
    CHECK(replay.exit_code == 0);
    CHECK(seen.lines(1) == std::vector<std::string>{"c/x a1616bf5"});
}

TEST_CASE("codec: -F %v is the decoded value, or the payload as received") {
    Broker broker;
    auto sub =
        start_decoding_sub(broker, "format", {"--decode", "msgpack", "-F", "%t|%v|%l", "-C", "2"});
    REQUIRE(pub(broker, {"-t", "c/x", "--encode", "msgpack", "-m", "[1,\"a\"]"}).exit_code == 0);
    inject(broker, {"-t", "c/y", "-m", "text"});
    const auto r = sub.wait(20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "c/x|[1,\"a\"]|4\nc/y|text|4\n");
}

TEST_CASE("codec: pub --encode refuses bad JSON or a value that does not fit, and sends nothing") {
    Broker broker;
    Observer seen(broker, {"c/#"}, {"-v"});
    const std::vector<std::vector<std::string>> refused = {
        {"--encode", "cbor", "-m", "{\"a\":"},
        {"--encode", "msgpack", "-m", R"({"a":{"$bytes":"not base64"}})"},
        {"--encode", "hex", "-m", "5"},
        {"--encode", "base64", "-m", "[]"},
        {"--encode", "yaml", "-m", "1"},
        {"--encode", "cbor", "-n"},
    };
    for (const auto& args : refused) {
        INFO(mqtk::test::joined(args));
        const auto r = pub(broker, concat({"-t", "c/bad"}, args));
        check_error(r, 2);
    }
    // -l, as --jsonl: the lines before a bad one are published, nothing from it on.
    const auto lines =
        pub(broker, {"-t", "c/lines", "--encode", "hex", "-l"}, "\"a\"\n\n5\n\"c\"\n");
    check_error(lines, 2);
    CHECK(lines.err.find("-l line 3") != std::string::npos);
    inject(broker, {"-t", "c/end", "-m", "end"});
    CHECK(seen.lines(2) == std::vector<std::string>{"c/lines 61", "c/end end"});
}

TEST_CASE("codec: req --decode prints the decoded reply") {
    Broker broker;
    const auto port = str(broker.port());
    // Under MQTT 3.1.1 (no correlation data to copy) any publish on -e is the reply.
    Process responder({mqtk_binary(), "sub", "-h", broker.host(), "-p", port, "-i", "responder",
                       "-t", "c/request", "-C", "1"});
    REQUIRE(wait_for_subscriptions(broker, "responder", {"c/request"}, 30s, &responder));
    Process req({mqtk_binary(), "req", "-h", broker.host(), "-p", port, "-t", "c/request", "-e",
                 "c/reply", "-V", "311", "-m", "hi", "--decode", "cbor", "-W", "10"});
    REQUIRE(responder.wait(20s).exit_code == 0);
    REQUIRE(pub(broker, {"-t", "c/reply", "--encode", "cbor", "-m", "{\"ok\":1}"}).exit_code == 0);
    const auto r = req.wait(20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "{\"ok\":1}\n");
}

// protobuf: and sparkplug come from the module mqtk_protobuf.so, loaded on first use
// (core/codec/protobuf_loader.cpp), so that mqtk itself does not link libprotobuf.
TEST_CASE("codec: mqtk does not link libprotobuf, and its protobuf module is beside it") {
    const auto needed = run({"readelf", "-d", mqtk_binary()});
    REQUIRE(needed.exit_code == 0);
    CHECK(needed.out.find("(NEEDED)") != std::string::npos);
    CHECK(needed.out.find("libprotobuf") == std::string::npos);
    const auto module = std::filesystem::path(mqtk_binary()).parent_path() / "mqtk_protobuf.so";
    REQUIRE(std::filesystem::exists(module));
    // The module needs nothing of the binary: every mqtk symbol it uses, it defines.
    const auto undefined = run({"nm", "-uC", module.string()});
    REQUIRE(undefined.exit_code == 0);
    CHECK(undefined.out.find("mqtk::") == std::string::npos);
}

TEST_CASE("codec: without the protobuf module, sparkplug is a usage error naming the file") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("bin"));
    const auto binary = dir.file("bin/mqtk");
    std::filesystem::copy_file(mqtk_binary(), binary);
    const auto r = run({binary, "pub", "-t", "c/x", "--encode", "sparkplug", "-m", "{}"});
    check_error(r, 2);
    CHECK(r.err == "mqtk: the protobuf codecs are not installed: no " + dir.file("bin") +
                       "/mqtk_protobuf.so or " + dir.file("lib") + "/mqtk/mqtk_protobuf.so\n");
}

TEST_CASE("codec: pub --encode then sub --decode, sparkplug and protobuf with an import") {
    TempDir dir;
    std::filesystem::create_directories(dir.file("imports/common"));
    std::filesystem::create_directories(dir.file("app"));
    dir.write("imports/common/unit.proto",
              "syntax = \"proto3\";\npackage common;\nenum Unit { C = 0; F = 1; }\n");
    const auto schema =
        dir.write("app/sensor.proto",
                  "syntax = \"proto3\";\npackage app;\nimport \"common/unit.proto\";\n"
                  "message Sensor { string id = 1; double t = 2; "
                  "common.Unit unit = 3; int64 n = 4; }\n");
    const std::vector<std::vector<std::string>> cases = {
        {"sparkplug",
         R"({"metrics":[{"datatype":"Float","float_value":12.5,"name":"Supply Voltage","timestamp":"1486144502122"}],"seq":"2","timestamp":"1486144502122"})"},
        {"protobuf:" + schema + ":app.Sensor",
         R"({"id":"s1","n":"9007199254740993","t":21.5,"unit":"F"})", "--proto-path",
         dir.file("imports")},
    };
    Broker broker;
    int run = 0;
    for (const auto& c : cases) {
        INFO(mqtk::test::joined(c));
        const std::vector<std::string> extra(c.begin() + 2, c.end());
        auto sub = start_decoding_sub(broker, "pb-" + str(++run),
                                      concat({"--decode", c[0], "-C", "1"}, extra));
        const auto sent = pub(broker, concat({"-t", "c/pb", "--encode", c[0], "-m", c[1]}, extra));
        INFO(sent.describe());
        REQUIRE(sent.exit_code == 0);
        const auto r = sub.wait(20s);
        INFO(r.describe());
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
        CHECK(r.out == c[1] + "\n");
    }
}

TEST_CASE("codec: sparkplug, a payload that does not decode is printed raw with one warning") {
    Broker broker;
    auto sub = start_decoding_sub(broker, "pb-warn", {"-v", "--decode", "sparkplug", "-C", "2"});
    inject(broker, {"-t", "c/a", "-m", "\xff\xff\xff"});
    inject(broker, {"-t", "c/a", "-m", "\xff\xff\xff"});
    const auto r = sub.wait(20s);
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "c/a \xff\xff\xff\nc/a \xff\xff\xff\n");
    const auto warnings = mqtk::test::split_lines(r.err);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].rfind("mqtk: warning: a payload on topic c/a is not sparkplug (", 0) == 0);
}

TEST_CASE("codec: a bad .proto, a bad protobuf: name or a value that does not fit sends nothing") {
    TempDir dir;
    const auto bad = dir.write("bad.proto", "syntax = \"proto3\";\nmessage M { int32 a = ; }\n");
    const auto good = dir.write("good.proto", "syntax = \"proto3\";\nmessage M { int32 a = 1; }\n");
    Broker broker;
    Observer seen(broker, {"c/#"}, {"-v"});
    const std::vector<std::vector<std::string>> refused = {
        {"--encode", "protobuf:" + bad + ":M", "-m", "{}"},
        {"--encode", "protobuf:" + good + ":Nope", "-m", "{}"},
        {"--encode", "protobuf:" + good, "-m", "{}"},
        {"--encode", "protobuf:" + good + ":M", "-m", R"({"b":1})"},
        {"--encode", "sparkplug", "-m", R"({"metrics":[{"datatype":"Floaty"}]})"},
        {"--encode", "sparkplug:x", "-m", "{}"},
    };
    for (const auto& args : refused) {
        INFO(mqtk::test::joined(args));
        check_error(pub(broker, concat({"-t", "c/bad"}, args)), 2);
    }
    const auto place =
        pub(broker, {"-t", "c/bad", "--encode", "protobuf:" + bad + ":M", "-m", "{}"});
    CHECK(place.err.find("bad.proto:2:") != std::string::npos);
    inject(broker, {"-t", "c/end", "-m", "end"});
    CHECK(seen.lines(1) == std::vector<std::string>{"c/end end"});
}
