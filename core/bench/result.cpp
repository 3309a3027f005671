// Bench results: derived figures, merging, and the JSON schema (see result.h).
#include "core/bench/result.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"

namespace mqtk {
namespace {

using nlohmann::json;

constexpr int kSchemaVersion = 1;
constexpr const char* kEndToEndRule =
    "arrivals from publishers of the subscriber's own shard (the same clock)";

template <typename T>
json optional_json(const std::optional<T>& value) {
    return value ? json(*value) : json(nullptr);
}

// Reading: every accessor names the field that is wrong, never nlohmann's exception text.
const json& field(const json& object, const char* key, const char* where) {
    if (!object.is_object()) throw usage_error("invalid bench result: {} is not an object", where);
    const auto it = object.find(key);
    if (it == object.end()) throw usage_error("invalid bench result: {}.{} is missing", where, key);
    return *it;
}

std::uint64_t count_of(const json& object, const char* key, const char* where) {
    const json& value = field(object, key, where);
    if (!value.is_number_unsigned() &&
        !(value.is_number_integer() && value.get<long long>() >= 0)) {
        throw usage_error("invalid bench result: {}.{} must be a non-negative integer", where, key);
    }
    return value.get<std::uint64_t>();
}

// A count for a field of type T: one too large for it is refused, not wrapped.
template <typename T>
T count_as(const json& object, const char* key, const char* where) {
    const std::uint64_t value = count_of(object, key, where);
    if (value > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        throw usage_error("invalid bench result: {}.{} must be at most {}", where, key,
                          std::numeric_limits<T>::max());
    }
    return static_cast<T>(value);
}

double number_of(const json& object, const char* key, const char* where) {
    const json& value = field(object, key, where);
    if (!value.is_number())
        throw usage_error("invalid bench result: {}.{} must be a number", where, key);
    return value.get<double>();
}

template <typename T>
std::optional<T> optional_of(const json& object, const char* key, const char* where) {
    const json& value = field(object, key, where);
    if (value.is_null()) return std::nullopt;
    if (!value.is_number())
        throw usage_error("invalid bench result: {}.{} must be a number or null", where, key);
    return value.get<T>();
}

std::string string_of(const json& object, const char* key, const char* where) {
    const json& value = field(object, key, where);
    if (!value.is_string())
        throw usage_error("invalid bench result: {}.{} must be a string", where, key);
    return value.get<std::string>();
}

bool bool_of(const json& object, const char* key, const char* where) {
    const json& value = field(object, key, where);
    if (!value.is_boolean())
        throw usage_error("invalid bench result: {}.{} must be true or false", where, key);
    return value.get<bool>();
}

const json& array_of(const json& object, const char* key, const char* where) {
    const json& value = field(object, key, where);
    if (!value.is_array())
        throw usage_error("invalid bench result: {}.{} must be an array", where, key);
    return value;
}

json config_to_json(const BenchConfig& c) {
    return {{"mode", c.mode},
            {"publishers", c.publishers},
            {"subscribers", c.subscribers},
            {"qos", c.qos},
            {"size", c.size},
            {"topic", c.topic},
            {"rate", optional_json(c.rate)},
            {"duration", optional_json(c.duration)},
            {"count", optional_json(c.count)},
            {"warmup", c.warmup},
            {"retain", c.retain},
            {"pairs", c.pairs},
            {"protocol", c.protocol},
            {"storm", optional_json(c.storm)},
            {"conn_rate", optional_json(c.conn_rate)},
            {"hold", c.hold}};
}

BenchConfig config_from_json(const json& j) {
    constexpr const char* where = "config";
    BenchConfig c;
    c.mode = string_of(j, "mode", where);
    if (c.mode != "messages" && c.mode != "storm") {
        throw usage_error("invalid bench result: config.mode must be \"messages\" or \"storm\"");
    }
    c.publishers = count_as<int>(j, "publishers", where);
    c.subscribers = count_as<int>(j, "subscribers", where);
    c.qos = count_as<int>(j, "qos", where);
    c.size = count_as<long>(j, "size", where);
    c.topic = string_of(j, "topic", where);
    c.rate = optional_of<double>(j, "rate", where);
    c.duration = optional_of<double>(j, "duration", where);
    c.count = optional_of<long>(j, "count", where);
    c.warmup = number_of(j, "warmup", where);
    c.retain = bool_of(j, "retain", where);
    c.pairs = bool_of(j, "pairs", where);
    c.protocol = string_of(j, "protocol", where);
    c.storm = optional_of<long>(j, "storm", where);
    c.conn_rate = optional_of<double>(j, "conn_rate", where);
    c.hold = number_of(j, "hold", where);
    return c;
}

json latency_json(const Histogram& h) {
    return {{"count", h.count()},
            {"min_ns", h.min()},
            {"p50_ns", h.value_at_percentile(50)},
            {"p90_ns", h.value_at_percentile(90)},
            {"p99_ns", h.value_at_percentile(99)},
            {"p99.9_ns", h.value_at_percentile(99.9)},
            {"max_ns", h.max()},
            {"mean_ns", h.mean()},
            {"histogram", h.to_json()}};
}

Histogram latency_from_json(const json& latency, const char* key) {
    return Histogram::from_json(field(field(latency, key, "latency"), "histogram", key));
}

double rate(std::uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

json storm_to_json(const StormTally& s) {
    return {{"requested", s.requested},
            {"connected", s.connected},
            {"failed", s.failed},
            {"dropped", s.dropped},
            {"connect_window_s", s.connect_window},
            {"connect_rate", rate(s.connected, s.connect_window)},
            {"hold_s", s.hold},
            {"disconnect_s", s.disconnect_time},
            {"memory_bytes", s.memory_bytes},
            {"memory_per_connection_bytes",
             s.connected > 0 ? s.memory_bytes / s.connected : std::uint64_t{0}}};
}

StormTally storm_from_json(const json& j) {
    constexpr const char* where = "storm";
    StormTally s;
    s.requested = count_of(j, "requested", where);
    s.connected = count_of(j, "connected", where);
    s.failed = count_of(j, "failed", where);
    s.dropped = count_of(j, "dropped", where);
    s.connect_window = number_of(j, "connect_window_s", where);
    s.hold = number_of(j, "hold_s", where);
    s.disconnect_time = number_of(j, "disconnect_s", where);
    s.memory_bytes = count_of(j, "memory_bytes", where);
    return s;
}

void merge_storm(std::optional<StormTally>& total, const std::optional<StormTally>& part) {
    if (!part) return;
    if (!total) {
        total = part;
        return;
    }
    total->requested += part->requested;
    total->connected += part->connected;
    total->failed += part->failed;
    total->dropped += part->dropped;
    total->connect_window = std::max(total->connect_window, part->connect_window);
    total->hold = std::max(total->hold, part->hold);
    total->disconnect_time = std::max(total->disconnect_time, part->disconnect_time);
    total->memory_bytes += part->memory_bytes;
}

}  // namespace

BenchConfig make_bench_config(const BenchOptions& o, ProtocolVersion version) {
    BenchConfig c;
    c.protocol = protocol_name(version);
    if (o.storm) {
        c.mode = "storm";
        c.storm = o.storm;
        c.conn_rate = o.conn_rate;
        c.hold = o.hold;
        return c;
    }
    c.publishers = o.publishers;
    c.subscribers = o.subscribers;
    c.qos = o.qos;
    c.size = o.size;
    c.topic = o.topic;
    c.rate = o.rate;
    c.duration = o.duration;
    c.count = o.count;
    c.warmup = o.warmup;
    c.retain = o.retain;
    c.pairs = o.pairs;
    return c;
}

bool BenchResult::all_shards() const {
    std::set<int> present(shards.begin(), shards.end());
    for (int k = 1; k <= shard_count; ++k) {
        if (present.count(k) == 0) return false;
    }
    return true;
}

std::vector<std::string> BenchResult::incomplete_reasons() const {
    std::vector<std::string> reasons;
    if (!all_shards()) {
        reasons.push_back(fmt::format("{} of {} shards merged", shards.size(), shard_count));
    }
    if (interrupted) reasons.push_back("interrupted");
    if (!connections_lost.empty()) {
        const auto& first = connections_lost.front();
        reasons.push_back(fmt::format(
            "{} lost {} connection{} (the first, {} {}, at {:.2f} s: {})",
            connections_lost.size() == 1 ? "1 client"
                                         : fmt::format("{} clients", connections_lost.size()),
            connections_lost.size() == 1 ? "its" : "their", connections_lost.size() == 1 ? "" : "s",
            first.role, first.index, first.at, first.cause));
    }
    if (const auto n = unsent()) {
        reasons.push_back(
            fmt::format("{} of {} messages due on the schedule were not sent", n, due));
    }
    return reasons;
}

double BenchResult::send_window_s() const {
    if (config.rate && *config.rate > 0) return static_cast<double>(due) / *config.rate;
    return send_window;
}

double BenchResult::receive_window_s() const {
    return std::max(receive_window, send_window_s());
}

double BenchResult::send_rate() const {
    return rate(sent, send_window_s());
}

double BenchResult::receive_rate() const {
    return rate(received, receive_window_s());
}

LossCause likely_loss_cause(const BenchResult& r) {
    if (!r.loss_known() || r.lost() == 0) return {};
    for (const auto& loss : r.connections_lost) {
        if (loss.role != "subscriber") continue;
        return {"connection_lost",
                fmt::format("subscriber {} lost its connection at {:.2f} s ({}): nothing sent "
                            "after that reached it",
                            loss.index, loss.at, loss.cause),
                "the broker's log, for why the connection closed"};
    }
    if (!r.connections_lost.empty()) {
        const auto& loss = r.connections_lost.front();
        return {"connection_lost",
                fmt::format("{} {} lost its connection at {:.2f} s ({}) with publishes in flight",
                            loss.role, loss.index, loss.at, loss.cause),
                "the broker's log, for why the connection closed"};
    }
    const double per_subscriber =
        r.subscribers.empty() ? 0.0 : r.receive_rate() / static_cast<double>(r.subscribers.size());
    return {"broker_queue_limit",
            fmt::format("the subscribers took {:.0f} msgs/s each while {:.0f}/s were sent: a "
                        "broker drops what it queues for a subscriber that falls behind once "
                        "the queue is full (mosquitto: max_queued_messages, default 1000)",
                        per_subscriber, r.send_rate()),
            "the broker's per-client queue limits (mosquitto: max_queued_messages, "
            "max_queued_bytes); raised, or with --rate below the received rate, nothing "
            "should be lost"};
}

std::uint64_t BenchResult::expected_arrivals() const {
    std::uint64_t all = 0;
    std::map<std::uint32_t, std::uint64_t> by_index;
    for (const auto& p : publishers) {
        all += p.sent;
        by_index[p.index] += p.sent;
    }
    std::uint64_t expected = 0;
    for (const auto& s : subscribers) {
        if (s.hears < 0) {
            expected += all;
        } else if (const auto it = by_index.find(static_cast<std::uint32_t>(s.hears));
                   it != by_index.end()) {
            expected += it->second;
        }
    }
    return expected;
}

std::uint64_t BenchResult::unique_arrivals() const {
    std::uint64_t n = 0;
    for (const auto& s : subscribers)
        n += s.unique;
    return n;
}

std::uint64_t BenchResult::lost() const {
    const std::uint64_t expected = expected_arrivals();
    const std::uint64_t unique = unique_arrivals();
    return expected > unique ? expected - unique : 0;
}

std::uint64_t BenchResult::duplicates() const {
    std::uint64_t n = 0;
    for (const auto& s : subscribers)
        n += s.duplicates;
    return n;
}

std::uint64_t BenchResult::out_of_order() const {
    std::uint64_t n = 0;
    for (const auto& s : subscribers)
        n += s.out_of_order;
    return n;
}

std::uint64_t BenchResult::error_count(const std::string& kind) const {
    const auto it = errors.find(kind);
    return it == errors.end() ? 0 : it->second.count;
}

void BenchResult::add_error(const std::string& kind, const std::string& message, std::uint64_t n) {
    auto& tally = errors[kind];
    tally.count += n;
    if (tally.example.empty()) tally.example = message;
}

void merge_bench_results(BenchResult& total, const BenchResult& part, MergeOf kind) {
    if (!(total.config == part.config)) {
        throw usage_error("cannot merge results of different runs: their bench options differ");
    }
    if (total.shard_count != part.shard_count) {
        throw usage_error("cannot merge results split into {} and into {} shards",
                          total.shard_count, part.shard_count);
    }
    // Workers of one shard share its index; shards of one run must be disjoint.
    if (kind == MergeOf::Workers) {
        if (total.shards != part.shards)
            throw usage_error("cannot merge workers of different shards");
    } else {
        for (int k : part.shards) {
            if (std::find(total.shards.begin(), total.shards.end(), k) != total.shards.end()) {
                throw usage_error("cannot merge: shard {}/{} appears twice", k, total.shard_count);
            }
        }
        total.shards.insert(total.shards.end(), part.shards.begin(), part.shards.end());
        std::sort(total.shards.begin(), total.shards.end());
    }
    total.workers += part.workers;
    total.interrupted = total.interrupted || part.interrupted;
    total.sent += part.sent;
    total.sent_total += part.sent_total;
    total.due += part.due;
    total.send_window = std::max(total.send_window, part.send_window);
    total.received += part.received;
    total.receive_window = std::max(total.receive_window, part.receive_window);
    total.publishers.insert(total.publishers.end(), part.publishers.begin(), part.publishers.end());
    total.subscribers.insert(total.subscribers.end(), part.subscribers.begin(),
                             part.subscribers.end());
    std::sort(total.publishers.begin(), total.publishers.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    std::sort(total.subscribers.begin(), total.subscribers.end(),
              [](const auto& a, const auto& b) { return a.index < b.index; });
    total.end_to_end.merge(part.end_to_end);
    total.publish_ack.merge(part.publish_ack);
    total.connect.merge(part.connect);
    total.schedule_lag.merge(part.schedule_lag);
    for (const auto& [kind, tally] : part.errors)
        total.add_error(kind, tally.example, tally.count);
    total.connections_lost.insert(total.connections_lost.end(), part.connections_lost.begin(),
                                  part.connections_lost.end());
    std::sort(total.connections_lost.begin(), total.connections_lost.end(),
              [](const auto& a, const auto& b) { return a.at < b.at; });
    merge_storm(total.storm, part.storm);
}

nlohmann::json bench_result_to_json(const BenchResult& r) {
    json publishers = json::array();
    for (const auto& p : r.publishers)
        publishers.push_back({{"index", p.index}, {"sent", p.sent}});
    json subscribers = json::array();
    for (const auto& s : r.subscribers) {
        subscribers.push_back({{"index", s.index},
                               {"hears", s.hears < 0 ? json("all") : json(s.hears)},
                               {"unique", s.unique},
                               {"duplicates", s.duplicates},
                               {"out_of_order", s.out_of_order}});
    }
    json errors = json::object();
    for (const auto& [kind, tally] : r.errors)
        errors[kind] = {{"count", tally.count}, {"example", tally.example}};

    json lost_connections = json::array();
    for (const auto& loss : r.connections_lost) {
        lost_connections.push_back(
            {{"role", loss.role}, {"index", loss.index}, {"at_s", loss.at}, {"cause", loss.cause}});
    }
    const bool open_loop = r.config.rate.has_value();
    const bool loss_known = r.loss_known();
    const LossCause cause = likely_loss_cause(r);
    json messages = {
        {"sent", r.sent},
        {"sent_total", r.sent_total},
        // Open loop only: what the schedule made due, and what of it was never sent.
        {"due", open_loop ? json(r.due) : json(nullptr)},
        {"unsent", open_loop ? json(r.unsent()) : json(nullptr)},
        {"send_window_s", r.send_window_s()},
        {"send_rate", r.send_rate()},
        {"received", r.received},
        {"receive_window_s", r.receive_window_s()},
        {"receive_rate", r.receive_rate()},
        {"duplicates", r.duplicates()},
        {"out_of_order", r.out_of_order()},
        // Unknowable from one shard of a run (null until merged) or after an interruption.
        {"expected", r.all_shards() ? json(r.expected_arrivals()) : json(nullptr)},
        {"lost", loss_known ? json(r.lost()) : json(nullptr)},
        {"loss_cause",
         cause.kind.empty()
             ? json(nullptr)
             : json{{"likely", cause.kind}, {"why", cause.why}, {"check", cause.check}}}};
    json end_to_end = latency_json(r.end_to_end);
    end_to_end["covers"] = kEndToEndRule;
    json doc = {{"mqtk_bench", kSchemaVersion},
                {"config", config_to_json(r.config)},
                {"shards", {{"count", r.shard_count}, {"included", r.shards}}},
                {"complete", r.complete()},
                {"incomplete", r.incomplete_reasons()},
                {"workers", r.workers},
                {"interrupted", r.interrupted},
                {"connections_lost", std::move(lost_connections)},
                {"messages", std::move(messages)},
                {"latency",
                 {{"end_to_end", std::move(end_to_end)},
                  {"publish_ack", latency_json(r.publish_ack)},
                  {"connect", latency_json(r.connect)},
                  {"schedule_lag", latency_json(r.schedule_lag)}}},
                {"publishers", std::move(publishers)},
                {"subscribers", std::move(subscribers)},
                {"errors", std::move(errors)}};
    if (r.storm) doc["storm"] = storm_to_json(*r.storm);
    return doc;
}

BenchResult bench_result_from_json(const nlohmann::json& j) {
    if (!j.is_object() || !j.contains("mqtk_bench")) {
        throw usage_error("not a bench result (no \"mqtk_bench\" field): write it with --json");
    }
    if (count_of(j, "mqtk_bench", "document") != kSchemaVersion) {
        throw usage_error("unsupported bench result version {} (this mqtk reads {})",
                          j["mqtk_bench"].dump(), kSchemaVersion);
    }
    BenchResult r;
    r.config = config_from_json(field(j, "config", "document"));
    const json& shards = field(j, "shards", "document");
    r.shard_count = count_as<int>(shards, "count", "shards");
    for (const json& k : array_of(shards, "included", "shards")) {
        if (!k.is_number_integer() || k.get<int>() < 1 || k.get<int>() > r.shard_count) {
            throw usage_error("invalid bench result: shards.included holds a bad shard index");
        }
        r.shards.push_back(k.get<int>());
    }
    r.workers = count_as<int>(j, "workers", "document");
    r.interrupted = bool_of(j, "interrupted", "document");
    const json& m = field(j, "messages", "document");
    r.sent = count_of(m, "sent", "messages");
    r.sent_total = count_of(m, "sent_total", "messages");
    if (m.contains("due") && !m["due"].is_null()) r.due = count_of(m, "due", "messages");
    r.send_window = number_of(m, "send_window_s", "messages");
    r.received = count_of(m, "received", "messages");
    r.receive_window = number_of(m, "receive_window_s", "messages");
    const json& latency = field(j, "latency", "document");
    r.end_to_end = latency_from_json(latency, "end_to_end");
    r.publish_ack = latency_from_json(latency, "publish_ack");
    r.connect = latency_from_json(latency, "connect");
    r.schedule_lag = latency_from_json(latency, "schedule_lag");
    for (const json& p : array_of(j, "publishers", "document")) {
        r.publishers.push_back({count_as<std::uint32_t>(p, "index", "publishers[]"),
                                count_of(p, "sent", "publishers[]")});
    }
    for (const json& s : array_of(j, "subscribers", "document")) {
        SubscriberTally t;
        t.index = count_as<std::uint32_t>(s, "index", "subscribers[]");
        const json& hears = field(s, "hears", "subscribers[]");
        t.hears = hears.is_string() ? -1 : count_as<std::int64_t>(s, "hears", "subscribers[]");
        t.unique = count_of(s, "unique", "subscribers[]");
        t.duplicates = count_of(s, "duplicates", "subscribers[]");
        t.out_of_order = count_of(s, "out_of_order", "subscribers[]");
        r.subscribers.push_back(t);
    }
    const json& errors = field(j, "errors", "document");
    if (!errors.is_object()) throw usage_error("invalid bench result: errors must be an object");
    for (const auto& [kind, tally] : errors.items()) {
        r.add_error(kind, string_of(tally, "example", "errors[]"),
                    count_of(tally, "count", "errors[]"));
    }
    if (j.contains("connections_lost")) {
        for (const json& loss : array_of(j, "connections_lost", "document")) {
            r.connections_lost.push_back(
                {string_of(loss, "role", "connections_lost[]"),
                 count_as<std::uint32_t>(loss, "index", "connections_lost[]"),
                 number_of(loss, "at_s", "connections_lost[]"),
                 string_of(loss, "cause", "connections_lost[]")});
        }
    }
    if (j.contains("storm")) r.storm = storm_from_json(j["storm"]);
    return r;
}

}  // namespace mqtk
