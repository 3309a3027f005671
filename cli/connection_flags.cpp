// Binding and resolution of the shared connection flags (contract: "Connection options").
// Names and meanings follow mosquitto_pub/mosquitto_sub 2.0 so scripts port unchanged.
#include "cli/connection_flags.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string_view>

#include "cli/validators.h"
#include "core/connection/client.h"  // check_private_key()
#include "core/error.h"
#include "core/notice.h"
#include "core/topic.h"
#include "core/url.h"
#include "core/utf8.h"

namespace mqtk::cli {
namespace {

ProtocolVersion parse_protocol(const std::string& text) {
    if (text == "31" || text == "mqttv31") return ProtocolVersion::V31;
    if (text == "311" || text == "mqttv311") return ProtocolVersion::V311;
    if (text == "5" || text == "mqttv5") return ProtocolVersion::V5;
    throw usage_error("unknown protocol version '{}': use 31, 311 or 5", text);
}

// -x takes 0..4294967294, or -1 / 4294967295 / ∞ for "never expires", as mosquitto.
std::uint32_t parse_session_expiry(const std::string& text) {
    if (text == "-1" || text == "∞") return std::numeric_limits<std::uint32_t>::max();
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || text[0] == '-' ||
        value > std::numeric_limits<std::uint32_t>::max()) {
        throw usage_error("invalid session expiry '{}': use 0..4294967295 or -1", text);
    }
    return static_cast<std::uint32_t>(value);
}

// A file named on the command line: it must exist, not be a directory (std::ifstream
// opens one and reads it as empty), and give its first byte. Only regular files are read
// from here: a pipe (--pw-file <(pass show mqtt)) would lose what is read.
void check_readable_file(const std::string& path, std::string_view what) {
    struct stat info {};
    if (stat(path.c_str(), &info) != 0 || access(path.c_str(), R_OK) != 0) {
        throw usage_error("cannot read {} '{}': {}", what, path, std::strerror(errno));
    }
    if (S_ISDIR(info.st_mode)) {
        throw usage_error("cannot read {} '{}': it is a directory", what, path);
    }
    if (!S_ISREG(info.st_mode)) return;
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    char byte = 0;
    const bool readable = fd >= 0 && read(fd, &byte, 1) >= 0;
    const int error = errno;
    if (fd >= 0) close(fd);
    if (!readable) throw usage_error("cannot read {} '{}': {}", what, path, std::strerror(error));
}

std::string read_password_file(const std::string& path, std::string_view what) {
    check_readable_file(path, what);
    std::ifstream file(path);
    if (!file) throw usage_error("cannot read {} '{}'", what, path);
    std::string password;
    if (!std::getline(file, password) && file.bad()) {
        throw usage_error("cannot read {} '{}'", what, path);
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    return password;
}

void add_property(const std::vector<std::string>& args, ConnectOptions& options,
                  PacketProperties& properties) {
    if (args.size() < 3) throw usage_error("-D needs a command, a property name and a value");
    const auto kind = packet_kind_from_name(args[0]);
    if (!kind) throw usage_error("-D: unknown command '{}'", args[0]);
    const bool pair = property_from_name(args[1]) == PropertyId::UserProperty;
    if (args.size() != (pair ? 4u : 3u)) {
        throw usage_error("-D {} {}: expected {} value(s)", args[0], args[1], pair ? 2 : 1);
    }
    Property property = parse_property_argument(*kind, args[1], args[2], pair ? args[3] : "");
    switch (*kind) {
        case PacketKind::Connect:
            options.connect_properties.push_back(std::move(property));
            break;
        case PacketKind::Will:
            options.will_properties.push_back(std::move(property));
            break;
        case PacketKind::Publish:
            properties.publish.push_back(std::move(property));
            break;
        case PacketKind::Subscribe:
            properties.subscribe.push_back(std::move(property));
            break;
        case PacketKind::Unsubscribe:
            properties.unsubscribe.push_back(std::move(property));
            break;
        case PacketKind::Disconnect:
            options.disconnect_properties.push_back(std::move(property));
            break;
        case PacketKind::Auth:
            throw usage_error("-D auth properties are not supported");
    }
}

// As mosquitto's clients: a property other than user-property given twice for one packet
// is refused (MQTT 5 allows it once), rather than sent and refused by the broker.
void check_no_duplicates(const Properties& properties, std::string_view command) {
    for (std::size_t i = 0; i < properties.size(); ++i) {
        const PropertyId id = properties[i].id;
        if (id == PropertyId::UserProperty) continue;
        for (std::size_t j = i + 1; j < properties.size(); ++j) {
            if (properties[j].id == id) {
                throw usage_error("-D {} {} given twice: MQTT 5 allows it once", command,
                                  property_name(id));
            }
        }
    }
}

void check_no_duplicates(const ConnectOptions& options, const PacketProperties& properties) {
    check_no_duplicates(options.connect_properties, "connect");
    check_no_duplicates(options.will_properties, "will");
    check_no_duplicates(options.disconnect_properties, "disconnect");
    check_no_duplicates(properties.publish, "publish");
    check_no_duplicates(properties.subscribe, "subscribe");
    check_no_duplicates(properties.unsubscribe, "unsubscribe");
}

void check_mqtt_string(const std::string& text, std::string_view what, bool utf8) {
    if (text.size() > 65535) {
        throw usage_error("the {} is {} bytes long: MQTT allows at most 65535", what, text.size());
    }
    if (utf8 && !is_valid_utf8(text)) throw usage_error("the {} is not valid UTF-8", what);
}

void resolve_credentials(const ConnectionFlags& flags, ConnectOptions& options) {
    if (!options.password) {
        if (!flags.password_file.empty()) {
            options.password = read_password_file(flags.password_file, "password file");
        } else if (const char* env = std::getenv("MQTK_PASSWORD"); env && options.username) {
            options.password = env;  // only with a username: the variable may be set globally
        }
    }
    if (options.password && !options.username && options.version != ProtocolVersion::V5) {
        throw usage_error("a password needs a username (-u) before MQTT 5");
    }
    // MQTT strings: UTF-8 (the password is binary data), at most 65,535 bytes. Paho would
    // find out only while connecting, and blame the broker address.
    if (options.username) check_mqtt_string(*options.username, "user name (-u)", true);
    if (options.password) check_mqtt_string(*options.password, "password", false);
}

void resolve_will(const ConnectionFlags& flags, ConnectOptions& options) {
    if (flags.will_topic.empty()) {
        // As mosquitto, which accepts a lone --will-qos (it sets nothing without a topic).
        if (!flags.will_payload.empty() || flags.will_retain) {
            throw usage_error("--will-payload and --will-retain need --will-topic");
        }
        return;
    }
    check_topic_name(flags.will_topic, "will topic");
    check_mqtt_string(flags.will_payload, "will payload", false);
    options.will =
        WillOptions{flags.will_topic, flags.will_payload, flags.will_qos, flags.will_retain};
}

// --psk: hex digits, as mosquitto reads them (an odd count has an implied leading 0).
std::string decode_psk(const std::string& hex) {
    if (hex.empty() || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
        throw usage_error("--psk must be the key in hexadecimal digits");
    }
    const std::string digits = hex.size() % 2 ? "0" + hex : hex;
    std::string key;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        key.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    }
    constexpr std::size_t kMaxKey = 256;  // OpenSSL's PSK_MAX_PSK_LEN is 512; mosquitto's 256
    if (key.size() > kMaxKey) throw usage_error("--psk is longer than {} bytes", kMaxKey);
    return key;
}

// OpenSSL engines (hardware keys) are mosquitto's own loading of the key; Paho 1.3.12
// loads --key as a PEM file only.
void refuse_engine_flags(const ConnectionFlags& flags) {
    const char* why = "Paho loads keys from PEM files only, without OpenSSL engines";
    if (!flags.tls_engine.empty()) throw usage_error("--tls-engine is not supported: {}", why);
    if (!flags.tls_engine_kpass_sha1.empty()) {
        throw usage_error("--tls-engine-kpass-sha1 is not supported: {}", why);
    }
    if (!flags.keyform.empty() && flags.keyform != "pem") {
        throw usage_error("--keyform {} is not supported: {}", flags.keyform, why);
    }
}

void resolve_psk(const ConnectionFlags& flags, TlsOptions& tls) {
    if (flags.psk_hex.empty()) {
        if (!tls.psk_identity.empty()) throw usage_error("--psk-identity needs --psk");
        return;
    }
    if (tls.psk_identity.empty()) throw usage_error("--psk needs --psk-identity");
    if (!tls.cafile.empty() || !tls.capath.empty() || !tls.certfile.empty()) {
        throw usage_error("--psk excludes --cafile, --capath and --cert");  // as mosquitto
    }
    constexpr std::size_t kMaxIdentity = 128;  // OpenSSL's PSK_MAX_IDENTITY_LEN
    if (tls.psk_identity.size() > kMaxIdentity) {
        throw usage_error("--psk-identity is longer than {} bytes", kMaxIdentity);
    }
    tls.psk = decode_psk(flags.psk_hex);
}

// mosquitto 2.1 appends to the key log; here it is opened (and created, for the owner
// only) before connecting, so that a path that cannot be written is a usage error.
void check_keylog_file(const std::string& path) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) throw usage_error("cannot write --tls-keylog '{}': {}", path, std::strerror(errno));
    close(fd);
}

