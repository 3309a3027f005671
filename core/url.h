// The -L/--url form: mqtt[s]://[user[:pass]@]host[:port][/topic], ws[s]://host[:port][/path].
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/options.h"

namespace mqtk {

struct BrokerUrl {
    Transport transport = Transport::Tcp;
    std::string host;
    std::optional<int> port;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string topic;    // mqtt(s): the path without its leading '/', percent-decoded
    std::string ws_path;  // ws(s): the path as given, "/mqtt" when absent
};

// Throws mqtk::Error(Usage) naming what is wrong.
BrokerUrl parse_broker_url(std::string_view url);

// Applies a parsed URL to the connection options (host, port, transport, credentials).
void apply_broker_url(const BrokerUrl& url, ConnectOptions& options);

}  // namespace mqtk
