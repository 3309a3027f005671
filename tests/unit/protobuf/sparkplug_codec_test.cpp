// The `sparkplug` codec (core/codec/protobuf.h): the NDATA example of the Sparkplug 3.0
// specification (section 6.4.21) as bytes assembled by hand from the wire format, and an
// NBIRTH using every part of the schema as Python's protobuf builds it from
// core/codec/sparkplug_b.proto.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/codec/protobuf.h"
#include "core/error.h"
#include "python_oracle.h"

namespace mqtk {
namespace {

// Payload{timestamp=1486144502122, metrics=[Metric{name="Supply Voltage",
// timestamp=1486144502122, datatype=9 (Float), float_value=12.3f}], seq=2}, field by field:
// 08 <varint>, 12 <length 30> <metric>, 18 02; the metric: 0a 0e "Supply Voltage",
// 18 <varint>, 20 09, 65 <float, little-endian>.
const std::string kNdataBytes = test::from_hex(
    "08eaf2f5a8a02b121e0a0e537570706c7920566f6c7461676518eaf2f5a8a02b200965cdcc44411802");

const nlohmann::json kNdataJson = nlohmann::json::parse(R"({
    "timestamp": "1486144502122",
    "metrics": [{"name": "Supply Voltage", "timestamp": "1486144502122", "datatype": "Float",
                 "float_value": 12.3}],
    "seq": "2"})");

TEST_CASE(
    "sparkplug codec: the specification's NDATA example decodes, and encodes to the same bytes") {
    const auto codec = make_sparkplug_codec();
    CHECK(codec->name() == "sparkplug");
    CHECK(codec->decode(kNdataBytes) == kNdataJson);
    CHECK(codec->encode(kNdataJson) == kNdataBytes);
    // As a person would type it: numbers for the 64-bit fields, the data type's number.
    const auto typed = nlohmann::json::parse(R"({"timestamp": 1486144502122, "seq": 2,
        "metrics": [{"name": "Supply Voltage", "timestamp": 1486144502122, "datatype": 9,
                     "float_value": 12.3}]})");
    CHECK(codec->encode(typed) == kNdataBytes);
}

// An NBIRTH with every part of the schema; prints its bytes in hex and its JSON as
// Python's json_format writes it, with the data type numbers the schema knows as names.
constexpr const char* kBuildBirth = R"(
import json
from google.protobuf import json_format
import sparkplug_b_pb2 as sp
p = sp.Payload(timestamp=1486144502122, seq=0, uuid="u-1", body=b"\x00\x01")
p.metrics.add(name="bdSeq", alias=1, timestamp=1486144502122, datatype=sp.Int64,
              long_value=18446744073709551615)
p.metrics.add(name="Node Control/Rebirth", datatype=sp.Boolean, boolean_value=False)
m = p.metrics.add(name="Temp", datatype=sp.Double, double_value=-273.15,
                  is_historical=True, is_transient=True)
m.properties.keys.extend(["engUnit", "Quality", "nested", "list"])
m.properties.values.add(type=sp.String, string_value="C")
m.properties.values.add(type=sp.Int32, int_value=192)
v = m.properties.values.add(type=sp.PropertySet)
v.propertyset_value.keys.append("k")
v.propertyset_value.values.add(type=sp.Float, float_value=0.5)
v = m.properties.values.add(type=sp.PropertySetList)
s = v.propertysets_value.propertyset.add()
s.keys.append("q")
s.values.add(type=sp.Boolean, is_null=True)
p.metrics.add(name="Null", datatype=sp.Int32, is_null=True)
m = p.metrics.add(name="File", datatype=sp.File, bytes_value=b"\x00\xffdata")
m.metadata.is_multi_part = False
m.metadata.file_name = "a.bin"
m.metadata.size = 6
m.metadata.md5 = "x"
m = p.metrics.add(name="Table", datatype=sp.DataSet)
d = m.dataset_value
d.num_of_columns = 2
d.columns.extend(["a", "b"])
d.types.extend([sp.Int32, sp.String])
r = d.rows.add()
r.elements.add(int_value=4294967295)
r.elements.add(string_value="x")
m = p.metrics.add(name="Motor", datatype=sp.Template)
t = m.template_value
t.version = "1"
t.template_ref = "MotorType"
t.is_definition = False
t.parameters.add(name="max", type=sp.UInt64, long_value=10)
t.metrics.add(name="rpm", datatype=sp.UInt16, int_value=1500)
p.metrics.add(name="Future", datatype=99, int_value=1)
print(p.SerializeToString(deterministic=True).hex())