void resolve_tls(ConnectOptions& options, bool from_url) {
    const auto& tls = options.tls;
    const bool asked = !tls.cafile.empty() || !tls.capath.empty() || tls.use_os_certs ||
                       !tls.certfile.empty() || tls.insecure || !tls.psk.empty();
    // As mosquitto: giving a CA (or any TLS option) to a plain host:port switches TLS on.
    if (asked && !from_url) options.transport = Transport::Tls;
    if (!tls.keylog_file.empty()) check_keylog_file(tls.keylog_file);
    if (tls.certfile.empty() != tls.keyfile.empty()) {
        throw usage_error("--cert and --key must be given together");
    }
    if (!tls.cafile.empty()) check_readable_file(tls.cafile, "--cafile");
    if (!tls.certfile.empty()) check_readable_file(tls.certfile, "--cert");
    if (!tls.keyfile.empty()) check_readable_file(tls.keyfile, "--key");
    if (!tls.capath.empty()) {
        struct stat info {};
        if (stat(tls.capath.c_str(), &info) != 0) {
            throw usage_error("cannot use --capath '{}': {}", tls.capath, std::strerror(errno));
        }
        if (!S_ISDIR(info.st_mode)) {
            throw usage_error("cannot use --capath '{}': it is not a directory", tls.capath);
        }
    }
}

