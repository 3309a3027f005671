// Skipping a test honestly.
//
// A test that cannot run here says so with skip_test(): the line it prints is matched by
// CTest's SKIP_REGULAR_EXPRESSION (tests/CMakeLists.txt), so CTest counts it as skipped in
// its closing summary instead of as passed. A skip for a missing tool is a failure where
// every tool must be present: scripts/test.sh installs them all first and sets
// MQTK_TESTS_STRICT=1, so in CI a tool that went missing fails its tests.
#pragma once

#include <string_view>

namespace mqtk::test {

enum class SkipKind {
    MissingTool,   // fails under MQTK_TESTS_STRICT
    NotApplicable  // this build or machine cannot have it (e.g. a sanitizer build)
};

// Marks the running test as skipped (or failed, see above). The caller returns right after.
void skip_test(std::string_view reason, SkipKind kind = SkipKind::MissingTool);

}  // namespace mqtk::test
