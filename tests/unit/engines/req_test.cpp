// The pure parts of `mqtk req`: --retain-handling's values (mosquitto 2.1's words and
// sub's numbers) and the fresh response topic used when -e is not given.
#include "core/req.h"

#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "core/error.h"

TEST_CASE("req: --retain-handling takes mosquitto 2.1's words and sub's numbers") {
    CHECK(mqtk::parse_retain_handling("always") == 0);
    CHECK(mqtk::parse_retain_handling("new") == 1);
    CHECK(mqtk::parse_retain_handling("never") == 2);
    CHECK(mqtk::parse_retain_handling("0") == 0);
    CHECK(mqtk::parse_retain_handling("1") == 1);
    CHECK(mqtk::parse_retain_handling("2") == 2);
    for (const char* bad : {"", "3", "Never", "-1", "always "}) {
        INFO("'" << bad << "'");
        try {
            mqtk::parse_retain_handling(bad);
            FAIL("accepted");
        } catch (const mqtk::Error& error) {
            CHECK(error.code() == mqtk::ExitCode::Usage);
        }
    }
}

TEST_CASE("req: a fresh response topic is mqtk/req/ and 16 hex digits, new each time") {
    const std::string first = mqtk::fresh_response_topic();
    CHECK(std::regex_match(first, std::regex("mqtk/req/[0-9a-f]{16}")));
    CHECK(mqtk::fresh_response_topic() != first);
}
