// Fuzzes the `-D CMD NAME VALUE` parser (core/properties.h). The name is a real property
// name half the time, so that the values' parsers are reached, else arbitrary text. An
// accepted property must be the one named, allowed in that packet, and hold a value its
// type can carry.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
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
    MQTK_FUZZ_CHECK(mqtk::property_name(property.id) == name);
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
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
    try {
        const auto property = mqtk::parse_property_argument(kind, name, value, user_value);
        check_accepted(property, kind, name);
    } catch (const mqtk::Error& error) {
        MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
    }
    return 0;
}