// The passphrase of --key: --key-password, else --key-password-file, else the environment
// (MQTK_KEY_PASSWORD), so that it need not appear in argv. Checked against the key here,
// before connecting (see check_private_key() in core/connection/client.h).
void resolve_key_password(const ConnectionFlags& flags, TlsOptions& tls) {
    const bool given = !tls.key_password.empty() || !flags.key_password_file.empty();
    if (tls.keyfile.empty()) {
        if (given) throw usage_error("--key-password and --key-password-file need --key");
        return;
    }
    if (tls.key_password.empty() && !flags.key_password_file.empty()) {
        tls.key_password = read_password_file(flags.key_password_file, "key password file");
    } else if (const char* env = std::getenv("MQTK_KEY_PASSWORD"); env && !given) {
        tls.key_password = env;
    }
    check_private_key(tls.keyfile, tls.key_password);
}

// The MQTT version. -D and -x switch to MQTT 5 (-D as mosquitto 2.0, -x as mosquitto 2.1);
// a -V after them on the command line switches back, as in mosquitto, where the last of
// them wins. Under that -V, a -D property is refused: mosquitto would connect without it
// and silently not publish. A -x is only ignored, as there.
ProtocolVersion resolve_version(const ConnectionFlags& flags) {
    const ProtocolVersion given = parse_protocol(flags.protocol);
    const bool implied = !flags.property_args.empty() || !flags.session_expiry.empty();
    if (!implied || given == ProtocolVersion::V5) return given;
    if (flags.version_setter != VersionSetter::Protocol) return ProtocolVersion::V5;
    if (!flags.property_args.empty()) {
        throw usage_error("-D properties need MQTT 5, and -V {} after them turns it off",
                          flags.protocol);
    }
    notice("warning: -x is ignored: -V {} after it turns MQTT 5 off", flags.protocol);
    return given;
}

// Records which of -V, -D and -x came last on the command line (see resolve_version).
// Options from a config file are applied later and are not in the parse order.
void track_version_setter(CLI::App& command, ConnectionFlags& flags) {
    const CLI::Option* protocol = command.get_option("--protocol-version");
    const CLI::Option* property = command.get_option("--property");
    const CLI::Option* expiry = command.get_option("--session-expiry");
    command.parse_complete_callback([&command, &flags, protocol, property, expiry] {
        for (const CLI::Option* option : command.parse_order()) {
            if (option == protocol) flags.version_setter = VersionSetter::Protocol;
            if (option == property || option == expiry) {
                flags.version_setter = VersionSetter::ImpliesV5;
            }
        }
    });
}