j = json_format.MessageToDict(p, preserving_proto_field_name=True)
def name(n):
    return sp.DataType.Name(n) if n in sp.DataType.values() else n
def prop(v):
    if "type" in v: v["type"] = name(v["type"])
    for inner in v.get("propertyset_value", {}).get("values", []): prop(inner)
    for ps in v.get("propertysets_value", {}).get("propertyset", []):
        for inner in ps.get("values", []): prop(inner)
def metrics(msg):
    for m in msg.get("metrics", []):
        if "datatype" in m: m["datatype"] = name(m["datatype"])
        for v in m.get("properties", {}).get("values", []): prop(v)
        if "dataset_value" in m:
            m["dataset_value"]["types"] = [name(n) for n in m["dataset_value"]["types"]]
        if "template_value" in m:
            metrics(m["template_value"])
            for par in m["template_value"].get("parameters", []): par["type"] = name(par["type"])
metrics(j)
print(json.dumps(j))
)";

TEST_CASE(
    "sparkplug codec: Python's NBIRTH decodes to Python's JSON, and encodes back to its bytes") {
    test::ScratchDir dir;
    test::protoc_python({MQTK_SOURCE_DIR "/core/codec"}, "sparkplug_b.proto", dir.path());
    std::istringstream lines(test::run_python(dir.path(), kBuildBirth));
    std::string hex, text;
    std::getline(lines, hex);
    std::getline(lines, text);
    const auto bytes = test::from_hex(hex);
    const auto json = nlohmann::json::parse(text);

    const auto codec = make_sparkplug_codec();
    const auto decoded = codec->decode(bytes);
    CHECK(decoded == json);
    CHECK(decoded["metrics"][0]["long_value"] == "18446744073709551615");
    CHECK(decoded["metrics"][5]["dataset_value"]["types"] == nlohmann::json{"Int32", "String"});
    CHECK(decoded["metrics"][6]["template_value"]["parameters"][0]["type"] == "UInt64");
    CHECK(decoded["metrics"][7]["datatype"] == 99);  // no name: the number stays
    CHECK(codec->encode(decoded) == bytes);
    CHECK(codec->decode(codec->encode(json)) == json);
}

TEST_CASE(
    "sparkplug codec: a data type that is neither a name nor a number is a usage error naming the "
    "field") {
    const auto codec = make_sparkplug_codec();
    for (const char* json :
         {R"({"metrics": [{"datatype": "Floaty"}]})", R"({"metrics": [{"datatype": "float"}]})",
          R"({"metrics": [{"datatype": -1}]})"}) {
        CAPTURE(json);
        try {
            codec->encode(nlohmann::json::parse(json));
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.code() == ExitCode::Usage);
            CHECK(std::string(e.what()).find("metrics[0].datatype") != std::string::npos);
        }
    }
}

TEST_CASE("sparkplug codec: bytes that are not a Payload are a DecodeError") {
    const auto codec = make_sparkplug_codec();
    CHECK_THROWS_AS(codec->decode(kNdataBytes.substr(0, kNdataBytes.size() - 3)), DecodeError);
    CHECK_THROWS_AS(codec->decode(std::string("\x12\x7f", 2)), DecodeError);
    CHECK_THROWS_AS(codec->decode(std::string(1, '\xff')), DecodeError);
}

TEST_CASE(
    "sparkplug codec: a string that is not UTF-8 is a DecodeError naming the field, not an empty "
    "string") {
    const auto codec = make_sparkplug_codec();
    // uuid = ff fe; then a metric whose name is ff fe.
    for (const auto& [payload, field] :
         {std::pair{std::string("\x22\x02\xff\xfe", 4), "Payload.uuid"},
          std::pair{std::string("\x12\x06\x0a\x02\xff\xfe\x18\x01", 8), "Metric.name"}}) {
        try {
            codec->decode(payload);
            FAIL("decoded");
        } catch (const DecodeError& e) {
            CHECK(std::string(e.what()).find(field) != std::string::npos);
        }
    }
}

}  // namespace
}  // namespace mqtk
