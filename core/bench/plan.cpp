// Topic templates, shard and worker slicing, client ids (see plan.h).
#include "core/bench/plan.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "core/error.h"
#include "core/topic.h"

namespace mqtk {
namespace {

// Below this total rate one Paho engine keeps up easily (it sustains ~30,000 QoS 1
// messages/s), so a second process would only add its start-up and memory.
constexpr double kLightRate = 5000;
// Connections per storm worker: Paho's cost per connect grows with the connections its
// process already holds (every event scans them all), so 10,000 connect in ~17 s in one
// process but in ~5 s split over two.
constexpr std::size_t kStormPerWorker = 5000;

int parse_positive(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1) return 0;
    return value;
}

}  // namespace

IndexRange split_range(std::size_t total, std::size_t parts, std::size_t part) {
    if (parts == 0 || part >= parts) return {total, 0};
    const std::size_t small = total / parts;
    const std::size_t larger = total % parts;  // the first `larger` parts get one more
    const std::size_t first = part * small + std::min(part, larger);
    return {first, small + (part < larger ? 1 : 0)};
}

Shard parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    const int index = slash == std::string_view::npos ? 0 : parse_positive(text.substr(0, slash));
    const int count = slash == std::string_view::npos ? 0 : parse_positive(text.substr(slash + 1));
    if (index == 0 || count == 0 || index > count) {
        throw usage_error("invalid --shard '{}': use K/N with 1 <= K <= N, e.g. 2/4", text);
    }
    return {index, count};
}

TopicTemplate::TopicTemplate(std::string_view text) {
    std::string piece;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            piece += text[i];
            continue;
        }
        const char next = i + 1 < text.size() ? text[i + 1] : '\0';
        if (next == '%') {
            piece += '%';
        } else if (next == 'i') {
            pieces_.push_back(std::move(piece));
            piece.clear();
            per_publisher_ = true;
        } else {
            throw usage_error("invalid --topic '{}': use %i for the publisher index, %% for '%'",
                              text);
        }
        ++i;
    }
    pieces_.push_back(std::move(piece));

    // Every level that contains an index becomes '+', so one filter hears all publishers.
    const std::string sample = topic(0);
    check_topic_name(sample, "--topic");
    std::string marked = pieces_.front();
    for (std::size_t p = 1; p < pieces_.size(); ++p) {
        marked += '\0';  // where an index goes; a valid topic holds no U+0000
        marked += pieces_[p];
    }
    for (std::size_t start = 0;;) {
        const std::size_t slash = marked.find('/', start);
        const std::string level = marked.substr(start, slash - start);
        if (start > 0) filter_ += '/';
        filter_ += level.find('\0') != std::string::npos ? std::string("+") : level;
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    check_topic_filter(filter_, "--topic filter");
}

std::string TopicTemplate::topic(std::size_t publisher) const {
    std::string result = pieces_.front();
    const std::string index = std::to_string(publisher);
    for (std::size_t p = 1; p < pieces_.size(); ++p)
        result += index + pieces_[p];
    return result;
}

ShardSlice shard_slice(const BenchOptions& options) {
    const auto parts = static_cast<std::size_t>(options.shard.count);
    const auto part = static_cast<std::size_t>(options.shard.index - 1);
    ShardSlice slice;
    if (options.storm) {
        slice.connections = split_range(static_cast<std::size_t>(*options.storm), parts, part);
        return slice;
    }
    slice.publishers = split_range(static_cast<std::size_t>(options.publishers), parts, part);
    slice.subscribers = split_range(static_cast<std::size_t>(options.subscribers), parts, part);
    return slice;
}

int choose_workers(const BenchOptions& options, const ShardSlice& slice, int cpus) {
    const std::size_t clients =
        options.storm ? slice.connections.count : slice.publishers.count + slice.subscribers.count;
    if (clients == 0) return 1;
    const auto cap = [&](std::size_t n) {
        return static_cast<int>(std::max<std::size_t>(1, std::min(n, clients)));
    };
    if (options.workers > 0) return cap(static_cast<std::size_t>(options.workers));
    if (options.storm) {
        const std::size_t wanted =
            (slice.connections.count + kStormPerWorker - 1) / kStormPerWorker;
        return cap(std::min(wanted, static_cast<std::size_t>(std::max(1, cpus))));
    }
    if (!options.storm && options.rate && *options.rate <= kLightRate) return 1;
    // One more process than CPUs: a Paho engine is held back by hand-offs between its
    // three threads more than by CPU (one process keeps about half a core busy), so the
    // extra process fills the gaps. Measured on 2 CPUs with the broker on the same
    // machine, 10 publishers x 10,000 QoS 1 messages: 29k msg/s in 1 process, 57k in 2,
    // 58k in 3, 53k in 4, 41k in 10; QoS 0: 67k, 130k, 215k, 190k, 230k; with a
    // subscriber, 3 processes were best at both QoS.
    return cap(static_cast<std::size_t>(std::max(1, cpus)) + 1);
}

std::vector<WorkerPlan> plan_workers(const BenchOptions& options, const ShardSlice& slice,
                                     int workers) {
    std::vector<WorkerPlan> plans(static_cast<std::size_t>(std::max(1, workers)));
    const std::size_t n = plans.size();
    if (options.storm) {
        const std::size_t total = static_cast<std::size_t>(*options.storm);
        for (std::size_t w = 0; w < n; ++w) {
            IndexRange range = split_range(slice.connections.count, n, w);
            range.first += slice.connections.first;
            plans[w].connections = range;
            if (options.conn_rate && total > 0) {
                plans[w].connection_rate = *options.conn_rate * static_cast<double>(range.count) /
                                           static_cast<double>(total);
            }
        }
        return plans;
    }
    std::vector<double> load(n, 0.0);
    const auto least_loaded = [&] {
        return static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    };
    // Heaviest first (subscribers), then publishers: the classic greedy that keeps the
    // largest worker within 4/3 of the best split.
    const double subscriber_load = options.pairs ? 1.0 : static_cast<double>(options.publishers);
    for (std::size_t j = slice.subscribers.first; j < slice.subscribers.end(); ++j) {
        const std::size_t w = least_loaded();
        plans[w].subscribers.push_back(static_cast<std::uint32_t>(j));
        load[w] += subscriber_load;
    }
    for (std::size_t i = slice.publishers.first; i < slice.publishers.end(); ++i) {
        const std::size_t w = least_loaded();
        plans[w].publishers.push_back(static_cast<std::uint32_t>(i));
        load[w] += 1.0;
    }
    return plans;
}

std::string bench_client_base(const std::string& client_id, const std::string& id_prefix, long pid,
                              bool sharded) {
    if (!client_id.empty()) return client_id;
    if (!id_prefix.empty()) return fmt::format("{}{}", id_prefix, pid);
    if (!sharded) return fmt::format("mqtk_bench_{}", pid);
    char host[64] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
        return fmt::format("mqtk_bench_{}", pid);
    }
    return fmt::format("mqtk_bench_{}_{}", host, pid);
}

}  // namespace mqtk
