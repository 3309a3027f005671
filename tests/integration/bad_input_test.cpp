// Hostile and bad command lines: every flag of pub, sub, echo and bench (as their --help
// lists them) given a wrong value, conflicting flags, missing or invalid topics, and files
// that cannot be read. Each row must end the way the contract says a usage error ends:
// exit 2, nothing on stdout, exactly one stderr line "mqtk: ..." that names the problem
// (a distinctive substring per row), and no connection to the broker it was pointed at -
// validation happens before connecting. The broker's own log is the witness for the last
// point: mosquitto logs "New connection from ..." for every TCP connection it accepts, and
// a mosquitto_pub fence (connections_before_fence) makes the count final.
//
// Also here: a client key with a passphrase (--key-password-file, MQTK_KEY_PASSWORD), whose
// failures are the same kind of usage error.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/broker.h"
#include "support/connect_probe.h"
#include "support/helpers.h"
#include "support/observer.h"
#include "support/process.h"

namespace {

using namespace std::chrono_literals;
using mqtk::test::Broker;
using mqtk::test::contains;
using mqtk::test::joined;
using mqtk::test::Observer;
using mqtk::test::ProcessResult;
using mqtk::test::RunOptions;
using mqtk::test::str;
using mqtk::test::TempDir;

using Args = std::vector<std::string>;

struct Row {
    Args args;
    std::string problem;  // a distinctive part of the one error line
};

// Whether a row names the broker itself (then it gets no -h/-p of ours: a second -p is an
// error of its own, which would hide the one under test).
bool has_own_address(const Args& args) {
    for (const auto& arg : args) {
        if (arg == "-p" || arg == "--port" || arg == "-L" || arg == "--url" ||
            arg.starts_with("--port=")) {
            return true;
        }
    }
    return false;
}

// Runs `mqtk <command> -h 127.0.0.1 -p <broker> <row>` and checks the usage-error shape.
void check_usage_error(const Broker& broker, const std::string& command, const Row& row,
                       const RunOptions& options = {}) {
    Args argv = {command};
    if (!has_own_address(row.args)) {
        const auto address = mqtk::test::address_args(broker.port());
        argv.insert(argv.end(), address.begin(), address.end());
    }
    argv.insert(argv.end(), row.args.begin(), row.args.end());
    RunOptions bounded = options;
    bounded.timeout = 20s;  // a row that wrongly connects would wait for the broker
    const ProcessResult r = mqtk::test::mqtk(argv, bounded);
    INFO("mqtk " << joined(argv));
    INFO(r.describe());
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(mqtk::test::is_one_error_line(r.err));
    CHECK(contains(r.err, row.problem));
    // Cheap and never a false alarm (the log may lag); the fence at the end is final.
    CHECK(mqtk::test::connections_accepted(broker) == 0);
}

void check_table(const Broker& broker, const std::string& command, const std::vector<Row>& rows,
                 const RunOptions& options = {}) {
    for (const auto& row : rows)
        check_usage_error(broker, command, row, options);
    CHECK(mqtk::test::connections_before_fence(broker) == 0);
}

// A regular file whose read fails (EIO) for everyone, root included: permissions cannot
// make a file unreadable to root, and the tests may run as root in a container.
const std::string kUnreadable = "/proc/self/mem";

// The connection flags every command shares, each with a wrong value or combination.
std::vector<Row> connection_rows(const TempDir& dir) {
    const std::string plain = dir.write("plain.txt", "not a certificate\n");
    const std::string empty_password = dir.write("password", "secret\n");
    return {
        {{"--bogus"}, "--bogus"},
        {{"-p", "0"}, "--port"},
        {{"-p", "65536"}, "--port"},
        {{"-p", "-1"}, "--port"},
        {{"-p", "eighty"}, "--port"},
        {{"--port=1883x"}, "--port"},
        {{"-L", "foo://127.0.0.1/t"}, "invalid URL"},
        {{"-L", "mqtt://127.0.0.1:0/t"}, "port must be 1..65535"},
        {{"-L", "mqtt://127.0.0.1:65536/t"}, "port must be 1..65535"},
        {{"-L", "mqtt://:1883/t"}, "no host"},
        {{"-i", "a", "-I", "b"}, "excludes"},
        {{"-i", "bad\xff"}, "client id (-i) is not valid UTF-8"},
        {{"-i", std::string(65536, 'i')}, "at most 65535"},
        {{"-I", "bad\xc0\x80"}, "client id prefix (-I) is not valid UTF-8"},
        {{"-k", "-1"}, "--keepalive"},
        {{"-k", "65536"}, "--keepalive"},
        {{"-k", "often"}, "--keepalive"},
        {{"-V", "4"}, "--protocol-version"},
        {{"-V", "mqttv4"}, "--protocol-version"},
        {{"-V", ""}, "--protocol-version"},
        {{"-u", "bad\xff"}, "user name (-u) is not valid UTF-8"},
        {{"-u", std::string(65536, 'u')}, "at most 65535"},
        {{"-P", "secret"}, "a password needs a username"},
        {{"--pw-file", dir.file("missing"), "-u", "alice"}, "No such file or directory"},
        {{"--pw-file", dir.path(), "-u", "alice"}, "it is a directory"},
        {{"--pw-file", kUnreadable, "-u", "alice"}, "cannot read password file"},
        {{"-c"}, "needs a client id"},
        {{"-D", "connect", "user-property", "k", "v", "-x", "60", "-V", "311"}, "turns it off"},
        {{"-V", "5", "-x", "soon"}, "invalid session expiry"},
        {{"-V", "5", "-x", "-2"}, "invalid session expiry"},
        {{"-V", "5", "-x", "4294967296"}, "invalid session expiry"},
        {{"--will-payload", "p"}, "need --will-topic"},
        {{"--will-retain"}, "need --will-topic"},
        {{"--will-topic", "w", "--will-qos", "3"}, "--will-qos"},
        {{"--will-topic", "w", "--will-qos", "x"}, "--will-qos"},
        {{"--will-topic", "w/#"}, "invalid will topic"},
        {{"--will-topic", "w/\xff"}, "invalid will topic"},
        {{"--will-topic", "w", "--will-payload", std::string(65536, 'w')}, "at most 65535"},
        {{"--cafile", dir.file("missing.crt")}, "No such file or directory"},
        {{"--cafile", dir.path()}, "it is a directory"},
        {{"--cafile", kUnreadable}, "cannot read --cafile"},
        {{"--capath", dir.file("missing")}, "cannot use --capath"},
        {{"--capath", plain}, "it is not a directory"},
        {{"--cert", Broker::client_cert()}, "--cert and --key must be given together"},
        {{"--key", Broker::client_key()}, "--cert and --key must be given together"},
        {{"--cert", Broker::client_cert(), "--key", dir.path()}, "it is a directory"},
        {{"--cert", Broker::client_cert(), "--key", plain}, "holds no PEM private key"},
        {{"--cert", Broker::client_cert(), "--key", Broker::client_key(), "--key-password", "x",
          "--key-password-file", empty_password},
         "excludes"},
        {{"--key-password", "x"}, "need --key"},
        {{"--key-password-file", empty_password}, "need --key"},
        {{"--tls-version", "tlsv9"}, "--tls-version"},
        {{"-D", "connect", "session-expiry-interval", "1", "-V", "311"}, "need MQTT 5"},
        {{"-i", ""}, "invalid client id"},
        {{"-A", "127.0.0.1"}, "-A (bind address) is not supported"},
        {{"--proxy", "socks5h://127.0.0.1"}, "--proxy (SOCKS5) is not supported"},
        {{"--unix", "/tmp/mosquitto.sock"}, "--unix (unix socket) is not supported"},
        {{"-S"}, "-S (DNS SRV lookup) is not supported"},
        {{"-V", "5", "-D", "connect", "no-such-property", "1"}, "unknown MQTT 5 property"},
        {{"-V", "5", "-D", "nonsense", "content-type", "x"}, "unknown command"},
        {{"-V", "5", "-D", "connect", "receive-maximum", "0"}, "must not be 0"},
        {{"-V", "5", "-D", "connect", "receive-maximum", "70000"}, "receive-maximum"},
        {{"-V", "5", "-D", "connect", "session-expiry-interval", "x"}, "session-expiry-interval"},
        {{"--connect-timeout", "0"}, "--connect-timeout"},
        {{"--connect-timeout", "-1"}, "--connect-timeout"},
        {{"--connect-timeout", "nan"}, "--connect-timeout"},
        {{"--connect-timeout", "inf"}, "--connect-timeout"},
        {{"--connect-timeout", "1e300"}, "--connect-timeout"},
        {{"--connect-timeout", "soon"}, "--connect-timeout"},
        {{"--config", dir.file("missing.toml")}, "cannot read config file"},
        {{"--config", dir.write("broken.toml", "keepalive = [\n")}, "config file"},
        {{"--config", dir.write("often.toml", "keepalive = \"often\"\n")}, "--keepalive"},
        {{"--config", dir.write("no-value.toml", "keepalive = []\n")}, "has no value"},
        {{"--config", dir.write("qos.toml", "will-qos = 7\n")}, "--will-qos"},
        {{"--config", dir.write("empty.toml", ""), "--profile", "lab"}, "no [lab] section"},
    };
}

// Runs the rows of connection_rows() through one command, with what it needs besides.
void check_connection_rows(const std::string& command, const Args& needed) {
    Broker broker;
    TempDir dir;
    std::vector<Row> rows = connection_rows(dir);
    for (auto& row : rows)
        row.args.insert(row.args.begin(), needed.begin(), needed.end());
    // An empty XDG_CONFIG_HOME: a config file of the machine's user must not fill in values.
    TempDir xdg;
    check_table(broker, command, rows, {.env = {{"XDG_CONFIG_HOME", xdg.path()}}});
}

}  // namespace

