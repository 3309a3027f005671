// LiveFigures as JSON and their sum (see figures_json.h).
#include "core/live/figures_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace mqtk {
namespace {

using nlohmann::json;

// The counters, by the names the --json result and the stream use.
template <typename Figures, typename Visit>
void each_counter(Figures& f, Visit&& visit) {
    visit("sent", f.sent);
    visit("received", f.received);
    visit("lost", f.lost);
    visit("duplicates", f.duplicated);
    visit("out_of_order", f.out_of_order);
    visit("connections_up", f.connections_up);
    visit("connections_lost", f.connections_lost);
    visit("reconnected", f.reconnected);
}

}  // namespace

json live_figures_to_json(const LiveFigures& figures) {
    json j = {{"command", figures.command}};
    each_counter(figures, [&](const char* key, std::uint64_t value) { j[key] = value; });
    json latencies = json::object();
    for (const auto& [name, histogram] : figures.latencies)
        latencies[name] = histogram.to_json();
    j["latencies"] = std::move(latencies);
    return j;
}

LiveFigures live_figures_from_json(const json& j) {
    if (!j.is_object() || !j.contains("command") || !j["command"].is_string()) {
        throw usage_error("invalid live figures: not an object with a command");
    }
    LiveFigures figures;
    figures.command = j["command"].get<std::string>();
    each_counter(figures, [&](const char* key, std::uint64_t& value) {
        const auto it = j.find(key);
        if (it == j.end() || !it->is_number_unsigned()) {
            throw usage_error("invalid live figures: '{}' must be a non-negative integer", key);
        }
        value = it->get<std::uint64_t>();
    });
    const auto latencies = j.find("latencies");
    if (latencies == j.end() || !latencies->is_object()) {
        throw usage_error("invalid live figures: 'latencies' must be an object");
    }
    for (const auto& [name, histogram] : latencies->items())
        figures.latencies.emplace_back(name, Histogram::from_json(histogram));
    return figures;
}

void add_live_figures(LiveFigures& total, const LiveFigures& part) {
    if (total.command.empty()) total.command = part.command;
    total.sent += part.sent;
    total.received += part.received;
    total.lost += part.lost;
    total.duplicated += part.duplicated;
    total.out_of_order += part.out_of_order;
    total.connections_up += part.connections_up;
    total.connections_lost += part.connections_lost;
    total.reconnected += part.reconnected;
    for (const auto& [name, histogram] : part.latencies) {
        const auto same = std::find_if(total.latencies.begin(), total.latencies.end(),
                                       [&](const auto& l) { return l.first == name; });
        if (same == total.latencies.end()) {
            total.latencies.emplace_back(name, histogram);
        } else {
            same->second.merge(histogram);
        }
    }
}

}  // namespace mqtk
