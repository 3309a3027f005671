// Fuzzes the `pub --jsonl` reader (parse_json_record in core/jsonl.h) with arbitrary lines.
// A refusal is a one-line mqtk::Error. An accepted line must survive the `sub --json`
// writer: written out and read back it gives the same message (the writer orders the
// properties by identifier, the reader keeps the line's order, so both are compared in
// identifier order), and the pretty form is the same JSON as the compact one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/jsonl.h"
#include "fuzz/fuzz_check.h"

namespace {

mqtk::Properties by_identifier(mqtk::Properties properties) {
    std::stable_sort(properties.begin(), properties.end(),
                     [](const auto& a, const auto& b) { return a.id < b.id; });
    return properties;
}

// What a line carries: mid and received are not read back.
bool same_message(const mqtk::Message& a, const mqtk::Message& b) {
    return a.topic == b.topic && a.payload == b.payload && a.qos == b.qos && a.retain == b.retain &&
           by_identifier(a.properties) == by_identifier(b.properties);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    mqtk::JsonRecord record;
    try {
        record = mqtk::parse_json_record(line);
    } catch (const mqtk::Error& error) {
        MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
        MQTK_FUZZ_CHECK(mqtk::fuzz::is_one_line(error.what()));
        return 0;
    }
    std::string compact;
    mqtk::append_json(record.message, compact);
    const mqtk::JsonRecord again = mqtk::parse_json_record(compact);  // throwing is a finding
    MQTK_FUZZ_CHECK(same_message(record.message, again.message));
    MQTK_FUZZ_CHECK(again.has_qos && again.has_retain);

    std::string pretty;
    mqtk::append_json(record.message, pretty, true);
    MQTK_FUZZ_CHECK(nlohmann::json::parse(pretty) == nlohmann::json::parse(compact));
    return 0;
}
