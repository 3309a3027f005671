// The "$bytes" form of binary values and the depth-bounded parser (see binary_json.h).
//
// The parser drives nlohmann's own DOM builder through a SAX wrapper that counts nesting and
// writes binary values as "$bytes" objects as they are read, so no second walk of the tree
// is needed. CBOR and MessagePack go through detail::binary_reader directly because
// json::sax_parse() cannot be given a CBOR tag handler (nlohmann 3.11).
#include "core/codec/binary_json.h"

#include <limits>

#include "core/base64.h"
#include "core/codec/codec.h"
#include "core/error.h"
#include "core/utf8.h"

namespace mqtk::codec {
namespace {

using nlohmann::json;
using DomBuilder = nlohmann::detail::json_sax_dom_parser<json>;

constexpr std::string_view kBytesKey = "$bytes";
constexpr std::string_view kSubtypeKey = "$subtype";

// nlohmann's DOM builder, refusing to go deeper than kMaxDepth and writing binary values
// as "$bytes" objects. Its methods hide (not override) the builder's: sax_parse is a template.
class BoundedBuilder : public DomBuilder {
  public:
    BoundedBuilder(json& result, Format format) : DomBuilder(result), format_(format) {}

    bool start_object(std::size_t size) { return deeper() && DomBuilder::start_object(size); }
    bool end_object() {
        --depth_;
        return DomBuilder::end_object();
    }
    bool start_array(std::size_t size) { return deeper() && DomBuilder::start_array(size); }
    bool end_array() {
        --depth_;
        return DomBuilder::end_array();
    }
    bool binary(json::binary_t& bytes) {
        const bool subtyped = bytes.has_subtype();
        DomBuilder::start_object(subtyped ? 2 : 1);
        std::string key(kBytesKey);
        DomBuilder::key(key);
        std::string text = encode_base64(
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        DomBuilder::string(text);
        if (subtyped) {
            key = kSubtypeKey;
            DomBuilder::key(key);
            if (format_ == Format::MessagePack) {  // the ext type is a signed byte
                auto type = static_cast<json::number_integer_t>(
                    static_cast<std::int8_t>(static_cast<std::uint8_t>(bytes.subtype())));
                DomBuilder::number_integer(type);
            } else {
                auto tag = static_cast<json::number_unsigned_t>(bytes.subtype());
                DomBuilder::number_unsigned(tag);
            }
        }
        return DomBuilder::end_object();
    }
    bool too_deep() const { return too_deep_; }

  private:
    bool deeper() {
        if (++depth_ <= kMaxDepth) return true;
        too_deep_ = true;
        return false;
    }

    Format format_;
    int depth_ = 0;
    bool too_deep_ = false;
};

// nlohmann's message without its "[json.exception.parse_error.110] " prefix.
std::string reason(const nlohmann::json::exception& error) {
    std::string_view text = error.what();
    const auto end = text.find("] ");
    if (!text.empty() && text.front() == '[' && end != std::string_view::npos) {
        text.remove_prefix(end + 2);
    }
    return std::string(text);
}

bool run_binary_reader(std::string_view input, Format format, BoundedBuilder& builder,
                       nlohmann::json::cbor_tag_handler_t tags) {
    auto adapter = nlohmann::detail::input_adapter(input.data(), input.data() + input.size());
    const auto kind = format == Format::Cbor ? nlohmann::detail::input_format_t::cbor
                                             : nlohmann::detail::input_format_t::msgpack;
    nlohmann::detail::binary_reader<json, decltype(adapter), BoundedBuilder> reader(
        std::move(adapter), kind);
    return reader.sax_parse(kind, &builder, /*strict=*/true, tags);
}

bool run_parser(std::string_view input, Format format, json& result, bool& too_deep,
                nlohmann::json::cbor_tag_handler_t tags) {
    BoundedBuilder builder(result, format);
    const bool parsed = format == Format::Json ? json::sax_parse(input, &builder)
                                               : run_binary_reader(input, format, builder, tags);
    too_deep = builder.too_deep();
    return parsed;
}

bool is_bytes_object(const json& value) {
    if (!value.is_object() || !value.contains(kBytesKey)) return false;
    const std::size_t expected = value.contains(kSubtypeKey) ? 2 : 1;
    return value.size() == expected;
}

// The subtype nlohmann stores for "$subtype" (a CBOR tag, a MessagePack ext type).
std::uint64_t subtype_of(const json& subtype, Format format, const std::string& where) {
    if (format == Format::MessagePack) {
        if (!subtype.is_number_integer() || subtype.get<std::int64_t>() < -128 ||
            subtype.get<std::int64_t>() > 127) {
            throw usage_error("{}/$subtype: a MessagePack ext type is an integer from -128 to 127",
                              where);
        }
        return static_cast<std::uint8_t>(static_cast<std::int8_t>(subtype.get<std::int64_t>()));
    }
    if (!subtype.is_number_unsigned() && !(subtype.is_number_integer() && subtype >= 0)) {
        throw usage_error("{}/$subtype: a CBOR tag is an integer from 0", where);
    }
    return subtype.get<std::uint64_t>();
}

json converted(const json& value, Format format, const std::string& where) {
    if (is_bytes_object(value)) {
        const auto& text = value[kBytesKey];
        const auto bytes =
            text.is_string() ? decode_base64(text.get_ref<const std::string&>()) : std::nullopt;
        if (!bytes) throw usage_error("{}/$bytes: not base64 text (RFC 4648, padded)", where);
        // Built in place: json::binary(binary_t&&) would keep the bytes but not the subtype.
        json binary = json::binary(std::vector<std::uint8_t>(bytes->begin(), bytes->end()));
        if (value.contains(kSubtypeKey)) {
            binary.get_binary().set_subtype(subtype_of(value[kSubtypeKey], format, where));
        }
        return binary;
    }
    if (value.is_object()) {
        json result = json::object();
        for (const auto& [key, item] : value.items()) {
            result[key] = converted(item, format, where + "/" + key);
        }
        return result;
    }
    if (value.is_array()) {
        json result = json::array();
        for (std::size_t i = 0; i < value.size(); ++i) {
            result.push_back(converted(value[i], format, where + "/" + std::to_string(i)));
        }
        return result;
    }
    return value;
}

}  // namespace

json parse_bounded(std::string_view input, Format format) {
    json result;
    bool too_deep = false;
    try {
        // Tags are kept on byte strings ("$subtype"); a tag on anything else (258 for a
        // set) cannot be kept by nlohmann, so the value is read without it. Tags 0 to 5
        // (dates, bignums, decimal fractions) nlohmann does not read at all.
        auto tags = nlohmann::json::cbor_tag_handler_t::store;
        try {
            if (!run_parser(input, format, result, too_deep, tags) && !too_deep) {
                throw DecodeError("not valid");
            }
        } catch (const nlohmann::json::parse_error&) {
            if (format != Format::Cbor) throw;
            result = json();
            tags = nlohmann::json::cbor_tag_handler_t::ignore;
            if (!run_parser(input, format, result, too_deep, tags) && !too_deep) {
                throw DecodeError("not valid");
            }
        }
    } catch (const nlohmann::json::exception& error) {
        throw DecodeError(reason(error));
    }
    if (too_deep) throw DecodeError(fmt::format("nested deeper than {} levels", kMaxDepth));
    return result;
}

json bytes_to_json(std::string_view bytes) {
    if (is_valid_utf8(bytes)) return std::string(bytes);
    return json::object({{std::string(kBytesKey), encode_base64(bytes)}});
}

std::string json_to_bytes(const json& value, std::string_view codec) {
    if (value.is_string()) return value.get<std::string>();
    if (is_bytes_object(value) && !value.contains(kSubtypeKey)) {
        const auto& text = value[kBytesKey];
        if (text.is_string()) {
            if (auto bytes = decode_base64(text.get_ref<const std::string&>())) return *bytes;
        }
        throw usage_error("{}: /$bytes: not base64 text (RFC 4648, padded)", codec);
    }
    throw usage_error("{} encodes a JSON string or {{\"$bytes\": \"<base64>\"}}, not {}", codec,
                      value.is_object() ? "this object" : value.type_name());
}

json with_binary_values(const json& value, Format format) {
    return converted(value, format, "");
}

}  // namespace mqtk::codec
