// protobuf:FILE.proto:package.Message (core/codec/protobuf.h): a .proto given at run time,
// with an import found through --proto-path and one among the built-in well-known types,
// against messages that Python's protobuf builds and whose JSON it prints.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/codec/protobuf.h"
#include "core/error.h"
#include "python_oracle.h"

namespace mqtk {
namespace {

using test::run_python;
using test::ScratchDir;

constexpr const char* kUnits = R"(syntax = "proto3";
package common;
enum Unit { UNIT_UNSPECIFIED = 0; CELSIUS = 1; KELVIN = 2; }
message Reading { double value = 1; Unit unit = 2; }
)";

constexpr const char* kSensor = R"(syntax = "proto3";
package app;
import "common/units.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/any.proto";
message Sensor {
  string id = 1;
  bytes raw = 2;
  int64 counter = 3;
  uint64 big = 4;
  repeated common.Reading readings = 5;
  map<string, int32> labels = 6;
  google.protobuf.Timestamp at = 7;
  oneof extra { string note = 8; sint32 delta = 9; }
  Nested nested = 10;
  string display_name = 11;
  google.protobuf.Any any = 12;
  message Nested { repeated fixed64 ids = 1; bool on = 2; }
}
)";

// Builds an app.Sensor with every kind of field, prints its bytes in hex and its JSON as
// Python's json_format writes it with the .proto's field names.
constexpr const char* kBuildSensor = R"(
from google.protobuf import json_format
from app import sensor_pb2
from common import units_pb2
m = sensor_pb2.Sensor(id="s-1", raw=b"\x00\xff\x80bin", counter=-9007199254740993,
                      big=18446744073709551615, note="hi")
m.readings.add(value=21.5, unit=units_pb2.CELSIUS)
m.readings.add(value=-0.25, unit=units_pb2.KELVIN)
m.labels["room"] = -7
m.at.seconds = 1700000000
m.at.nanos = 500000000
m.nested.ids.extend([1, 18446744073709551615])
m.nested.on = True
m.display_name = "Hall 1"
print(m.SerializeToString(deterministic=True).hex())
print(json_format.MessageToJson(m, preserving_proto_field_name=True, indent=None))
)";

struct SensorSchema {
    ScratchDir dir;
    std::string file = dir.write("app/sensor.proto", kSensor);
    std::string protos = (dir.write("protos/common/units.proto", kUnits), dir.path() + "/protos");

    std::unique_ptr<Codec> codec() const {
        return make_protobuf_codec(file, "app.Sensor", CodecOptions{{protos}});
    }
};

// The Python message: its bytes and its JSON.
std::pair<std::string, nlohmann::json> python_sensor(const SensorSchema& schema) {
    const auto out = schema.dir.path() + "/py";
    test::protoc_python({schema.protos}, "common/units.proto", out);
    test::protoc_python({schema.dir.path(), schema.protos}, "app/sensor.proto", out);
    std::istringstream lines(run_python(out, kBuildSensor));
    std::string hex, json;
    std::getline(lines, hex);
    std::getline(lines, json);
    return {test::from_hex(hex), nlohmann::json::parse(json)};
}

// The one line of the usage error `make` throws.
template <typename Make>
std::string usage_error_of(Make make) {
    try {
        make();
    } catch (const Error& e) {
        CHECK(e.code() == ExitCode::Usage);
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
        return e.what();
    }
    FAIL("no error");
    return {};
}

TEST_CASE(
    "protobuf codec: Python's message decodes to Python's JSON, and encodes back to its bytes") {
    SensorSchema schema;
    const auto [bytes, json] = python_sensor(schema);
    const auto codec = schema.codec();
    CHECK(codec->name() == "protobuf:" + schema.file + ":app.Sensor");

    const auto decoded = codec->decode(bytes);
    CHECK(decoded == json);
    // The fields' mapping, spelt out: proto names, 64-bit as strings, bytes as base64.
    CHECK(decoded["counter"] == "-9007199254740993");
    CHECK(decoded["big"] == "18446744073709551615");
    CHECK(decoded["raw"] == "AP+AYmlu");
    CHECK(decoded["readings"][1] == nlohmann::json{{"value", -0.25}, {"unit", "KELVIN"}});
    CHECK(decoded["nested"]["ids"][1] == "18446744073709551615");
    CHECK(decoded["at"] == "2023-11-14T22:13:20.500Z");
    CHECK(decoded["display_name"] == "Hall 1");

    CHECK(codec->encode(decoded) == bytes);
    CHECK(codec->decode(codec->encode(json)) == json);
}