// mosquitto's options that Paho MQTT C 1.3.12 gives no way to honour. They are known, so
// that the user hears why instead of CLI11's "not expected" about the option's value;
// hidden from --help. The first one given is reported by resolve_connection().
void add_unsupported_flags(CLI::App& command, ConnectionFlags& flags) {
    const auto refuse = [&flags](std::string why) {
        return [&flags, why = std::move(why)](const std::string&) {
            if (flags.unsupported.empty()) flags.unsupported = why;
        };
    };
    command
        .add_option_function<std::string>(
            "-A", refuse("-A (bind address) is not supported: Paho MQTT C has no way to bind the "
                         "client socket"))
        ->group("");
    command
        .add_option_function<std::string>(
            "--proxy", refuse("--proxy (SOCKS5) is not supported: Paho MQTT C has no SOCKS "
                              "proxy support"))
        ->group("");
    command
        .add_option_function<std::string>(
            "--unix", refuse("--unix (unix socket) is not supported: Paho MQTT C connects over "
                             "TCP only"))
        ->group("");
    command
        .add_flag_callback("-S",
                           [&flags] {
                               if (flags.unsupported.empty()) {
                                   flags.unsupported =
                                       "-S (DNS SRV lookup) is not supported: Paho MQTT C has no "
                                       "SRV lookup; give the broker with -h and -p";
                               }
                           })
        ->group("");
}

}  // namespace

void add_connection_flags(CLI::App& command, ConnectionFlags& flags) {
    auto& o = flags.options;
    const std::string group = "Connection";
    command.add_option("-h,--host", o.host, "Broker host (default localhost)")->group(group);
    command.add_option("-p,--port", o.port, "Broker port (default 1883, 8883 with TLS)")
        ->check(CLI::Range(1, 65535))
        ->group(group);
    command
        .add_option("-L,--url", flags.url,
                    "mqtt[s]://[user[:pass]@]host[:port][/topic] or ws[s]://host[:port][/path]")
        ->group(group);
    command.add_option("-i,--id", flags.client_id, "Client id (default mqtk_<command>_<pid>)")
        ->group(group);
    command.add_option("-I,--id-prefix", o.id_prefix, "Client id prefix; the pid is appended")
        ->excludes("--id")
        ->group(group);
    // mosquitto's clients refuse a keep-alive below 5 s; so do we (drop-in).
    command
        .add_option("-k,--keepalive", o.keepalive, "Keep-alive in seconds, 5..65535 (default 60)")
        ->check(CLI::Range(5, 65535))
        ->group(group);
    command
        .add_option("-V,--protocol-version", flags.protocol,
                    "31, 311 or 5 (default 311; 5 with -D or -x)")
        ->check(CLI::IsMember({"31", "311", "5", "mqttv31", "mqttv311", "mqttv5"}))
        ->group(group);
    command.add_option("-u,--username", o.username, "User name")->group(group);
    command.add_option("-P,--pw", o.password, "Password (see also --pw-file, MQTK_PASSWORD)")
        ->group(group);
    command
        .add_option("--pw-file", flags.password_file, "Read the password from FILE's first line")
        ->group(group);
    command
        .add_flag("-c,--disable-clean-session", flags.persistent,
                  "Keep a persistent session (needs -i)")
        ->group(group);
    command
        .add_option("-x,--session-expiry", flags.session_expiry,
                    "MQTT 5 session expiry in seconds; -1 never expires (implies -V 5)")
        ->group(group);
    command.add_option("--will-topic", flags.will_topic, "Last will topic")->group(group);
    command.add_option("--will-payload", flags.will_payload, "Last will payload")->group(group);
    command.add_option("--will-qos", flags.will_qos, "Last will QoS")
        ->check(CLI::Range(0, 2))
        ->group(group);
    command.add_flag("--will-retain", flags.will_retain, "Retain the last will")->group(group);
    const std::string tls = "TLS";
    command.add_option("--cafile", o.tls.cafile, "CA certificates (PEM) to verify the broker")
        ->group(tls);
    command.add_option("--capath", o.tls.capath, "Directory of CA certificates")->group(tls);
    command.add_option("--cert", o.tls.certfile, "Client certificate (PEM)")->group(tls);
    command.add_option("--key", o.tls.keyfile, "Client private key (PEM)")->group(tls);
    command.add_option("--key-password", o.tls.key_password, "Passphrase of --key")->group(tls);
    command
        .add_option("--key-password-file", flags.key_password_file,
                    "Read the passphrase of --key from FILE's first line (see MQTK_KEY_PASSWORD)")
        ->excludes("--key-password")
        ->group(tls);
    command
        .add_option("--ciphers", o.tls.ciphers,
                    "OpenSSL cipher list for TLS 1.2 and below (see openssl-ciphers(1))")
        ->group(tls);
    command.add_option("--psk", flags.psk_hex, "TLS-PSK key in hexadecimal (needs --psk-identity)")
        ->group(tls);
    command.add_option("--psk-identity", o.tls.psk_identity, "TLS-PSK identity")->group(tls);
    command.add_option("--tls-alpn", o.tls.alpn, "ALPN protocol to offer, e.g. mqtt")->group(tls);
    command
        .add_option("--tls-keylog", o.tls.keylog_file,
                    "Append the TLS secrets to FILE (NSS key log format, for Wireshark)")
        ->group(tls);
    // Hidden (no group): there only to be refused by name, see refuse_engine_flags().
    command.add_option("--tls-engine", flags.tls_engine)->group("");
    command.add_option("--tls-engine-kpass-sha1", flags.tls_engine_kpass_sha1)->group("");
    command.add_option("--keyform", flags.keyform)->group("");
    command
        .add_flag("--insecure", o.tls.insecure,
                  "Skip the host-name check (the certificate chain is still verified)")
        ->group(tls);
    command
        .add_option("--tls-version", o.tls.version,
                    "Lowest TLS version: tlsv1.3, tlsv1.2 (default) or tlsv1.1")
        ->check(CLI::IsMember({"tlsv1.3", "tlsv1.2", "tlsv1.1"}))
        ->group(tls);
    command.add_flag("--tls-use-os-certs", o.tls.use_os_certs, "Trust the system's CAs")
        ->group(tls);
    command
        .add_option("-D,--property", flags.property_args,
                    "MQTT 5 property: CMD NAME VALUE (user-property: CMD user-property K V); "
                    "implies -V 5")
        ->expected(3, 4)
        ->group(group);
    command
        .add_option("--connect-timeout", o.connect_timeout,
                    "Seconds to wait for CONNACK (default 10)")
        ->check(positive_seconds())
        ->group(group);
    command.add_flag("-d,--debug", o.debug, "Print a protocol trace on stderr")->group(group);
    command.add_flag("--quiet", flags.quiet, "Print no error messages")->group(group);
    command.add_flag("--nodelay")
        ->description("Accepted for mosquitto compatibility: always on")
        ->group(group);
    add_config_flags(command, flags.config);
    add_unsupported_flags(command, flags);
    track_version_setter(command, flags);
}

