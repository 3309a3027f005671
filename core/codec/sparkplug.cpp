// `sparkplug`: the Sparkplug B payload (sparkplug_b.proto, compiled in by protoc at build
// time) through protobuf's JSON mapping (protobuf_json.h), with one addition: the numbers
// the schema uses for data types (Metric.datatype, PropertyValue.type,
// Template.Parameter.type, DataSet.types) read as the specification's names ("Float" for
// 9, section 6.4.16). Decoding writes a known number as its name and leaves any other
// number as it is; encoding accepts a name or a number. So decoding, encoding and
// decoding again gives the same JSON, and no number is lost.
#include <google/protobuf/descriptor.h>

#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>

#include "core/codec/protobuf.h"
#include "core/codec/protobuf_json.h"
#include "core/codec/sparkplug_b.pb.h"

namespace mqtk {

namespace {

namespace pb = google::protobuf;
namespace tahu = org::eclipse::tahu::protobuf;

// The fields that hold a DataType number.
bool holds_data_type(const pb::FieldDescriptor& field) {
    static const std::array<const pb::FieldDescriptor*, 4> fields = {
        tahu::Payload::Metric::descriptor()->FindFieldByName("datatype"),
        tahu::Payload::PropertyValue::descriptor()->FindFieldByName("type"),
        tahu::Payload::Template::Parameter::descriptor()->FindFieldByName("type"),
        tahu::Payload::DataSet::descriptor()->FindFieldByName("types"),
    };
    for (const auto* known : fields) {
        if (known == &field) return true;
    }
    return false;
}

// A field of `type` by its name in JSON: the .proto's name, or the lowerCamel one that
// protobuf's JSON reader also accepts.
const pb::FieldDescriptor* field_named(const pb::Descriptor& type, const std::string& key) {
    const auto* field = type.FindFieldByName(key);
    return field != nullptr ? field : type.FindFieldByCamelcaseName(key);
}

void name_data_type(nlohmann::json& value) {
    if (!value.is_number_unsigned()) return;
    const auto number = value.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(INT_MAX)) return;
    const auto* known = tahu::DataType_descriptor()->FindValueByNumber(static_cast<int>(number));
    if (known != nullptr) value = known->name();
}

void number_data_type(nlohmann::json& value) {
    if (!value.is_string()) return;  // a number, or a wrong type protobuf will name
    if (const auto* known =
            tahu::DataType_descriptor()->FindValueByName(value.get<std::string>())) {
        value = known->number();
    }
}

// Applies `convert` to every data-type value in `value`, a message of `type` in JSON,
// walking its message fields by the schema. What does not fit the schema is left for
// protobuf's reader to report.
template <typename Convert>
void convert_data_types(nlohmann::json& value, const pb::Descriptor& type, Convert convert) {
    if (!value.is_object()) return;
    for (auto it = value.begin(); it != value.end(); ++it) {
        const auto* field = field_named(type, it.key());
        auto& member = it.value();
        if (field == nullptr) continue;
        auto each = [&](nlohmann::json& element) {
            if (holds_data_type(*field)) {
                convert(element);
            } else if (field->message_type() != nullptr) {
                convert_data_types(element, *field->message_type(), convert);
            }
        };
        if (field->is_repeated() && member.is_array()) {
            for (auto& element : member)
                each(element);
        } else if (!field->is_repeated()) {
            each(member);
        }
    }
}

class SparkplugCodec : public Codec {
  public:
    const std::string& name() const override { return name_; }

    nlohmann::json decode(std::string_view payload) const override {
        auto json = protobuf_json::decode(tahu::Payload::default_instance(), payload);
        convert_data_types(json, *tahu::Payload::descriptor(), name_data_type);
        return json;
    }

    std::string encode(const nlohmann::json& value) const override {
        auto json = value;
        convert_data_types(json, *tahu::Payload::descriptor(), number_data_type);
        return protobuf_json::encode(tahu::Payload::default_instance(), json);
    }

  private:
    std::string name_ = "sparkplug";
};

}  // namespace

std::unique_ptr<Codec> make_sparkplug_codec() {
    return std::make_unique<SparkplugCodec>();
}

}  // namespace mqtk