TEST_CASE("protobuf codec: round trips of bytes, nested, repeated, enums, maps, 64-bit ints") {
    SensorSchema schema;
    const auto codec = schema.codec();
    const auto json = nlohmann::json::parse(R"({
        "id": "\u00e9t\u00e9", "raw": "AAECA/8=", "counter": "-9223372036854775808",
        "big": "18446744073709551615", "delta": -5,
        "readings": [{"value": 1e300}, {"unit": "CELSIUS"}, {"value": "NaN"}],
        "labels": {"a": 1, "b": -2147483648},
        "nested": {"ids": ["0", "9007199254740993"], "on": true}})");
    CHECK(codec->decode(codec->encode(json)) == json);
    // Numbers for 64-bit fields and lowerCamel names are read too, and printed canonically.
    CHECK(codec->decode(codec->encode({{"counter", 42}})) == nlohmann::json{{"counter", "42"}});
    CHECK(codec->decode(codec->encode({{"displayName", "x"}})) ==
          nlohmann::json{{"display_name", "x"}});
    CHECK(codec->decode(codec->encode({{"nested", {{"ids", {7}}}}})) ==
          nlohmann::json{{"nested", {{"ids", {"7"}}}}});
    // -0.0 keeps its sign (protobuf writes "-0", which reads as the integer 0).
    const auto zero = codec->decode(codec->encode({{"readings", {{{"value", -0.0}}}}}));
    CHECK(std::signbit(zero["readings"][0]["value"].get<double>()));
    CHECK(codec->decode(codec->encode(zero)) == zero);
    // An empty message is empty bytes and {}.
    CHECK(codec->encode(nlohmann::json::object()).empty());
    CHECK(codec->decode("") == nlohmann::json::object());
}

TEST_CASE("protobuf codec: JSON that does not fit is a usage error naming the field") {
    SensorSchema schema;
    const auto codec = schema.codec();
    auto encoding = [&](const char* json) {
        return usage_error_of([&] { codec->encode(nlohmann::json::parse(json)); });
    };
    CHECK(encoding(R"({"nope": 1})").find("nope") != std::string::npos);
    CHECK(encoding(R"({"counter": "x"})").find("counter") != std::string::npos);
    CHECK(encoding(R"({"readings": [{"unit": "FAHRENHEIT"}]})").find("unit") != std::string::npos);
    CHECK(encoding(R"({"nested": {"on": 3}})").find("on") != std::string::npos);
    CHECK(encoding(R"({"raw": "not base64!"})").find("raw") != std::string::npos);
    CHECK(encoding(R"({"labels": {"a": 4294967296}})").find("labels") != std::string::npos);
    CHECK(encoding(R"([1, 2])") == "cannot encode as app.Sensor: the JSON is not an object");
}

TEST_CASE(
    "protobuf codec: a proto2 required field that is missing is named, on encoding and on "
    "decoding") {
    ScratchDir dir;
    const auto file =
        dir.write("r.proto", "syntax = \"proto2\";\nmessage R { required string id = 1; }\n");
    const auto codec = make_protobuf_codec(file, "R", {});
    CHECK(usage_error_of([&] { codec->encode(nlohmann::json::object()); }) ==
          "cannot encode as R: missing field id");
    // Nor does it decode (protobuf's JSON writer threw on it).
    try {
        codec->decode("");
        FAIL("decoded");
    } catch (const DecodeError& e) {
        CHECK(std::string(e.what()) == "not a valid R message: missing required field id");
    }
    CHECK(codec->decode("\x0a\x01x") == nlohmann::json{{"id", "x"}});
}

TEST_CASE("protobuf codec: a schema with a group is refused, since the JSON mapping drops groups") {
    ScratchDir dir;
    const auto file =
        dir.write("g.proto",
                  "syntax = \"proto2\";\nmessage Inner { repeated group Entry = 1 "
                  "{ optional int32 key = 2; } }\nmessage G { optional Inner inner = 1; }\n");
    CHECK(usage_error_of([&] { make_protobuf_codec(file, "G", {}); }) ==
          file + ": Inner.entry is a group, which protobuf's JSON mapping cannot carry");
}

