// Where --metrics listens, from "[ADDRESS:]PORT": the port alone means loopback only
// (127.0.0.1), an address names the interface ("0.0.0.0" for all IPv4 ones), an IPv6
// address goes in brackets ("[::1]:9100", "[::]:9100").
#pragma once

#include <string>
#include <string_view>

namespace mqtk {

struct MetricsAddress {
    std::string host = "127.0.0.1";
    int port = 0;

    std::string to_string() const;  // "127.0.0.1:9100", "[::1]:9100"
};

// Throws Error(Usage) saying what is wrong: no port, a port outside 1..65535, an empty
// address, an IPv6 address without its brackets.
MetricsAddress parse_metrics_address(std::string_view text);

}  // namespace mqtk
