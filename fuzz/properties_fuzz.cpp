// Fuzzes the `-D CMD NAME VALUE` parser (core/properties.h). The name is a real property
// name half the time, so that the values' parsers are reached, else arbitrary text. An
// accepted property must be the one named, allowed in that packet, and hold a value its
// type can carry; and it must survive the two round trips mqtk has for properties:
//   - printed back as a -D value (a number in decimal, text as is), it parses to the same
//     property: "007" and "7" are one value, and nothing is lost or added on the way;
//   - a PUBLISH property, written by the `sub --json` writer and read by the `pub --jsonl`
//     reader (which reads values through this same parser), comes back the same.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/jsonl.h"
#include "core/properties.h"
#include "core/utf8.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzzed_message.h"  // kPropertyIds

namespace {

using mqtk::PacketKind;
using mqtk::PropertyId;
using mqtk::PropertyType;

constexpr std::array<PacketKind, 7> kKinds = {
    PacketKind::Connect,    PacketKind::Publish, PacketKind::Subscribe, PacketKind::Unsubscribe,
    PacketKind::Disconnect, PacketKind::Will,    PacketKind::Auth};

std::uint64_t largest(PropertyType type) {
    switch (type) {
        case PropertyType::Byte:
            return 0xFF;
        case PropertyType::TwoByte:
            return 0xFFFF;
        case PropertyType::VarInt:
            return 268'435'455;
        default:
            return 0xFFFFFFFF;
    }
}

void check_accepted(const mqtk::Property& property, PacketKind kind, std::string_view name) {
    // Names are matched in any case, as mosquitto matches them.
    std::string lower(name);
    for (char& c : lower)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    MQTK_FUZZ_CHECK(mqtk::property_name(property.id) == lower);
    MQTK_FUZZ_CHECK(mqtk::property_allowed_in(property.id, kind));
    const PropertyType type = mqtk::property_type(property.id);
    switch (type) {
        case PropertyType::Utf8:
            MQTK_FUZZ_CHECK(mqtk::is_valid_utf8(property.text));
            break;
        case PropertyType::Pair:
            MQTK_FUZZ_CHECK(mqtk::is_valid_utf8(property.text));
            MQTK_FUZZ_CHECK(mqtk::is_valid_utf8(property.value));
            break;
        case PropertyType::Binary:
            break;
        default:
            MQTK_FUZZ_CHECK(property.number <= largest(type));
    }
}

// The value as -D takes it, for the round trip: what a user would type to get `property`.
std::string argument_of(const mqtk::Property& property) {
    switch (mqtk::property_type(property.id)) {
        case PropertyType::Utf8:
        case PropertyType::Binary:
        case PropertyType::Pair:
            return property.text;
        default:
            return std::to_string(property.number);
    }
}

void check_round_trips(const mqtk::Property& property, PacketKind kind, const std::string& name) {
    const auto again = mqtk::parse_property_argument(kind, name, argument_of(property),
                                                     property.value);  // throwing is a finding
    MQTK_FUZZ_CHECK(again == property);

    // The --jsonl reader skips these two (the broker's, per connection): no round trip.
    if (!mqtk::property_allowed_in(property.id, PacketKind::Publish) ||
        property.id == PropertyId::SubscriptionIdentifier ||
        property.id == PropertyId::TopicAlias) {
        return;
    }
    mqtk::Message message;
    message.topic = "t";
    message.properties = {property};
    std::string line;
    mqtk::append_json(message, line);
    const mqtk::JsonRecord record = mqtk::parse_json_record(line);  // throwing is a finding
    MQTK_FUZZ_CHECK(record.message.properties == message.properties);
}

// Names and identifiers map one to one.
bool names_round_trip() {
    for (const auto id : mqtk::fuzz::kPropertyIds) {
        const auto property = static_cast<PropertyId>(id);
        MQTK_FUZZ_CHECK(mqtk::property_from_name(mqtk::property_name(property)) == property);
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool names_ok = names_round_trip();
    (void)names_ok;
    FuzzedDataProvider provider(data, size);
    const PacketKind kind = provider.PickValueInArray(kKinds);
    std::string name;
    if (provider.ConsumeBool()) {
        name = mqtk::property_name(
            static_cast<PropertyId>(provider.PickValueInArray(mqtk::fuzz::kPropertyIds)));
    } else {
        name = provider.ConsumeRandomLengthString(64);
    }
    const std::string value = provider.ConsumeRandomLengthString(256);
    const std::string user_value = provider.ConsumeRemainingBytesAsString();

    (void)mqtk::packet_kind_from_name(name);
    mqtk::Property property;
    try {
        property = mqtk::parse_property_argument(kind, name, value, user_value);
    } catch (const mqtk::Error& error) {
        // It may quote a control character: cli/main.cpp escapes those when it prints.
        MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
        return 0;
    }
    // Outside the try: a refusal of what was just accepted is a finding, not a refusal.
    check_accepted(property, kind, name);
    check_round_trips(property, kind, name);
    return 0;
}
