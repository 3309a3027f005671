// The pacer client (see bench_pacer.h for why it exists).
#include "core/bench_pacer.h"

#include "core/bench_parallel.h"
#include "core/client.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/interrupt.h"

namespace mqtk {
namespace {

constexpr std::uint64_t kPeriodNs = 1'000'000;

}  // namespace

PahoPacer::PahoPacer(const ConnectOptions& connection, const std::string& client_id) {
    ConnectOptions options = connection;
    options.client_id = client_id;
    options.id_prefix.clear();
    options.clean_session = true;
    options.session_expiry.reset();
    options.will.reset();
    options.connect_properties.clear();
    client_ = std::make_unique<Client>(options, "bench");
    topic_ = "mqtk/bench-pacer/" + client_id;
    client_->on_message([](const Message&) {});  // arriving is all it has to do
    client_->connect();
    SubscribeRequest request;
    request.filter = topic_;
    client_->subscribe({request});
}

PahoPacer::~PahoPacer() {
    stop();
    client_->disconnect();
}

void PahoPacer::start() {
    if (running_.exchange(true)) return;
    SignalBlock block;
    thread_ = std::thread([this] {
        Message tick;
        tick.topic = topic_;
        tick.payload.assign(1, 't');  // (= "t" trips a GCC 12 -Wrestrict false positive)
        while (running_) {
            try {
                if (!client_->publish(tick, [this] { return !running_; })) return;
            } catch (const Error&) {
                return;  // the connection is gone; the run will notice on its own clients
            }
            sleep_until_ns(monotonic_ns() + kPeriodNs, nullptr);
        }
    });
}

void PahoPacer::stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
}

}  // namespace mqtk
