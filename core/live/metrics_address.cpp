// Parses --metrics' "[ADDRESS:]PORT"; see metrics_address.h. Whether the address exists
// on this machine is for the bind to tell (core/live/metrics_endpoint.cpp).
#include "core/live/metrics_address.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace mqtk {
namespace {

int parse_port(std::string_view text, std::string_view whole) {
    const bool digits =
        !text.empty() && text.size() <= 5 && std::all_of(text.begin(), text.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c));
        });
    const int port = digits ? std::stoi(std::string(text)) : 0;
    if (port < 1 || port > 65535) {
        throw usage_error("--metrics '{}': the port must be a number from 1 to 65535", whole);
    }
    return port;
}

}  // namespace

std::string MetricsAddress::to_string() const {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

MetricsAddress parse_metrics_address(std::string_view text) {
    MetricsAddress address;
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        address.port = parse_port(text, text);
        return address;
    }
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
        if (host.find(':') == std::string_view::npos) {
            throw usage_error("--metrics '{}': brackets are for an IPv6 address", text);
        }
    } else if (host.find(':') != std::string_view::npos) {
        throw usage_error("--metrics '{}': write an IPv6 address in brackets, e.g. [::1]:9100",
                          text);
    }
    if (host.empty()) throw usage_error("--metrics '{}': the address is empty", text);
    address.host = std::string(host);
    address.port = parse_port(text.substr(colon + 1), text);
    return address;
}

}  // namespace mqtk