// --- the shared connection flags, through each command ---------------------------------------

TEST_CASE("bad input: connection flags of pub") {
    check_connection_rows("pub", {"-t", "t", "-m", "x"});
}

TEST_CASE("bad input: connection flags of sub") {
    check_connection_rows("sub", {"-t", "t"});
}

TEST_CASE("bad input: connection flags of echo") {
    check_connection_rows("echo", {});
}

TEST_CASE("bad input: connection flags of bench") {
    check_connection_rows("bench", {"--count", "1"});
}

// --- each command's own flags ---------------------------------------------------------------

TEST_CASE("bad input: pub flags, topics, sources and files") {
    Broker broker;
    TempDir dir;
    const std::string file = dir.write("payload", "x");
    const std::vector<Row> rows = {
        {{"-m", "x"}, "a topic is needed"},
        {{"-t", "", "-m", "x"}, "a topic is needed"},
        {{"-t", "t"}, "nothing to publish"},
        {{"-t", "a/#", "-m", "x"}, "wildcards are not allowed"},
        {{"-t", "a/+/b", "-m", "x"}, "wildcards are not allowed"},
        {{"-t", "#", "-m", "x"}, "wildcards are not allowed"},
        {{"-t", "a/\xff\xfe", "-m", "x"}, "not valid UTF-8"},
        {{"-t", "a\xc0\x80", "-m", "x"}, "not valid UTF-8"},      // overlong NUL
        {{"-t", "a\xed\xa0\x80", "-m", "x"}, "not valid UTF-8"},  // a UTF-16 surrogate
        {{"-t", std::string(65536, 't'), "-m", "x"}, "invalid topic"},
        {{"-t", "a/+", "-l"}, "wildcards are not allowed"},
        {{"-t", "t", "-m", "x", "-f", file}, "at most 1"},
        {{"-t", "t", "-m", "x", "-n"}, "at most 1"},
        {{"-t", "t", "-s", "-l"}, "at most 1"},
        {{"-t", "t", "-l", "--jsonl"}, "at most 1"},
        {{"-t", "t", "-f", dir.file("missing")}, "No such file or directory"},
        {{"-t", "t", "-f", dir.path()}, "it is a directory"},
        {{"-t", "t", "-f", kUnreadable}, "cannot read file"},
        {{"-t", "t", "-f", ""}, "cannot read file"},
        {{"-t", "t", "-m", "x", "-q", "3"}, "--qos"},
        {{"-t", "t", "-m", "x", "-q", "-1"}, "--qos"},
        {{"-t", "t", "-m", "x", "-q", "one"}, "--qos"},
        {{"-t", "t", "-m", "x", "--repeat", "0"}, "--repeat"},
        {{"-t", "t", "-m", "x", "--repeat", "-3"}, "--repeat"},
        {{"-t", "t", "-m", "x", "--repeat", "2.5"}, "--repeat"},
        {{"-t", "t", "-m", "x", "--repeat", "many"}, "--repeat"},
        {{"-t", "t", "-m", "x", "--repeat", "99999999999999999999"}, "--repeat"},
        {{"-t", "t", "-m", "x", "--repeat-delay", "-1"}, "--repeat-delay"},
        {{"-t", "t", "-m", "x", "--repeat-delay", "nan"}, "--repeat-delay"},
        {{"-t", "t", "-m", "x", "--repeat-delay", "inf"}, "--repeat-delay"},
        {{"-t", "t", "-m", "x", "--repeat-delay", "1e300"}, "--repeat-delay"},
        {{"-t", "t", "-m", "x", "--repeat-delay", "soon"}, "--repeat-delay"},
        {{"-t", "t", "-m", "x", "-M", "0"}, "--max-inflight"},
        {{"-t", "t", "-m", "x", "-M", "65536"}, "--max-inflight"},
        {{"-t", "t", "-m", "x", "-M", "lots"}, "--max-inflight"},
        {{"-t", "t", "-m", "x", "-W", "0"}, "--timeout"},
        {{"-t", "t", "-m", "x", "-W", "-5"}, "--timeout"},
        {{"-t", "t", "-m", "x", "-W", "nan"}, "--timeout"},
        {{"-t", "t", "-m", "x", "-W", "inf"}, "--timeout"},
        {{"-t", "t", "-m", "x", "-W", "1e300"}, "--timeout"},
        {{"-t", "t", "-m", "x", "-W", "later"}, "--timeout"},
        {{"-t", "t", "-m", "x", "-r", "yes"}, "yes"},  // a flag takes no value
        {{"-t", "t", "-m", "x", "-D", "publish", "content-type", "a", "-V", "311"}, "need MQTT 5"},
        {{"-t", "t", "-m", "x", "-V", "5", "-D", "publish", "topic-alias", "0"},
         "topic-alias must be 1..65535"},
        {{"-t", "t", "-m", "x", "-V", "5", "-D", "publish", "response-topic", "r/#"}, "wildcards"},
        {{"-t", "t", "-m", "x", "-V", "5", "-D", "publish", "payload-format-indicator", "2"},
         "payload-format-indicator"},
        {{"-t", "t", "-m", "x", "-V", "5", "-D", "publish", "content-type", "\xff"},
         "not valid UTF-8"},
        {{"-t", "t", "-m", "x", "-V", "5", "-D", "publish", "session-expiry-interval", "1"},
         "not allowed in"},
        {{"-L", "mqtt://127.0.0.1:" + str(broker.port()) + "/a/%23", "-m", "x"}, "wildcards"},
    };
    check_table(broker, "pub", rows);
}

