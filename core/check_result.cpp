// Telling a check's result: --require parsing, the verdict, the table and the JSON
// document. Pure functions of a CheckReport, so the unit tests cover them without a broker.
#include "core/check_result.h"

#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace mqtk {
namespace {

using Json = nlohmann::ordered_json;

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

bool requirable(std::string_view name) {
    return std::find(std::begin(kRequirableChecks), std::end(kRequirableChecks), name) !=
           std::end(kRequirableChecks);
}

void add_required(std::string_view item, std::set<std::string>& required) {
    const std::string name = trim(item);
    if (name == "all") {
        required.insert(std::begin(kRequirableChecks), std::end(kRequirableChecks));
        return;
    }
    if (!requirable(name)) {
        throw usage_error(
            "--require: unknown check '{}': use qos2, retain, wildcard, shared, will, session, v5 "
            "or all",
            name);
    }
    required.insert(name);
}

// "ok", "FAILED" (a required check: the exit code says so), "no" (a capability the
// broker lacks, not required), "skipped".
std::string_view result_word(const CheckEntry& entry) {
    if (entry.ok) return "ok";
    if (entry.required) return "FAILED";
    return entry.skipped ? "skipped" : "no";
}

std::string_view result_colour(const CheckEntry& entry) {
    if (entry.ok) return "\033[32m";
    return entry.required ? "\033[31m" : "";
}

Json property_value(const Property& property) {
    switch (property_type(property.id)) {
        case PropertyType::Utf8:
        case PropertyType::Binary:
            return property.text;
        case PropertyType::Pair:
            return Json::array({property.text, property.value});
        default:
            return property.number;
    }
}

Json properties_json(const Properties& properties) {
    Json object = Json::object();
    for (const auto& property : properties) {
        const std::string name(property_name(property.id));
        if (property.id == PropertyId::UserProperty) {
            if (!object.contains(name)) object[name] = Json::array();
            object[name].push_back(property_value(property));
        } else {
            object[name] = property_value(property);
        }
    }
    return object;
}

Json entry_json(const CheckEntry& entry) {
    Json json = {{"name", entry.name}, {"ok", entry.ok}, {"required", entry.required}};
    if (entry.skipped) {
        json["skipped"] = true;
        json["reason"] = *entry.skipped;
    } else if (!entry.ok) {
        json["error"] = entry.summary;
    }
    for (const auto& figure : entry.figures) {
        std::visit([&](const auto& value) { json[figure.key] = value; }, figure.value);
    }
    if (!entry.properties.empty()) json["properties"] = properties_json(entry.properties);
    return json;
}

}  // namespace

std::set<std::string> parse_require_list(const std::vector<std::string>& lists) {
    std::set<std::string> required(std::begin(kDefaultRequired), std::end(kDefaultRequired));
    for (const auto& list : lists) {
        std::string_view rest = list;
        for (;;) {
            const auto comma = rest.find(',');
            add_required(rest.substr(0, comma), required);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return required;
}

CheckVerdict check_verdict(const CheckReport& report) {
    if (!report.timed_out.empty()) return {ExitCode::Timeout, report.timed_out};
    std::string failed;
    for (const auto& entry : report.checks) {
        if (!entry.required || entry.ok) continue;
        if (!failed.empty()) failed += "; ";
        failed += fmt::format("{}: {}", entry.name, entry.skipped ? *entry.skipped : entry.summary);
    }
    if (failed.empty()) return {};
    return {ExitCode::Failure, "required check failed: " + failed};
}

std::string describe_properties(const Properties& properties) {
    std::string out;
    for (const auto& property : properties) {
        if (!out.empty()) out += ", ";
        out += property_name(property.id);
        switch (property_type(property.id)) {
            case PropertyType::Utf8:
            case PropertyType::Binary:
                out += " " + property.text;
                break;
            case PropertyType::Pair:
                out += fmt::format(" {}={}", property.text, property.value);
                break;
            default:
                out += fmt::format(" {}", property.number);
        }
    }
    return out;
}

LimitSearch search_limit(std::size_t low, std::size_t high,
                         const std::function<bool(std::size_t)>& works, int max_tries) {
    LimitSearch search;
    const auto attempt = [&](std::size_t n) {
        ++search.tries;
        return works(n);
    };
    if (attempt(high)) return {high, true, true, search.tries};
    if (low >= high || !attempt(low)) return {0, false, true, search.tries};
    std::size_t good = low;
    std::size_t bad = high;
    while (bad - good > 1 && search.tries < max_tries) {
        const std::size_t middle = good + (bad - good) / 2;
        (attempt(middle) ? good : bad) = middle;
    }
    return {good, true, bad - good <= 1, search.tries};
}

std::string format_check_table(const CheckReport& report, bool colour) {
    std::size_t width = std::string_view("check").size();
    for (const auto& entry : report.checks)
        width = std::max(width, entry.name.size());
    std::string out =
        fmt::format("{} over {}, MQTT {}, client {}, {:.1f} ms\n", report.endpoint,
                    report.transport, report.protocol, report.client_id, report.elapsed_ms);
    out += fmt::format("{:<{}}  {:<7} {}\n", "check", width, "result", "figure");
    for (const auto& entry : report.checks) {
        const std::string_view word = result_word(entry);
        const std::string_view paint = colour ? result_colour(entry) : "";
        // The padding outside the escape sequences, so that columns line up either way.
        const std::string padding(7 - word.size(), ' ');
        out += fmt::format("{:<{}}  {}{}{}{} {}\n", entry.name, width, paint, word,
                           paint.empty() ? "" : "\033[0m", padding,
                           entry.skipped ? *entry.skipped : entry.summary);
    }
    return out;
}

std::string check_report_json(const CheckReport& report) {
    Json json;
    json["ok"] = check_verdict(report).code == ExitCode::Success;
    json["connection"] = {{"endpoint", report.endpoint},
                          {"transport", report.transport},
                          {"protocol", report.protocol},
                          {"client_id", report.client_id},
                          {"prefix", report.prefix}};
    json["elapsed_ms"] = report.elapsed_ms;
    if (!report.timed_out.empty()) json["timed_out"] = report.timed_out;
    json["checks"] = Json::array();
    for (const auto& entry : report.checks)
        json["checks"].push_back(entry_json(entry));
    // A broker's malformed string (a reason string, say) must not break the document.
    return json.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace mqtk
