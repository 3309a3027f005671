// Fuzzes the `bench merge` reader (core/bench/result.h) with the text of a result file, as
// run_bench_merge reads each file a user names: JSON, then bench_result_from_json. Not JSON
// is refused by the parser; a refusal of the document is an mqtk::Error(Usage).
// An accepted result must then
//   - keep what the file says: every raw field read (counts, config, shards, tallies) is
//     written back by bench_result_to_json (as `bench --json` and `merge --json` do) with
//     the file's value, so that nothing is dropped or changed on the way through merge;
//   - round-trip: that document read again writes the same document (derived figures
//     included);
//   - go through what merge does with it: merged with itself as another worker's part,
//     printed as JSON (`merge --json`) and as the summary, and judged (the exit code and
//     its reason), without any other exception, sanitizer report or crash.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/bench/report.h"
#include "core/bench/result.h"
#include "core/error.h"
#include "fuzz/fuzz_check.h"

namespace {

// Messages may quote the file (an error's example): cli/main.cpp escapes control
// characters when it prints one, so only the exit code is checked here.
void check_usage_error(const mqtk::Error& error) {
    MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
}

using nlohmann::json;

// The field at `path` in `input`, when the file has it, is written back unchanged.
void check_kept(const json& input, const json& written, std::initializer_list<const char*> path) {
    const json* from = &input;
    const json* to = &written;
    for (const char* key : path) {
        if (!from->is_object() || !from->contains(key)) return;
        from = &(*from)[key];
        MQTK_FUZZ_CHECK(to->is_object() && to->contains(key));
        to = &(*to)[key];
    }
    MQTK_FUZZ_CHECK(*from == *to);
}

// Element by element, the fields of an array of objects the reader reads.
void check_kept_array(const json& input, const json& written, const char* array,
                      std::initializer_list<const char*> fields) {
    const json& from = input[array];
    const json& to = written[array];
    MQTK_FUZZ_CHECK(from.size() == to.size());
    for (std::size_t i = 0; i < from.size(); ++i) {
        for (const char* field : fields)
            check_kept(from[i], to[i], {field});
    }
}

void check_raw_fields_kept(const json& input, const json& written) {
    for (const char* key :
         {"mode", "publishers", "subscribers", "qos", "size", "topic", "rate", "duration", "count",
          "warmup", "retain", "pairs", "protocol", "storm", "conn_rate", "hold"}) {
        check_kept(input, written, {"config", key});
    }
    check_kept(input, written, {"shards", "count"});
    check_kept(input, written, {"shards", "included"});
    check_kept(input, written, {"workers"});
    check_kept(input, written, {"interrupted"});
    for (const char* key : {"sent", "sent_total", "received"})
        check_kept(input, written, {"messages", key});
    if (!input["config"]["rate"].is_null()) check_kept(input, written, {"messages", "due"});
    check_kept_array(input, written, "publishers", {"index", "sent"});
    check_kept_array(input, written, "subscribers",
                     {"index", "unique", "duplicates", "out_of_order"});
    check_kept(input, written, {"errors"});
    if (input.contains("connections_lost")) {
        check_kept_array(input, written, "connections_lost", {"role", "index", "at_s", "cause"});
    }
}

void check_printable(const mqtk::BenchResult& result) {
    (void)mqtk::bench_result_to_json(result).dump(2);
    (void)mqtk::format_bench_summary(result);
    (void)mqtk::bench_verdict(result);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return 0;  // "<file>: not a JSON document"
    }
    mqtk::BenchResult result;
    try {
        result = mqtk::bench_result_from_json(document);
    } catch (const mqtk::Error& error) {
        check_usage_error(error);
        return 0;
    }

    const nlohmann::json written = mqtk::bench_result_to_json(result);
    check_raw_fields_kept(document, written);
    const mqtk::BenchResult again = mqtk::bench_result_from_json(written);  // throwing: finding
    MQTK_FUZZ_CHECK(mqtk::bench_result_to_json(again) == written);

    check_printable(result);
    mqtk::BenchResult total = result;
    try {
        mqtk::merge_bench_results(total, result, mqtk::MergeOf::Workers);
    } catch (const mqtk::Error& error) {
        check_usage_error(error);
        return 0;
    }
    check_printable(total);
    return 0;
}