ResolvedConnection resolve_connection(const ConnectionFlags& flags) {
    if (!flags.unsupported.empty()) throw usage_error("{}", flags.unsupported);
    ResolvedConnection resolved;
    auto& options = resolved.options;
    options = flags.options;
    // mosquitto refuses an empty -i ("Invalid id"), though MQTT 3.1.1 would let the broker
    // assign one: a script that passes an unset variable learns of it.
    if (flags.client_id) {
        if (flags.client_id->empty()) throw usage_error("invalid client id: -i ''");
        options.client_id = *flags.client_id;
    }
    options.version = resolve_version(flags);
    options.clean_session = !flags.persistent;
    if (!flags.url.empty()) {
        const BrokerUrl url = parse_broker_url(flags.url);
        apply_broker_url(url, options);
        resolved.url_topic = url.topic;
    }
    resolve_credentials(flags, options);
    resolve_will(flags, options);
    refuse_engine_flags(flags);
    resolve_psk(flags, options.tls);
    resolve_tls(options, !flags.url.empty());
    resolve_key_password(flags, options.tls);
    for (const auto& args : flags.property_args)
        add_property(args, options, resolved.properties);
    check_no_duplicates(options, resolved.properties);

    const bool v5 = options.version == ProtocolVersion::V5;
    if (!flags.session_expiry.empty()) {
        const std::uint32_t expiry = parse_session_expiry(flags.session_expiry);
        // mosquitto adds -x to the -D connect properties and refuses the duplicate.
        if (v5 && find_property(options.connect_properties, PropertyId::SessionExpiryInterval)) {
            throw usage_error(
                "-x and -D connect session-expiry-interval both set the session expiry: give one");
        }
        if (v5) options.session_expiry = expiry;
    } else if (v5 && !options.clean_session) {
        options.session_expiry = std::numeric_limits<std::uint32_t>::max();  // as mosquitto
    }
    if (!options.clean_session && options.client_id.empty() && options.id_prefix.empty()) {
        throw usage_error("-c/--disable-clean-session needs a client id (-i)");
    }
    check_mqtt_string(options.client_id, "client id (-i)", true);
    check_mqtt_string(options.id_prefix, "client id prefix (-I)", true);
    return resolved;
}

}  // namespace mqtk::cli
