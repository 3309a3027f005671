// TLS as mosquitto_pub does it (issue 13), each case run through `mqtk pub` and, where
// mosquitto_pub has the same flags, through mosquitto_pub on the same argv: it is the
// oracle for whether the connection is made. Both exit with their own codes (mqtk 3 for a
// broker it cannot reach, mosquitto_pub 1, 7 or 8), so the tests compare success with
// success. The brokers are private mosquitto TLS listeners (support/broker.h,
// support/connect_probe.h).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/observer.h"
#include "support/process.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::Observer;
using mqtk::test::ProcessResult;
using mqtk::test::TempDir;
using Args = std::vector<std::string>;

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

Args concat(Args a, const Args& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// `mqtk pub -h 127.0.0.1 -p <port> args...`
ProcessResult pub_at(int port, const Args& args) {
    return mqtk::test::mqtk(concat(concat({"pub"}, mqtk::test::address_args(port)), args));
}

// `mosquitto_pub -h 127.0.0.1 -p <port> args...`
ProcessResult mosquitto_pub_at(int port, const Args& args) {
    return mqtk::test::run(concat(concat({"mosquitto_pub"}, mqtk::test::address_args(port)), args),
                           {.timeout = 20s});
}

void check_error(const ProcessResult& r, int code) {
    INFO(r.describe());
    CHECK(r.exit_code == code);
    CHECK(r.out.empty());
    CHECK(mqtk::test::is_one_error_line(r.err));
}

void check_success(const ProcessResult& r) {
    INFO(r.describe());
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
}

// mqtk and mosquitto_pub on the same argv: both connect (and publish), or mosquitto_pub
// fails and mqtk exits 3 with one line naming `why`.
void check_as_mosquitto(int port, const Args& args, bool connects, const std::string& why = {}) {
    const ProcessResult oracle = mosquitto_pub_at(port, args);
    INFO("mosquitto_pub: " << oracle.describe());
    REQUIRE((oracle.exit_code == 0) == connects);  // it fails with 1, 7 or 8
    const ProcessResult r = pub_at(port, args);
    if (connects) {
        check_success(r);
    } else {
        check_error(r, 3);
        INFO(r.describe());
        CHECK(contains(r.err, why));
    }
}

// A --capath directory holding `ca_file`, hashed by `openssl rehash` as mosquitto expects.
std::string make_capath(const TempDir& dir, const std::string& name, const std::string& ca_file) {
    const std::string path = dir.file(name);
    const ProcessResult made =
        mqtk::test::run({"sh", "-c", "mkdir \"$1\" && cp \"$2\" \"$1\"/ && openssl rehash \"$1\"",
                         "sh", path, ca_file});
    REQUIRE_MESSAGE(made.exit_code == 0, made.describe());
    return path;
}

}  // namespace

// mosquitto's --insecure skips only the host-name check; a chain no trusted CA signed is
// refused all the same. (mqtk used to turn verification off altogether.)
TEST_CASE("tls: --insecure still verifies the chain, as mosquitto_pub") {
    Broker broker({.tls = true});
    check_as_mosquitto(broker.tls_port(),
                       {"--cafile", Broker::other_ca_file(), "--insecure", "-t", "t", "-m", "x"},
                       false, "TLS");
    check_as_mosquitto(broker.tls_port(),
                       {"--cafile", Broker::ca_file(), "--insecure", "-t", "t", "-m", "x"}, true);
    // Without a CA, the system's authorities are trusted, and they did not sign the test
    // CA. (mosquitto_pub has no TLS without a CA: only mqtk is asked.)
    check_error(pub_at(broker.tls_port(), {"--insecure", "-t", "t", "-m", "x"}), 3);
}

TEST_CASE("tls: --insecure skips the host-name check only, as mosquitto_pub") {
    const auto& tls = mqtk::test::extra_tls();
    const int nameless = mqtk::test::free_port();
    Broker broker(
        {.extra = mqtk::test::tls_listener_config(nameless, tls.nameless_cert, tls.nameless_key)});
    Observer seen(broker, {"t"});
    // The certificate names wrong.invalid only: the chain verifies, the name does not.
    check_as_mosquitto(nameless, {"--cafile", tls.ca_file, "-t", "t", "-m", "x"}, false, "TLS");
    check_as_mosquitto(nameless, {"--cafile", tls.ca_file, "--insecure", "-t", "t", "-m", "y"},
                       true);
    // One message from each client: mosquitto_pub's, then mqtk's.
    CHECK_LINES(seen.lines(2, 10s), {"t y", "t y"});
}

// Paho C++ 1.2.0 kept a pointer to a copy's CApath string that was gone by connect()
// (#337): --capath never reached OpenSSL.
TEST_CASE("tls: --capath trusts the CAs of a hashed directory, as mosquitto_pub") {
    Broker broker({.tls = true});
    Observer seen(broker, {"capath"});
    TempDir dir;
    const std::string good = make_capath(dir, "good", Broker::ca_file());
    const std::string other = make_capath(dir, "other", Broker::other_ca_file());
    check_as_mosquitto(broker.tls_port(), {"--capath", good, "-t", "capath", "-m", "x"}, true);
    CHECK_LINES(seen.lines(2, 10s), {"capath x", "capath x"});
    check_as_mosquitto(broker.tls_port(), {"--capath", other, "-t", "capath", "-m", "x"}, false,
                       "TLS");
    // By host name too, through the URL form.
    check_success(mqtk::test::mqtk(
        {"pub", "-L", "mqtts://localhost:" + std::to_string(broker.tls_port()) + "/capath",
         "--capath", good, "-m", "url"}));
    CHECK_LINES(seen.lines(3, 10s), {"capath x", "capath x", "capath url"});
}
