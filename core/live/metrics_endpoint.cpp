// The --metrics HTTP server over cpp-httplib (Debian's libcpp-httplib: the header only
// declares, the library is compiled, so this is the one file that includes httplib.h and
// it costs little to build). See metrics_endpoint.h.
#include "core/live/metrics_endpoint.h"

#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/live/prometheus.h"

namespace mqtk {
namespace {

// Two threads answer, so that a second scraper (curl beside Prometheus) is not queued
// behind the first; each connection carries one request and closes, and every wait is
// bounded by a second, so that stopping at exit never waits on an idle or stuck client
// for longer than that.
constexpr std::size_t kThreads = 2;
constexpr time_t kTimeoutSeconds = 1;

// getaddrinfo's word for a host that does not resolve, before the bind tries it.
void check_resolves(const MetricsAddress& address) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* result = nullptr;
    const std::string port = std::to_string(address.port);
    const int status = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &result);
    if (status != 0) {
        throw usage_error("--metrics {}: cannot use the address: {}", address.to_string(),
                          ::gai_strerror(status));
    }
    ::freeaddrinfo(result);
}

}  // namespace

MetricsEndpoint::MetricsEndpoint(const MetricsAddress& address, const LiveHub& hub,
                                 std::string command)
    : hub_(hub), command_(std::move(command)), server_(std::make_unique<httplib::Server>()) {
    check_resolves(address);
    server_->new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
    server_->set_keep_alive_max_count(1);
    server_->set_keep_alive_timeout(kTimeoutSeconds);
    server_->set_read_timeout(kTimeoutSeconds);
    server_->set_write_timeout(kTimeoutSeconds);
    server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
        response.set_content(page(), std::string(kPrometheusContentType));
    });
    errno = 0;
    if (!server_->bind_to_port(address.host, address.port)) {
        const int error = errno;
        throw usage_error("--metrics {}: cannot listen: {}", address.to_string(),
                          error != 0 ? std::strerror(error) : "the address cannot be bound");
    }
}

MetricsEndpoint::~MetricsEndpoint() {
    stop();
}

void MetricsEndpoint::start() {
    if (thread_.joinable()) return;
    thread_ = std::thread([this] {
        server_->listen_after_bind();
        listening_done_ = true;
    });
}

void MetricsEndpoint::stop() {
    if (!thread_.joinable()) return;
    // httplib's stop() does nothing until listen_after_bind() has marked the server
    // running, so wait for that (or for the listen to have given up).
    while (!server_->is_running() && !listening_done_)
        std::this_thread::yield();
    server_->stop();
    thread_.join();
}

std::string MetricsEndpoint::page() const {
    std::optional<LiveFigures> figures = hub_.figures();
    if (!figures) {
        figures.emplace();  // before the engine attached: zeros, so every series starts at 0
    }
    if (figures->command.empty()) figures->command = command_;
    return render_prometheus(*figures);
}

}  // namespace mqtk