TEST_CASE("bad input: sub flags, filters and formats") {
    Broker broker;
    TempDir dir;
    const std::vector<Row> rows = {
        {{}, "a filter is needed"},
        {{"-t", ""}, "it is empty"},
        {{"-t", "a/#/b"}, "'#' must be the last level"},
        {{"-t", "a#"}, "'#' must stand alone"},
        {{"-t", "a+/b"}, "'+' must stand alone"},
        {{"-t", "ok", "-t", "a/\xff"}, "not valid UTF-8"},
        {{"-t", "a", "-T", "b#"}, "invalid -T filter"},
        {{"-t", "a", "-U", "b/#/c"}, "invalid -U filter"},
        {{"-t", "a", "-q", "3"}, "--qos"},
        {{"-t", "a", "-q", "-1"}, "--qos"},
        {{"-t", "a", "-C", "0"}, "--count"},
        {{"-t", "a", "-C", "-1"}, "--count"},
        {{"-t", "a", "-C", "ten"}, "--count"},
        {{"-t", "a", "-C", "99999999999999999999"}, "--count"},
        {{"-t", "a", "-W", "0"}, "--timeout"},
        {{"-t", "a", "-W", "nan"}, "--timeout"},
        {{"-t", "a", "-W", "1e300"}, "--timeout"},
        {{"-t", "a", "-W", "soon"}, "--timeout"},
        {{"-t", "a", "-R", "--retained-only"}, "cannot be used together"},
        {{"-t", "a", "--no-local"}, "need -V 5"},
        {{"-t", "a", "--retain-handling", "1"}, "need -V 5"},
        {{"-t", "a", "-V", "5", "--retain-handling", "3"}, "--retain-handling"},
        {{"-t", "a", "-V", "5", "--retain-handling", "x"}, "--retain-handling"},
        {{"-t", "a", "-D", "subscribe", "user-property", "k", "v", "-V", "31"}, "need MQTT 5"},
        {{"-t", "a", "--random-filter", "0"}, "--random-filter"},
        {{"-t", "a", "--random-filter", "1001"}, "--random-filter"},
        {{"-t", "a", "--random-filter", "nan"}, "--random-filter"},
        {{"-t", "a", "-V", "5", "-D", "subscribe", "content-type", "x"}, "not allowed in"},
        {{"-t", "a", "--expect", "("}, "invalid --expect regular expression"},
        {{"-t", "a", "--expect", "[z-a]"}, "invalid --expect regular expression"},
        {{"-t", "a", "-F", "%"}, "invalid output format"},
        {{"-t", "a", "-F", "%Z"}, "unknown format specifier"},
        {{"-t", "a", "-F", "%p", "--json"}, "excludes"},
        {{"-t", "a", "--ready-file", dir.file("no/such/dir/ready")}, "--ready-file"},
        {{"-t", "a", "--ready-file", kUnreadable + "/ready"}, "--ready-file"},
        {{"-t", "a", "-v", "yes"}, "yes"},
    };
    check_table(broker, "sub", rows);
}

