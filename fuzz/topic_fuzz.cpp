// Fuzzes topic and filter validation and matching (core/topic.h) with an arbitrary filter
// and topic. The predicates and the throwing checks must agree, a refusal must say why in
// one line, and matching must follow the rules that hold for every topic.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/topic.h"
#include "fuzz/fuzz_check.h"

namespace {

// Whether check(text) accepted it; a refusal must be a one-line mqtk::Error.
template <typename Check>
bool accepted(Check check, const std::string& text) {
    try {
        check(text, "topic");
        return true;
    } catch (const mqtk::Error& error) {
        MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
        MQTK_FUZZ_CHECK(mqtk::fuzz::is_one_line(error.what()));
        return false;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider provider(data, size);
    const std::string filter = provider.ConsumeRandomLengthString(512);
    const std::string topic = provider.ConsumeRemainingBytesAsString();

    const bool valid_filter = mqtk::is_valid_topic_filter(filter);
    const bool valid_topic = mqtk::is_valid_topic_name(topic);
    MQTK_FUZZ_CHECK(accepted(mqtk::check_topic_filter, filter) == valid_filter);
    MQTK_FUZZ_CHECK(accepted(mqtk::check_topic_name, topic) == valid_topic);
    if (!valid_topic) return 0;

    if (valid_filter) (void)mqtk::topic_matches(filter, topic);
    // A topic is a filter matching itself, unless "$share/" makes it a shared subscription.
    if (!topic.starts_with("$share/")) {
        MQTK_FUZZ_CHECK(mqtk::is_valid_topic_filter(topic));
        MQTK_FUZZ_CHECK(mqtk::topic_matches(topic, topic));
    }
    // '#' matches every topic but those of the server ('$').
    MQTK_FUZZ_CHECK(mqtk::topic_matches("#", topic) == !topic.starts_with('$'));
    return 0;
}
