// Parsing of broker URLs as mosquitto_pub -L takes them, plus WebSocket schemes.
#include "core/url.h"

#include <charconv>

#include "core/error.h"

namespace mqtk {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// %XX decoding for user, password and topic (so '@', ':' and '/' can be written).
std::string percent_decode(std::string_view text, std::string_view url) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) throw usage_error("invalid URL '{}': bad %-escape", url);
        const int high = hex_digit(text[i + 1]);
        const int low = hex_digit(text[i + 2]);
        if (high < 0 || low < 0) throw usage_error("invalid URL '{}': bad %-escape", url);
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

// The URL as error messages may show it: a password becomes "***", since an error line
// ends up in terminals, logs and CI output.
std::string without_password(std::string_view url) {
    const auto start = url.find("://");
    if (start == std::string_view::npos) return std::string(url);
    const auto authority_end = url.find('/', start + 3);
    const auto at = url.rfind('@', authority_end);
    if (at == std::string_view::npos || at < start) return std::string(url);
    const auto colon = url.find(':', start + 3);
    if (colon == std::string_view::npos || colon > at) return std::string(url);
    return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

struct Scheme {
    std::string_view prefix;
    Transport transport;
};
constexpr Scheme kSchemes[] = {
    {"mqtt://", Transport::Tcp},     {"tcp://", Transport::Tcp},
    {"mqtts://", Transport::Tls},    {"ssl://", Transport::Tls},
    {"ws://", Transport::WebSocket}, {"wss://", Transport::WebSocketTls},
};

}  // namespace

BrokerUrl parse_broker_url(std::string_view given) {
    const std::string url = without_password(given);  // for messages only
    BrokerUrl result;
    std::string_view rest;
    bool known = false;
    for (const auto& scheme : kSchemes) {
        if (given.substr(0, scheme.prefix.size()) == scheme.prefix) {
            result.transport = scheme.transport;
            rest = given.substr(scheme.prefix.size());
            known = true;
            break;
        }
    }
    if (!known) {
        throw usage_error("invalid URL '{}': expected mqtt://, mqtts://, ws:// or wss://", url);
    }
    const bool websocket =
        result.transport == Transport::WebSocket || result.transport == Transport::WebSocketTls;

    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);

    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = userinfo.find(':');
        result.username = percent_decode(userinfo.substr(0, colon), url);
        if (colon != std::string_view::npos) {
            result.password = percent_decode(userinfo.substr(colon + 1), url);
        }
    }

    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
        const auto close = authority.find(']');
        if (close == std::string_view::npos)
            throw usage_error("invalid URL '{}': missing ']'", url);
        result.host = authority.substr(1, close - 1);
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') throw usage_error("invalid URL '{}': bad port", url);
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        result.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (result.host.empty()) throw usage_error("invalid URL '{}': no host", url);
    if (!port_text.empty() || authority.back() == ':') {
        int port = 0;
        auto [end, ec] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
            port > 65535) {
            throw usage_error("invalid URL '{}': port must be 1..65535", url);
        }
        result.port = port;
    }

    if (websocket) {
        result.ws_path = path.empty() ? "/mqtt" : std::string(path);
    } else if (!path.empty()) {
        result.topic = percent_decode(path.substr(1), url);
    }
    return result;
}

void apply_broker_url(const BrokerUrl& url, ConnectOptions& options) {
    options.transport = url.transport;
    options.host = url.host;
    if (url.port) options.port = url.port;
    if (url.username) options.username = url.username;
    if (url.password) options.password = url.password;
    if (!url.ws_path.empty()) options.ws_path = url.ws_path;
}

}  // namespace mqtk