TEST_CASE("bad input: echo flags") {
    Broker broker;
    const std::vector<Row> rows = {
        {{"-t", ""}, "it is empty"},
        {{"-t", "a/#"}, "wildcards are not allowed"},
        {{"-t", "a/\xff"}, "not valid UTF-8"},
        {{"--reply-topic", "r/+"}, "invalid --reply-topic"},
        {{"-m", "x", "-n"}, "excludes"},
        {{"--delay", "-1"}, "--delay"},
        {{"--delay", "nan"}, "--delay"},
        {{"--delay", "1e300"}, "--delay"},
        {{"--delay", "slow"}, "--delay"},
        {{"-q", "3"}, "--qos"},
        {{"-C", "0"}, "--count"},
        {{"-C", "x"}, "--count"},
        {{"-W", "0"}, "--timeout"},
        {{"-W", "nan"}, "--timeout"},
        {{"-W", "inf"}, "--timeout"},
        {{"--responder"}, "--responder needs -V 5"},
        {{"-F", "%"}, "invalid output format"},
        {{"--json", "-F", "%p"}, "excludes"},
    };
    check_table(broker, "echo", rows);
}

TEST_CASE("bad input: bench flags") {
    Broker broker;
    TempDir dir;
    const std::vector<Row> rows = {
        {{"--publishers", "0"}, "--publishers"},
        {{"--publishers", "65536"}, "--publishers"},
        {{"--publishers", "x"}, "--publishers"},
        {{"--subscribers", "-1"}, "--subscribers"},
        {{"--subscribers", "some"}, "--subscribers"},
        {{"--duration", "0"}, "--duration"},
        {{"--duration", "nan"}, "--duration"},
        {{"--duration", "1e300"}, "--duration"},
        {{"--count", "0"}, "--count"},
        {{"--count", "1.5"}, "--count"},
        {{"--count", "5", "--duration", "1"}, "excludes"},
        {{"--rate", "0"}, "--rate"},
        {{"--rate", "-5"}, "--rate"},
        {{"--rate", "nan"}, "--rate"},
        {{"--rate", "inf"}, "--rate"},
        {{"--size", "8"}, "smaller than the 16-byte bench header"},
        {{"--size", "-5"}, "smaller than the 16-byte bench header"},
        {{"--size", "big"}, "--size"},
        {{"--size", "300000000"}, "larger than an MQTT payload"},
        {{"-t", "a/+/%i"}, "wildcards are not allowed"},
        {{"-t", ""}, "it is empty"},
        {{"-t", "a/%d"}, "use %i for the publisher index"},
        {{"-t", "\xff/%i"}, "not valid UTF-8"},
        {{"--warmup", "-1"}, "--warmup"},
        {{"--warmup", "nan"}, "--warmup"},
        {{"-q", "3"}, "--qos"},
        {{"-r", "yes"}, "yes"},
        {{"--pairs", "--publishers", "2", "--subscribers", "3"}, "--pairs needs"},
        {{"-M", "0"}, "--max-inflight"},
        {{"-M", "65536"}, "--max-inflight"},
        {{"--storm", "0"}, "--storm"},
        {{"--storm", "-5"}, "--storm"},
        {{"--storm", "10", "-q", "1"}, "excludes"},
        {{"--storm", "10", "--publishers", "2"}, "excludes"},
        {{"--conn-rate", "10"}, "requires --storm"},
        {{"--hold", "2"}, "requires --storm"},
        {{"--storm", "10", "--conn-rate", "nan"}, "--conn-rate"},
        {{"--storm", "10", "--conn-rate", "0"}, "--conn-rate"},
        {{"--storm", "10", "--hold", "-1"}, "--hold"},
        {{"--storm", "10", "--hold", "nan"}, "--hold"},
        {{"--shard", "3/2"}, "invalid --shard"},
        {{"--shard", "0/2"}, "invalid --shard"},
        {{"--shard", "half"}, "invalid --shard"},
        {{"--workers", "257"}, "--workers"},
        {{"--workers", "-1"}, "--workers"},
        {{"-D", "publish", "content-type", "x", "-V", "311"}, "need MQTT 5"},
        {{"merge"}, "files"},
        {{"merge", dir.file("missing.json")}, "missing.json"},
        {{"merge", dir.write("not.json", "not json")}, "not a JSON document"},
        {{"merge", dir.write("other.json", "{\"a\": 1}")}, "not a bench result"},
    };
    check_table(broker, "bench", rows);
}

