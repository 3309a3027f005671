// The connection flags every command shares, bound once into plain values and turned
// into core::ConnectOptions after parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/config_file.h"
#include "core/options.h"
#include "core/properties.h"

namespace mqtk::cli {

// Which of -V and the options that imply MQTT 5 (-D, -x) came last on the command line.
enum class VersionSetter { None, Protocol, ImpliesV5 };

struct ConnectionFlags {
    ConnectOptions options;
    std::string url;
    std::string protocol = "311";
    VersionSetter version_setter = VersionSetter::None;
    std::optional<std::string> client_id;  // -i: given empty is an error, as in mosquitto
    std::string password_file;
    std::string key_password_file;
    std::string psk_hex;  // --psk, decoded into options.tls.psk
    // mosquitto's OpenSSL-engine flags: accepted by the parser only to be refused by name.
    std::string tls_engine;
    std::string tls_engine_kpass_sha1;
    std::string keyform;
    std::string session_expiry;
    std::string will_topic;
    std::string will_payload;
    int will_qos = 0;
    bool will_retain = false;
    bool persistent = false;  // -c
    bool quiet = false;
    ConfigFlags config;  // --config, --profile
    std::vector<std::vector<std::string>> property_args;
    std::string unsupported;  // why a mosquitto option given (-A, --proxy...) cannot work
};

// -D arguments sorted by the packet they go in.
struct PacketProperties {
    Properties publish;
    Properties subscribe;
    Properties unsubscribe;
};

// The Receive Maximum libmosquitto puts in an MQTT 5 CONNECT unless told otherwise; pub and
// sub send it too, so the broker treats them as it treats mosquitto's clients.
inline constexpr std::uint16_t kMosquittoReceiveMaximum = 20;

struct ResolvedConnection {
    ConnectOptions options;
    PacketProperties properties;
    std::string url_topic;  // the topic of an mqtt:// URL, if any
};

void add_connection_flags(CLI::App& command, ConnectionFlags& flags);

// Applies URL, password sources, versions and -D properties; checks combinations.
// Throws mqtk::Error(Usage) with one line naming the problem.
ResolvedConnection resolve_connection(const ConnectionFlags& flags);

}  // namespace mqtk::cli