TEST_CASE("protobuf codec: a payload that is not the message is a DecodeError") {
    SensorSchema schema;
    const auto codec = schema.codec();
    for (const std::string& payload :
         {std::string("\x0a\x05"
                      "ab",
                      4),                      // cut short
          std::string("\xff\xff\xff\xff", 4),  // bad tag
          std::string("\x52\x02\x08", 3),      // nested, cut
          std::string("\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12)}) {
        CHECK_THROWS_AS(codec->decode(payload), DecodeError);
    }
}

TEST_CASE("protobuf codec: a DecodeError is one printable line, whatever bytes the payload has") {
    SensorSchema schema;
    const auto codec = schema.codec();
    // An Any whose type URL (which protobuf's message quotes) has a control character and a NUL
    // before the type name, and a value.
    const std::string url = std::string(
        "a\x01"
        "b\0c/app.Sensor",
        17);
    const std::string any =
        "\x0a" + std::string(1, static_cast<char>(url.size())) + url + "\x12\x02\x18\x01";
    const std::string payload = "\x62" + std::string(1, static_cast<char>(any.size())) + any;
    try {
        codec->decode(payload);
        FAIL("decoded");
    } catch (const DecodeError& e) {
        const std::string message = e.what();
        CAPTURE(message);
        CHECK(std::none_of(message.begin(), message.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
    }
}

TEST_CASE(
    "protobuf codec: a file under a --proto-path is known by its path below it, as protoc does") {
    SensorSchema schema;
    // Given directly, units.proto is "common/units.proto", the name app/sensor.proto imports.
    const auto units = make_protobuf_codec(schema.protos + "/common/units.proto", "common.Reading",
                                           CodecOptions{{schema.protos}});
    const auto reading = nlohmann::json{{"value", 2.5}, {"unit", "KELVIN"}};
    CHECK(units->decode(units->encode(reading)) == reading);
    // The file's own directory is searched last, after the --proto-path directories.
    const auto sensor =
        make_protobuf_codec(schema.file, "common.Reading", CodecOptions{{schema.protos}});
    CHECK(sensor->decode(sensor->encode(reading)) == reading);
}

TEST_CASE("protobuf codec: a .proto that does not load is one usage line, FILE:LINE:COLUMN: what") {
    ScratchDir dir;
    const auto syntax = dir.write("bad.proto", "syntax = \"proto3\";\nmessage X { int32 a = ; }\n");
    const auto message = usage_error_of([&] { make_protobuf_codec(syntax, "X", {}); });
    CHECK(message.rfind(syntax + ":2:", 0) == 0);

    const auto import = dir.write("imp.proto", "syntax = \"proto3\";\nimport \"nope.proto\";\n");
    const auto missing = usage_error_of([&] { make_protobuf_codec(import, "X", {}); });
    CHECK(missing.rfind(import + ":2:", 0) == 0);  // the importing line
    CHECK(missing.find("nope.proto") != std::string::npos);

    const auto type = dir.write("type.proto", "syntax = \"proto3\";\nmessage X {\n  Y y = 1;\n}\n");
    const auto undefined = usage_error_of([&] { make_protobuf_codec(type, "X", {}); });
    CHECK(undefined.rfind(type + ":3:", 0) == 0);
    CHECK(undefined.find("\"Y\"") != std::string::npos);

    const auto absent = dir.path() + "/absent.proto";
    CHECK(usage_error_of([&] { make_protobuf_codec(absent, "X", {}); }).find(absent) == 0);
}

TEST_CASE(
    "protobuf codec: a message the file does not define is a usage error that lists those it "
    "does") {
    SensorSchema schema;
    const auto message = usage_error_of(
        [&] { make_protobuf_codec(schema.file, "app.Nope", CodecOptions{{schema.protos}}); });
    CHECK(message == schema.file + ": no message app.Nope (it defines: app.Sensor)");
    // Without --proto-path the import is not found.
    CHECK(usage_error_of([&] {
              make_protobuf_codec(schema.file, "app.Sensor", {});
          }).find("common/units.proto") != std::string::npos);
}

}  // namespace
}  // namespace mqtk