TEST_CASE("bad input: a missing or unknown command, or junk around it") {
    Broker broker;
    const std::vector<std::pair<Args, std::string>> rows = {
        {{}, "subcommand"},
        {{"publish"}, "publish"},
        {{"--bogus"}, "--bogus"},
        {{"pub", "sub"}, "sub"},
        {{"bench", "merge", "--count", "1"}, "File does not exist"},
    };
    for (const auto& [args, problem] : rows) {
        const ProcessResult r = mqtk::test::mqtk(args);
        INFO("mqtk " << joined(args));
        INFO(r.describe());
        CHECK(r.exit_code == 2);
        CHECK(r.out.empty());
        CHECK(mqtk::test::is_one_error_line(r.err));
        CHECK(contains(r.err, problem));
    }
    CHECK(mqtk::test::connections_before_fence(broker) == 0);
}

// --- a client key with a passphrase -----------------------------------------------------------

namespace {

constexpr const char* kPassphrase = "correct horse battery staple";

// The test client key, encrypted: PKCS#8 ("BEGIN ENCRYPTED PRIVATE KEY", what
// `openssl genpkey -aes256` writes) or the traditional "Proc-Type: 4,ENCRYPTED" PEM.
std::string encrypted_key(const TempDir& dir, bool pkcs8) {
    const std::string out = dir.file(pkcs8 ? "pkcs8.key" : "traditional.key");
    const Args argv = pkcs8 ? Args{"openssl",
                                   "pkcs8",
                                   "-topk8",
                                   "-v2",
                                   "aes-256-cbc",
                                   "-in",
                                   Broker::client_key(),
                                   "-passout",
                                   std::string("pass:") + kPassphrase,
                                   "-out",
                                   out}
                            : Args{"openssl",
                                   "ec",
                                   "-aes256",
                                   "-in",
                                   Broker::client_key(),
                                   "-passout",
                                   std::string("pass:") + kPassphrase,
                                   "-out",
                                   out};
    const ProcessResult made = mqtk::test::run(argv, {.timeout = 30s});
    REQUIRE_MESSAGE(made.exit_code == 0, made.describe());
    return out;
}

}  // namespace

