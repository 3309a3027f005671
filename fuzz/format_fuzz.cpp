// Fuzzes the output formatter (core/format.h) and the --json writer (core/jsonl.h): the two
// things that turn what a broker sends into bytes on stdout.
//   - The input opens with a -F template: compiled (a refusal is a one-line mqtk::Error)
//     and, when accepted, used to render the message the rest of the input makes.
//   - That message also goes through every output mode: a fixed template using every
//     sequence, widths and flags, %j and %J (compact and pretty), -v, payload only, and
//     --json, whose output must be valid JSON whatever the bytes (core/jsonl.h promises it).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/format.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzzed_message.h"

namespace {

mqtk::OutputOptions template_output(std::string format, bool pretty = false) {
    mqtk::OutputOptions options;
    options.format = std::move(format);
    options.pretty = pretty;
    return options;
}

std::vector<mqtk::Formatter> every_mode() {
    std::vector<mqtk::OutputOptions> modes = {
        template_output("%t %p %x %X %l %m %q %r %I %U %A %E %F %S %C %R %D %P "
                        "@Y-@m-@dT@H:@M:@S.@N @z@@%%\\t\\e\\0"),
        template_output("[%-10.3t][%08l][%-5p][%-p][%10x][%3X][%-m][%05A][%-12C][%.4R][%3E]"
                        "[%-8I][%0F][%20S]"),
        template_output("%j"),
        template_output("%j", true),
        template_output("%J"),
        template_output("%J", true),
    };
    mqtk::OutputOptions verbose;
    verbose.verbose = true;
    verbose.color = true;
    modes.push_back(verbose);
    mqtk::OutputOptions payload_only;
    payload_only.no_eol = true;
    modes.push_back(payload_only);

    std::vector<mqtk::Formatter> formatters;
    for (const auto& options : modes)
        formatters.emplace_back(options);
    return formatters;
}

void check_json_output(const mqtk::Message& message, bool pretty) {
    mqtk::OutputOptions options;
    options.json = true;
    options.pretty = pretty;
    std::string out;
    mqtk::Formatter(options).render(message, out);
    MQTK_FUZZ_CHECK(!out.empty() && out.back() == '\n');
    out.pop_back();
    MQTK_FUZZ_CHECK(pretty || out.find('\n') == std::string::npos);
    MQTK_FUZZ_CHECK(nlohmann::json::accept(out));
}

// The input's template, when it compiles; rendering must then not fail.
void render_with_template(const mqtk::OutputOptions& options, const mqtk::Message& message) {
    std::optional<mqtk::Formatter> formatter;
    try {
        formatter.emplace(options);
    } catch (const mqtk::Error& error) {
        MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
        MQTK_FUZZ_CHECK(mqtk::fuzz::is_one_line(error.what()));
        return;
    }
    std::string out;
    formatter->render(message, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<mqtk::Formatter> fixed = every_mode();
    FuzzedDataProvider provider(data, size);
    mqtk::OutputOptions options = template_output(provider.ConsumeRandomLengthString(256));
    options.no_eol = provider.ConsumeBool();
    options.pretty = provider.ConsumeBool();
    const mqtk::Message message = mqtk::fuzz::fuzzed_message(provider);

    render_with_template(options, message);
    std::string out;
    for (const auto& formatter : fixed)
        formatter.render(message, out);
    check_json_output(message, false);
    check_json_output(message, true);
    return 0;
}
