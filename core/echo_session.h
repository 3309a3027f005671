// What `mqtk echo` remembers between runs: the topic (and QoS) each persistent session it
// used was subscribed to, per broker and client id, in $XDG_STATE_HOME/mqtk/echo-sessions
// (~/.local/state/mqtk/ without it). A session the broker kept is trusted to hold the
// loop's subscription only when this record says so; otherwise echo subscribes. Beside it,
// the session policy that makes such sessions: persistent, under an id stable per topic.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/echo.h"
#include "core/options.h"

namespace mqtk {

struct EchoSessionKey {
    std::string endpoint;  // "host:port" as given
    std::string client_id;
};

struct EchoSubscription {
    std::string topic;
    int qos = 0;
    bool operator==(const EchoSubscription&) const = default;
};

// The file, or empty when neither XDG_STATE_HOME nor HOME is set.
std::string echo_session_file();

// What `file` says the session `key` was subscribed to; none when unknown or unreadable.
std::optional<EchoSubscription> remembered_subscription(const std::string& file,
                                                        const EchoSessionKey& key);

// Records `subscription` for `key` (replacing its line), keeping the newest kMaxSessions
// lines. Best effort: a file that cannot be written only means subscribing next time.
void remember_subscription(const std::string& file, const EchoSessionKey& key,
                           const EchoSubscription& subscription);
// Drops the line of `key` (a clean session holds nothing).
void forget_subscription(const std::string& file, const EchoSessionKey& key);

inline constexpr std::size_t kMaxSessions = 64;

// The client id echo uses when none is given: stable across runs, so that the persistent
// session the board relies on is found again next time, and one per topic, so that a
// loop on another topic never finds a session subscribed to the first:
// mqtk_echo_<host>_<8 hex digits of the topic's FNV-1a hash>.
std::string default_echo_client_id(std::string_view topic);

// The board's session policy over what the user gave: a persistent session (unless
// --clean) under a stable id (default_echo_client_id(), unless -i or -I), never expiring
// under MQTT 5 (unless -x).
ConnectOptions echo_connection(ConnectOptions connection, const EchoOptions& options);

}  // namespace mqtk
