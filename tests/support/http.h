// A minimal HTTP/1.0 GET over loopback, for the tests of the --metrics endpoint and of the
// Prometheus server that scrapes it: no client library, no curl.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace mqtk::test {

struct HttpResponse {
    int status = 0;
    std::string headers;  // the header lines, as sent
    std::string body;
};

// GET http://127.0.0.1:port<path>; nothing when no connection or no complete answer came
// within the timeout.
std::optional<HttpResponse> http_get(int port, const std::string& path,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

// "a b" -> "a%20b": for a PromQL query in a URL.
std::string url_encode(const std::string& text);

}  // namespace mqtk::test
