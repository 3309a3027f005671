// Plain option structs shared by every command, with the contract's defaults.
// cli/ fills them from flags; core/ consumes them. No parsing happens here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/properties.h"

namespace mqtk {

enum class ProtocolVersion { V31, V311, V5 };
// "3.1", "3.1.1" or "5", as mqtk's reports (bench --json, check) name the protocol.
constexpr const char* protocol_name(ProtocolVersion version) {
    switch (version) {
        case ProtocolVersion::V31:
            return "3.1";
        case ProtocolVersion::V5:
            return "5";
        case ProtocolVersion::V311:
            break;
    }
    return "3.1.1";
}
enum class Transport { Tcp, Tls, WebSocket, WebSocketTls };

struct WillOptions {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
};

struct TlsOptions {
    std::string cafile;
    std::string capath;
    std::string certfile;
    std::string keyfile;
    std::string key_password;
    std::string version;    // the lowest: "tlsv1.3", "tlsv1.2", "tlsv1.1"; empty: tlsv1.2
    bool insecure = false;  // skip the host-name check (never the chain's)
    bool use_os_certs = false;
    std::string psk;  // TLS-PSK key, bytes (decoded from --psk's hex); empty: none
    std::string psk_identity;
    std::string alpn;         // one ALPN protocol name, or empty
    std::string ciphers;      // OpenSSL cipher list (TLS 1.2 and below), or empty
    std::string keylog_file;  // NSS key log of the session secrets, or empty
};

struct ConnectOptions {
    std::string host = "localhost";
    std::optional<int> port;  // default depends on transport
    Transport transport = Transport::Tcp;
    std::string ws_path = "/mqtt";  // only for WebSockets

    std::string client_id;  // empty: derived from id_prefix or "mqtk_<command>_<pid>"
    std::string id_prefix;
    int keepalive = 60;
    ProtocolVersion version = ProtocolVersion::V311;

    std::optional<std::string> username;
    std::optional<std::string> password;

    bool clean_session = true;
    std::optional<std::uint32_t> session_expiry;  // MQTT 5 only
    // MQTT 5: the Receive Maximum sent in CONNECT (how many QoS 1/2 messages the broker may
    // have unacknowledged towards us), unless a -D connect receive-maximum says otherwise.
    // Unset: none is sent (the broker assumes 65535).
    std::optional<std::uint16_t> receive_maximum;

    std::optional<WillOptions> will;
    Properties will_properties;
    Properties connect_properties;
    Properties disconnect_properties;  // -D disconnect: on every command's DISCONNECT

    TlsOptions tls;
    double connect_timeout = 10.0;  // seconds until CONNACK
    int max_inflight = 20;          // capped by the broker's Receive Maximum under v5
    bool debug = false;             // protocol trace on stderr

    // Set TCP_NODELAY on the client's socket. Paho never does; without it a QoS 1
    // exchange stalls ~40 ms on Nagle + delayed ACK. Off only for idle connection storms.
    bool tcp_nodelay = true;

    int effective_port() const {
        if (port) return *port;
        switch (transport) {
            case Transport::Tcp:
                return 1883;
            case Transport::Tls:
                return 8883;
            case Transport::WebSocket:
                return 80;
            case Transport::WebSocketTls:
                return 443;
        }
        return 1883;
    }
    bool uses_tls() const {
        return transport == Transport::Tls || transport == Transport::WebSocketTls;
    }
};

// A payload codec as named on the command line (core/codec/codec.h builds it).
struct CodecChoice {
    std::string name;                      // --decode / --encode CODEC; empty: none
    std::vector<std::string> proto_paths;  // --proto-path DIR, for protobuf's imports
};

// How sub, echo and req print what arrives.
struct OutputOptions {
    bool verbose = false;               // -v: "topic payload"
    bool no_eol = false;                // -N
    std::optional<std::string> format;  // -F; an empty template prints empty lines
    bool json = false;                  // --json
    bool pretty = false;                // --pretty (with %j/%J or --json)
    bool color = false;                 // decided by cli/: a terminal and no NO_COLOR
    CodecChoice decode;                 // --decode: print the decoded value (and %v, "decoded")
};

}  // namespace mqtk
