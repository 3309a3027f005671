// skip_test(): see skip.h.
#include "support/skip.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace mqtk::test {

namespace {

bool strict() {
    const char* value = std::getenv("MQTK_TESTS_STRICT");
    return value != nullptr && std::strcmp(value, "1") == 0;
}

}  // namespace

void skip_test(std::string_view reason, SkipKind kind) {
    const std::string text(reason);
    if (kind == SkipKind::MissingTool && strict()) {
        FAIL_CHECK("missing tool (scripts/setup.sh installs it): " << text);
        return;
    }
    // The marker tests/CMakeLists.txt gives CTest as SKIP_REGULAR_EXPRESSION.
    MESSAGE("MQTK-SKIPPED: " << text);
}

}  // namespace mqtk::test