TEST_CASE("bad input: an encrypted --key needs its passphrase, then mutual TLS works") {
    Broker broker({.tls = true});
    TempDir dir;
    Observer seen(broker, {"mtls/#"});
    const std::string password_file = dir.write("key-password", std::string(kPassphrase) + "\n");
    const std::string wrong_file = dir.write("wrong-password", "wrong\n");
    // Whatever the machine's environment holds must not decide these rows.
    const RunOptions clean_env = {.unset_env = {"MQTK_KEY_PASSWORD"}};
    int published = 0;
    for (const bool pkcs8 : {true, false}) {
        CAPTURE(pkcs8);
        const std::string key = encrypted_key(dir, pkcs8);
        const Args tls = {"-h",       "127.0.0.1",
                          "-p",       str(broker.mtls_port()),
                          "--cafile", Broker::ca_file(),
                          "--cert",   Broker::client_cert(),
                          "--key",    key,
                          "-t",       "mtls/" + str(pkcs8)};
        const auto pub = [&](const Args& extra, const RunOptions& options) {
            Args argv = {"pub"};
            argv.insert(argv.end(), tls.begin(), tls.end());
            argv.insert(argv.end(), extra.begin(), extra.end());
            RunOptions bounded = options;
            bounded.timeout = 20s;
            return mqtk::test::mqtk(argv, bounded);
        };
        const std::size_t connections_before = mqtk::test::connections_before_fence(broker);
        // Without a passphrase: exit 2 before connecting, never a prompt on the terminal or
        // a "handshake failed" that blames the broker.
        const ProcessResult none = pub({"-m", "x"}, clean_env);
        INFO(none.describe());
        CHECK(none.exit_code == 2);
        CHECK(none.out.empty());
        CHECK(mqtk::test::is_one_error_line(none.err));
        CHECK(contains(none.err, "is encrypted"));
        CHECK(contains(none.err, "--key-password-file"));

        const ProcessResult wrong = pub({"-m", "x", "--key-password-file", wrong_file}, clean_env);
        INFO(wrong.describe());
        CHECK(wrong.exit_code == 2);
        CHECK(mqtk::test::is_one_error_line(wrong.err));
        CHECK(contains(wrong.err, "wrong passphrase"));

        const ProcessResult wrong_env = pub({"-m", "x"}, {.env = {{"MQTK_KEY_PASSWORD", "wrong"}}});
        INFO(wrong_env.describe());
        CHECK(wrong_env.exit_code == 2);
        CHECK(contains(wrong_env.err, "wrong passphrase"));
        // None of the three reached the broker: only the previous fence came in since.
        CHECK(mqtk::test::connections_before_fence(broker) == connections_before + 1);

        // With it, from each source: the message arrives over mutual TLS.
        const ProcessResult from_file =
            pub({"-m", "from file", "--key-password-file", password_file}, clean_env);
        INFO(from_file.describe());
        CHECK(from_file.exit_code == 0);
        CHECK(from_file.err.empty());
        const ProcessResult from_env =
            pub({"-m", "from env"}, {.env = {{"MQTK_KEY_PASSWORD", kPassphrase}}});
        INFO(from_env.describe());
        CHECK(from_env.exit_code == 0);
        const ProcessResult from_argv =
            pub({"-m", "from argv", "--key-password", kPassphrase}, clean_env);
        INFO(from_argv.describe());
        CHECK(from_argv.exit_code == 0);
        // --key-password-file beats the environment (as --pw-file beats MQTK_PASSWORD).
        const ProcessResult file_over_env =
            pub({"-m", "file over env", "--key-password-file", password_file},
                {.env = {{"MQTK_KEY_PASSWORD", "wrong"}}});
        INFO(file_over_env.describe());
        CHECK(file_over_env.exit_code == 0);
        published += 4;
        const std::string topic = "mtls/" + str(pkcs8);
        const auto lines = seen.lines(static_cast<std::size_t>(published), 10s);
        for (const char* payload : {"from file", "from env", "from argv", "file over env"}) {
            CAPTURE(payload);
            CHECK(std::find(lines.begin(), lines.end(), topic + " " + payload) != lines.end());
        }
    }
}

namespace {

// Error lines quote the user's arguments; a newline or an escape sequence in one must not
// split the line or reach the terminal raw (cli/main.cpp writes them as \n, \xNN).
TEST_CASE("bad input: an argument holding control characters still gives one plain line") {
    Broker broker;
    check_table(broker, "pub",
                {{{"-L", "mqtt://h\nx:99999/t", "-m", "x"}, "mqtt://h\\nx:99999/t"},
                 {{"-t", "t", "-m", "x", "-V", "5", "-D", "publish", "bogus\x1b[31m", "v"},
                  "bogus\\x1b[31m"}});
}

}  // namespace
