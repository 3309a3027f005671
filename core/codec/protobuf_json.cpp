// The JSON mapping of both protobuf codecs (protobuf_json.h): protobuf's util:: mapping
// with one set of options, and its statuses turned into mqtk's errors.
#include "core/codec/protobuf_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>

#include <climits>
#include <memory>
#include <vector>

#include "core/codec/codec.h"
#include "core/error.h"

namespace mqtk::protobuf_json {

namespace {

namespace pb = google::protobuf;

pb::util::JsonPrintOptions print_options() {
    pb::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    return options;  // compact, only present fields, enums by name
}

pb::util::JsonParseOptions parse_options() {
    pb::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;  // a misspelt field is an error, not a silent drop
    options.case_insensitive_enum_parsing = false;
    return options;
}

const std::string& type_name(const pb::Message& prototype) {
    return prototype.GetDescriptor()->full_name();
}

// protobuf's status messages quote what they refuse (a type URL from the payload, say),
// bytes and all: made one printable line, as mqtk's errors are.
// A message about the root has an empty place: ": missing field id".
std::string one_line(std::string_view text) {
    if (text.substr(0, 2) == ": ") text.remove_prefix(2);
    std::string line(text);
    for (char& c : line) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    return line;
}

// protobuf writes a float or double -0.0 as `-0`, which nlohmann reads as the integer 0:
// the sign would be lost (and a proto3 field dropped on re-encoding, 0 being its default).
// Written `-0.0` it is read as the double it is.
std::string keep_negative_zero(std::string text) {
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;  // skip the escaped character
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '-' && text.compare(i, 2, "-0") == 0 &&
                   (i + 2 == text.size() || text[i + 2] == ',' || text[i + 2] == '}' ||
                    text[i + 2] == ']')) {
            text.insert(i + 2, ".0");
        }
    }
    return text;
}

// The first string field of `message` (nested ones included) that is not UTF-8. proto2
// strings may hold any bytes; protobuf's JSON writer prints such a string as "", so
// decoding refuses it instead of showing a value the payload does not have.
const pb::FieldDescriptor* non_utf8_string(const pb::Message& message) {
    const auto* reflection = message.GetReflection();
    std::vector<const pb::FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const auto* field : fields) {
        const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
        for (int i = 0; i < count; ++i) {
            if (field->type() == pb::FieldDescriptor::TYPE_STRING) {
                std::string scratch;
                const std::string& text =
                    field->is_repeated()
                        ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                        : reflection->GetStringReference(message, field, &scratch);
                if (!pb::internal::IsStructurallyValidUTF8(text.data(),
                                                           static_cast<int>(text.size()))) {
                    return field;
                }
            } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
                const auto& inner = field->is_repeated()
                                        ? reflection->GetRepeatedMessage(message, field, i)
                                        : reflection->GetMessage(message, field);
                if (const auto* found = non_utf8_string(inner)) return found;
            }
        }
    }
    return nullptr;
}

}  // namespace

nlohmann::json decode(const pb::Message& prototype, std::string_view payload) {
    if (payload.size() > static_cast<size_t>(INT_MAX)) {
        throw DecodeError(
            fmt::format("{} bytes are too many for a protobuf message", payload.size()));
    }
    // protobuf logs some refusals to stderr besides returning them ("JsonObjectWriter was
    // not fully closed"); the DecodeError says it once, the caller decides where.
    pb::LogSilencer quiet;
    std::unique_ptr<pb::Message> message(prototype.New());
    if (!message->ParsePartialFromArray(payload.data(), static_cast<int>(payload.size()))) {
        throw DecodeError(fmt::format("not a valid {} message", type_name(prototype)));
    }
    // Parsed partially so as to say which: protobuf's JSON writer refuses (throws) a proto2
    // message without its required fields.
    if (!message->IsInitialized()) {
        throw DecodeError(fmt::format("not a valid {} message: missing required field {}",
                                      type_name(prototype),
                                      one_line(message->InitializationErrorString())));
    }
    if (const auto* field = non_utf8_string(*message)) {
        throw DecodeError(fmt::format("not a valid {} message: {} is not UTF-8 text",
                                      type_name(prototype), field->full_name()));
    }
    std::string text;
    const auto status = pb::util::MessageToJsonString(*message, &text, print_options());
    if (!status.ok()) {
        throw DecodeError(
            fmt::format("{}: {}", type_name(prototype), one_line(status.message().as_string())));
    }
    // (Not expected to fail: strings were checked above.)
    auto json = nlohmann::json::parse(keep_negative_zero(std::move(text)), nullptr, false);
    if (json.is_discarded()) {
        throw DecodeError(fmt::format("{}: a string field is not UTF-8", type_name(prototype)));
    }
    return json;
}

std::string encode(const pb::Message& prototype, const nlohmann::json& value) {
    if (!value.is_object()) {
        throw usage_error("cannot encode as {}: the JSON is not an object", type_name(prototype));
    }
    std::string text;
    try {
        text = value.dump();
    } catch (const nlohmann::json::exception&) {
        throw usage_error("cannot encode as {}: a string is not UTF-8", type_name(prototype));
    }
    pb::LogSilencer quiet;  // as in decode()
    std::unique_ptr<pb::Message> message(prototype.New());
    const auto status = pb::util::JsonStringToMessage(text, message.get(), parse_options());
    if (!status.ok()) {
        throw usage_error("cannot encode as {}: {}", type_name(prototype),
                          one_line(status.message().as_string()));
    }
    if (!message->IsInitialized()) {
        throw usage_error("cannot encode as {}: missing required field {}", type_name(prototype),
                          message->InitializationErrorString());
    }
    return message->SerializeAsString();
}

}  // namespace mqtk::protobuf_json
