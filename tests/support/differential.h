// The comparisons of the differential suite (integration/differential_test.cpp), which
// runs mqtk and the mosquitto clients on the same argv and compares what they did: the
// class of the exit (one mapping for each client, the only place where their exit codes
// meet), the packets a client sent (decoded into text with the parts that differ by
// nature - generated client ids, packet ids - normalised), docs/compatibility.md read
// as data (the deliberate differences the suite asserts), and the flag list that
// tests/differential/extract_options.py took from the mosquitto man pages.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "support/process.h"
#include "support/wire.h"

namespace mqtk::test {

// How a run ended, in terms both clients share. docs/compatibility.md ("How the
// differential suite compares") documents both mappings.
enum class ExitClass {
    Success,  // mosquitto 0; mqtk 0
    Usage,    // mosquitto 1 with an "Error: ..." about the command line; mqtk 2
    Connect,  // could not connect (refused socket, DNS, TLS); mosquitto 1/7/8/14/15; mqtk 3
    Refused,  // the broker refused CONNECT; mosquitto 2-5 or 128-255 (CONNACK code); mqtk 4
    Timeout,  // -W ran out; mosquitto 27 (MOSQ_ERR_TIMEOUT); mqtk 5
    Failure,  // anything else after connecting; mqtk 1
    Hang,     // did not end within the runner's deadline (killed by the test)
    Other,    // an exit code the mapping does not know
};

std::string to_string(ExitClass value);

// The mappings. mosquitto's exit codes are overloaded (1 is both a usage error and a
// refused socket), so its stderr decides between them.
ExitClass classify_mosquitto(const ProcessResult& result);
ExitClass classify_mqtk(const ProcessResult& result);

// How client ids in CONNECT packets are normalised: a fixed id (-i) is kept; a prefix
// (-I) keeps the prefix; a generated id becomes "<generated>".
struct IdRule {
    std::string fixed;   // -i value, or empty
    std::string prefix;  // -I value, or empty
};

// Every packet a client sent, one line each ("CONNECT v5 clean=1 keepalive=60 ..."),
// without PINGREQ (timing) and without packet identifiers; `topic_root` is replaced by
// "{t}" wherever it appears, so two runs with their own topics compare equal.
std::vector<std::string> describe_packets(const std::vector<MqttPacket>& packets, const IdRule& ids,
                                          const std::string& topic_root);

// A row of docs/compatibility.md's table: its first cell (the key cases refer to) and
// the whole line, for messages.
struct CompatibilityRow {
    std::string key;
    std::string line;
};
std::vector<CompatibilityRow> read_compatibility_table(const std::string& path);

// tests/differential/mosquitto_options.txt: tool ("pub", "sub", "rr") -> flags, each
// as its names ({"-c", "--disable-clean-session"}).
std::map<std::string, std::vector<std::vector<std::string>>> read_mosquitto_options(
    const std::string& path);

// The source tree (the MQTK_SOURCE_DIR compile definition), for the files above.
std::string source_dir();

}  // namespace mqtk::test
