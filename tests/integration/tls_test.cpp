// TLS as mosquitto_pub does it (issue 13), each case run through `mqtk pub` and, where
// mosquitto_pub has the same flags, through mosquitto_pub on the same argv: it is the
// oracle for whether the connection is made. Both exit with their own codes (mqtk 3 for a
// broker it cannot reach, mosquitto_pub 1, 7 or 8), so the tests compare success with
// success. The brokers are private mosquitto TLS listeners (support/broker.h,
// support/connect_probe.h); where mosquitto 2.0 cannot play the peer (a TLS 1.2-only
// server, ALPN, a cipher list), `openssl s_server` does, and tells what the client offered.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"
#include "support/wire.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::check_error;
using mqtk::test::check_success;
using mqtk::test::concat;
using mqtk::test::contains;
using mqtk::test::Observer;
using mqtk::test::Process;
using mqtk::test::ProcessResult;
using mqtk::test::TempDir;
using Args = std::vector<std::string>;

// `mqtk pub -h 127.0.0.1 -p <port> args...`
ProcessResult pub_at(int port, const Args& args) {
    return mqtk::test::mqtk(concat(concat({"pub"}, mqtk::test::address_args(port)), args));
}

// `mosquitto_pub -h 127.0.0.1 -p <port> args...`
ProcessResult mosquitto_pub_at(int port, const Args& args) {
    return mqtk::test::run(concat(concat({"mosquitto_pub"}, mqtk::test::address_args(port)), args),
                           {.timeout = 20s});
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

std::string read_file(const std::string& path) {
    std::ifstream file(path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// `openssl s_server` with the extra_tls() certificate for 127.0.0.1 on a free port: a TLS
// peer that is no MQTT broker. It prints what a client offered (ALPN, ciphers) and how the
// handshake ended, and stays up for mqtk's diagnosis probes after a failure.
class TlsServer {
  public:
    explicit TlsServer(const Args& options)
        : process_(concat(
              {"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port_), "-cert",
               mqtk::test::extra_tls().named_cert, "-key", mqtk::test::extra_tls().named_key},
              options)) {
        REQUIRE_MESSAGE(process_.wait_for_output("ACCEPT", 10s), process_.stderr_so_far());
    }
    int port() const { return port_; }

    // `client` ("mqtk" or "mosquitto_pub") with args, to the end of its TLS handshake: once
    // the server has reported the handshake, it ends the connection (s_server's "q"), as the
    // client would otherwise wait for a CONNACK. report gets what the server printed.
    ProcessResult handshake(std::string_view client, const Args& args, std::string& report) {
        const Args program =
            client == "mqtk" ? Args{mqtk::test::mqtk_binary(), "pub"} : Args{"mosquitto_pub"};
        Process connecting(concat(concat(program, mqtk::test::address_args(port_)), args));
        const bool done = process_.wait_until(
            [](std::string_view out, std::string_view err) {
                return out.find("CIPHER is") != std::string_view::npos ||
                       err.find("error:") != std::string_view::npos;
            },
            10s);
        report = process_.stdout_so_far() + process_.stderr_so_far();
        if (done && contains(report, "CIPHER is")) process_.write_stdin("q\n");
        return connecting.wait(20s);
    }

  private:
    int port_ = mqtk::test::free_port();
    Process process_;
};

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

// --- Diagnosis: the error line says which check failed

TEST_CASE("tls: the error line names the failed check") {
    Broker broker({.tls = true});
    const ProcessResult unknown_ca =
        pub_at(broker.tls_port(), {"--cafile", Broker::other_ca_file(), "-t", "t", "-m", "x"});
    check_error(unknown_ca, 3);
    // OpenSSL's reason: the server sends its chain, and the CA in it is not trusted.
    CHECK(contains(unknown_ca.err, "certificate did not verify: self-signed certificate in"));

    const auto& tls = mqtk::test::extra_tls();
    const int nameless = mqtk::test::free_port();
    Broker other(
        {.extra = mqtk::test::tls_listener_config(nameless, tls.nameless_cert, tls.nameless_key)});
    const ProcessResult mismatch =
        pub_at(nameless, {"--cafile", tls.ca_file, "-t", "t", "-m", "x"});
    check_error(mismatch, 3);
    CHECK(contains(mismatch.err, "not for this host name"));
}

// The broker's TLS 1.3 alert "certificate required" (116) arrives after the client's side
// of the handshake: the line used to blame --cafile and the host name.
TEST_CASE("tls: a broker that wants a client certificate is named as such") {
    Broker broker({.tls = true});
    check_as_mosquitto(broker.mtls_port(), {"--cafile", Broker::ca_file(), "-t", "t", "-m", "x"},
                       false, "the broker requires a client certificate (give --cert and --key)");
}

// --- Versions

// mosquitto's --tls-version is the lowest version (tlsv1.3: only 1.3), on the client as on
// the broker's tls_version.
TEST_CASE("tls: --tls-version tlsv1.3 requires TLS 1.3, as mosquitto_pub") {
    const auto& tls = mqtk::test::extra_tls();
    const int only13 = mqtk::test::free_port();
    Broker broker({.extra = mqtk::test::tls_listener_config(only13, tls.named_cert, tls.named_key,
                                                            "tlsv1.3")});
    Observer seen(broker, {"v"});
    check_as_mosquitto(
        only13, {"--cafile", tls.ca_file, "--tls-version", "tlsv1.3", "-t", "v", "-m", "1.3"},
        true);
    // tlsv1.2 is a minimum, and 1.3 is above it.
    check_as_mosquitto(
        only13, {"--cafile", tls.ca_file, "--tls-version", "tlsv1.2", "-t", "v", "-m", "1.2"},
        true);
    CHECK_LINES(seen.lines(4, 10s), {"v 1.3", "v 1.3", "v 1.2", "v 1.2"});

    // A server of TLS 1.2 only (mosquitto 2.0 cannot be one: its tls_version is a minimum).
    for (const std::string client : {"mosquitto_pub", "mqtk"}) {
        TlsServer only12({"-tls1_2"});
        std::string report;
        const ProcessResult r = only12.handshake(
            client, {"--cafile", tls.ca_file, "--tls-version", "tlsv1.3", "-t", "v", "-m", "x"},
            report);
        INFO(client << ": " << r.describe() << report);
        CHECK((client == "mqtk" ? r.exit_code == 3 : r.exit_code != 0));  // mosquitto_pub: 1 or 8
        if (client == "mqtk") CHECK(contains(r.err, "no TLS version in common"));
        CHECK(contains(report, "unsupported protocol"));
    }
}

// --- TLS-PSK, ALPN, ciphers, key log

TEST_CASE("tls: --psk and --psk-identity, as mosquitto_pub") {
    TempDir dir;
    const int psk_port = mqtk::test::free_port();
    const std::string psk_file = dir.write("psk", "mqtk-device:00c0ffee0123456789\n");
    Broker broker({.extra = "\nlistener " + std::to_string(psk_port) +
                            " 127.0.0.1\nallow_anonymous true\npsk_hint mqtk-hint\npsk_file " +
                            psk_file + "\n"});
    Observer seen(broker, {"psk"});
    check_as_mosquitto(psk_port,
                       {"--psk", "00c0ffee0123456789", "--psk-identity", "mqtk-device", "-t", "psk",
                        "-m", "right key"},
                       true);
    CHECK_LINES(seen.lines(2, 10s), {"psk right key", "psk right key"});
    check_as_mosquitto(
        psk_port,
        {"--psk", "00c0ffee0123456788", "--psk-identity", "mqtk-device", "-t", "psk", "-m", "x"},
        false, "TLS");
    check_as_mosquitto(
        psk_port,
        {"--psk", "00c0ffee0123456789", "--psk-identity", "someone", "-t", "psk", "-m", "x"}, false,
        "TLS");
    // Flags that make no sense together are refused before connecting.
    check_error(pub_at(psk_port, {"--psk", "c0ffee", "-t", "psk", "-m", "x"}), 2);
    check_error(pub_at(psk_port, {"--psk", "xyz", "--psk-identity", "i", "-t", "psk", "-m", "x"}),
                2);
    check_error(pub_at(psk_port, {"--psk", "c0ffee", "--psk-identity", "i", "--cafile",
                                  Broker::ca_file(), "-t", "psk", "-m", "x"}),
                2);
}

// mosquitto 2.0 has no ALPN on its listeners: s_server prints what the client offered.
TEST_CASE("tls: --tls-alpn offers the protocol, as mosquitto_pub") {
    const auto& tls = mqtk::test::extra_tls();
    for (const std::string client : {"mosquitto_pub", "mqtk"}) {
        TlsServer server({"-alpn", "mqtt"});
        std::string report;
        (void)server.handshake(
            client, {"--cafile", tls.ca_file, "--tls-alpn", "mqtt", "-t", "t", "-m", "x"}, report);
        INFO(client << ": " << report);
        CHECK(contains(report, "ALPN protocols advertised by the client: mqtt"));
    }
}

TEST_CASE("tls: --ciphers limits the TLS 1.2 cipher suites, as mosquitto_pub") {
    const auto& tls = mqtk::test::extra_tls();
    const std::string cipher = "ECDHE-ECDSA-AES128-GCM-SHA256";
    for (const std::string client : {"mosquitto_pub", "mqtk"}) {
        std::string report;
        {
            TlsServer server({"-tls1_2", "-cipher", cipher});
            (void)server.handshake(
                client, {"--cafile", tls.ca_file, "--ciphers", cipher, "-t", "t", "-m", "x"},
                report);
            INFO(client << ": " << report);
            CHECK(contains(report, "CIPHER is " + cipher));
        }
        {
            TlsServer server({"-tls1_2", "-cipher", cipher});
            const ProcessResult r =
                server.handshake(client,
                                 {"--cafile", tls.ca_file, "--ciphers",
                                  "ECDHE-ECDSA-AES256-GCM-SHA384", "-t", "t", "-m", "x"},
                                 report);
            INFO(client << ": " << r.describe() << report);
            CHECK(r.exit_code != 0);
            CHECK(contains(report, "no shared cipher"));
        }
    }
}

// mosquitto 2.1's --tls-keylog (2.0.11 has none): the secrets Wireshark needs.
TEST_CASE("tls: --tls-keylog writes the session secrets in NSS key log format") {
    Broker broker({.tls = true});
    TempDir dir;
    const std::string keylog = dir.file("keys.log");
    check_success(pub_at(broker.tls_port(), {"--cafile", Broker::ca_file(), "--tls-keylog", keylog,
                                             "-t", "t", "-m", "x"}));
    const std::string tls13 = read_file(keylog);
    CHECK(contains(tls13, "CLIENT_HANDSHAKE_TRAFFIC_SECRET "));
    CHECK(contains(tls13, "CLIENT_TRAFFIC_SECRET_0 "));
    // TLS 1.2 logs the master secret; appended to the same file.
    TlsServer only12({"-tls1_2"});
    std::string report;
    (void)only12.handshake(
        "mqtk",
        {"--cafile", mqtk::test::extra_tls().ca_file, "--tls-keylog", keylog, "-t", "t", "-m", "x"},
        report);
    CHECK(contains(report, "CIPHER is"));
    const std::string both = read_file(keylog);
    CHECK(both.starts_with(tls13));
    CHECK(contains(both.substr(tls13.size()), "CLIENT_RANDOM "));
    // A file that cannot be written is a usage error, before any connection.
    check_error(pub_at(broker.tls_port(), {"--cafile", Broker::ca_file(), "--tls-keylog",
                                           dir.file("no/such/dir/keys.log"), "-t", "t", "-m", "x"}),
                2);
}

// mosquitto_pub's OpenSSL-engine flags: Paho cannot load keys through an engine.
TEST_CASE("tls: the OpenSSL engine flags are refused by name") {
    for (const Args& args :
         {Args{"--tls-engine", "pkcs11"}, Args{"--tls-engine-kpass-sha1", std::string(40, 'a')},
          Args{"--keyform", "engine"}}) {
        const ProcessResult r = pub_at(8883, concat(args, {"-t", "t", "-m", "x"}));
        check_error(r, 2);
        CHECK(contains(r.err, args.front() + " "));
        CHECK(contains(r.err, "not supported"));
    }
}
