// Fuzzes the `bench merge` reader (core/bench_result.h) with the text of a result file, as
// run_bench_merge reads each file a user names: JSON, then bench_result_from_json. Not JSON
// is refused by the parser; a refusal of the document is an mqtk::Error(Usage).
// An accepted result must then
//   - round-trip: written back with bench_result_to_json (as `bench --json` does) and read
//     again, it writes the same document (derived figures included);
//   - go through what merge does with it: merged with itself as another worker's part,
//     printed as JSON (`merge --json`) and as the summary, and judged (the exit code and
//     its reason), without any other exception, sanitizer report or crash.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/bench_report.h"
#include "core/bench_result.h"
#include "core/error.h"
#include "fuzz/fuzz_check.h"

namespace {

// Messages may quote the file (an error's example): cli/main.cpp escapes control
// characters when it prints one, so only the exit code is checked here.
void check_usage_error(const mqtk::Error& error) {
    MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
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
