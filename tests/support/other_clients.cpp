// mosquitto_sub/pub, MQTT.js and Paho's Python client as outside clients (see
// other_clients.h). mosquitto_sub prints its messages with -F %j and its SUBACK with -d;
// the two scripts print one JSON object per message and "subscribed G..." on stderr.
#include "support/other_clients.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "support/other_brokers.h"

namespace mqtk::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-paho-mqtt is

std::string paho_script() {
    return interop_support_dir() + "/paho_client.py";
}

std::string mqttjs_script() {
    return interop_npm_dir() + "/mqttjs_client.mjs";
}

std::string unique_id(std::string_view kind) {
    static std::atomic<int> next{0};
    return "mqtk-interop-" + std::string(kind) + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(++next);
}

std::string dpkg_version(const std::string& package) {
    const ProcessResult r = run({"dpkg-query", "-W", "-f=${Version}", package}, {.timeout = 10s});
    return r.exit_code == 0 ? r.out : "not installed";
}

// The arguments the two scripts share: --host --port --version --qos.
std::vector<std::string> script_args(const Endpoint& broker, int version, int qos) {
    std::vector<std::string> args = {"--host", broker.host, "--port", std::to_string(broker.port)};
    args.insert(args.end(), {"--version", std::to_string(version), "--qos", std::to_string(qos)});
    return args;
}

std::vector<std::string> subscriber_argv(OutsideClient client, const Endpoint& broker,
                                         const OutsideSubscription& s) {
    std::vector<std::string> argv;
    switch (client) {
        case OutsideClient::Mosquitto:
            // -d prints the SUBACK, -F %j each message as JSON; stdbuf, because -d lines
            // are not flushed when stdout is a pipe.
            argv = {"stdbuf", "-oL", "mosquitto_sub", "-d", "-F", "%j"};
            argv.insert(argv.end(), {"-h", broker.host, "-p", std::to_string(broker.port)});
            argv.insert(argv.end(), {"-V", s.version == 5 ? "mqttv5" : "mqttv311"});
            argv.insert(argv.end(),
                        {"-q", std::to_string(s.qos), "-i", unique_id("mosquitto_sub")});
            for (const auto& f : s.filters)
                argv.insert(argv.end(), {"-t", f});
            return argv;
        case OutsideClient::MqttJs:
            argv = {"node",      mqttjs_script(), "sub", "--id", unique_id("mqttjs"),
                    "--timeout", "3600"};
            break;
        case OutsideClient::Paho:
            argv = {kPython, paho_script(), "sub", "--id", unique_id("paho"), "--timeout", "3600"};
            break;
    }
    const auto common = script_args(broker, s.version, s.qos);
    argv.insert(argv.end(), common.begin(), common.end());
    for (const auto& f : s.filters)
        argv.insert(argv.end(), {"--topic", f});
    return argv;
}

std::vector<int> numbers(const std::string& text) {
    std::vector<int> result;
    static const std::regex number(R"(\d+)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), number);
         it != std::sregex_iterator(); ++it) {
        result.push_back(std::stoi(it->str()));
    }
    return result;
}

// The granted QoS list once the SUBACK was reported, else empty.
std::vector<int> reported_grant(OutsideClient client, std::string_view out, std::string_view err) {
    std::smatch m;
    const std::string text(client == OutsideClient::Mosquitto ? out : err);
    static const std::regex mosquitto(R"(Subscribed \(mid: \d+\): ([0-9, ]+)\n)");
    static const std::regex scripts(R"((?:^|\n)subscribed ([0-9 ]+)\n)");
    if (std::regex_search(text, m, client == OutsideClient::Mosquitto ? mosquitto : scripts)) {
        return numbers(m[1]);
    }
    return {};
}

std::string join(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& a : argv)
        text += (text.empty() ? "" : " ") + a;
    return text;
}

Delivery delivery_from(const nlohmann::json& j, OutsideClient client) {
    Delivery d;
    d.topic = j.value("topic", "");
    d.payload = j.value("payload", "");
    d.qos = j.value("qos", -1);
    if (client == OutsideClient::Mosquitto) {
        d.retain = j.value("retain", 0) != 0;
        if (j.contains("properties")) {
            const auto& p = j["properties"];
            if (p.contains("user-properties")) {
                for (const auto& [k, v] : p["user-properties"].items())
                    d.user_properties.emplace_back(k, v.get<std::string>());
            }
            d.content_type = p.value("content-type", "");
        }
    } else {
        d.retain = j.value("retain", false);
        for (const auto& pair : j.value("user_properties", nlohmann::json::array()))
            d.user_properties.emplace_back(pair.at(0).get<std::string>(),
                                           pair.at(1).get<std::string>());
        if (j.contains("content_type") && j["content_type"].is_string())
            d.content_type = j["content_type"].get<std::string>();
    }
    return d;
}

}  // namespace

std::string client_name(OutsideClient client) {
    switch (client) {
        case OutsideClient::Mosquitto:
            return "mosquitto_sub/pub";
        case OutsideClient::MqttJs:
            return "MQTT.js";
        case OutsideClient::Paho:
            return "paho-mqtt (Python)";
    }
    return "?";
}

std::string client_version(OutsideClient client) {
    switch (client) {
        case OutsideClient::Mosquitto:
            return dpkg_version("mosquitto-clients");
        case OutsideClient::MqttJs: {
            std::ifstream in(interop_npm_dir() + "/node_modules/mqtt/package.json");
            const auto manifest = nlohmann::json::parse(in, nullptr, false);
            return manifest.is_object() ? manifest.value("version", "unknown") : "unknown";
        }
        case OutsideClient::Paho:
            return dpkg_version("python3-paho-mqtt");
    }
    return "?";
}

OutsideSubscriber::OutsideSubscriber(OutsideClient client, Endpoint broker,
                                     OutsideSubscription subscription)
    : client_(client), argv_(subscriber_argv(client, broker, subscription)), process_(argv_) {
    const bool subscribed = process_.wait_until(
        [&](std::string_view out, std::string_view err) {
            granted_ = reported_grant(client_, out, err);
            return !granted_.empty();
        },
        30s);
    if (!subscribed) {
        throw std::runtime_error("OutsideSubscriber: no SUBACK within 30 s: " + diagnostics());
    }
}

std::vector<Delivery> OutsideSubscriber::parse(const std::string& out) const {
    std::vector<Delivery> result;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        if (lines.eof() || !line.starts_with("{")) continue;  // incomplete, or a -d line
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object()) result.push_back(delivery_from(j, client_));
    }
    return result;
}

std::vector<Delivery> OutsideSubscriber::deliveries(std::size_t at_least,
                                                    std::chrono::milliseconds timeout) {
    if (at_least > 0) {
        // The predicate runs under the Process's lock: read the output it is given.
        process_.wait_until(
            [&](std::string_view out, std::string_view) {
                return parse(std::string(out)).size() >= at_least;
            },
            timeout);
    }
    return parse(process_.stdout_so_far());
}

std::string OutsideSubscriber::diagnostics() const {
    return client_name(client_) + " (" + join(argv_) + "), stdout:\n" + process_.stdout_so_far() +
           "stderr:\n" + process_.stderr_so_far();
}

ProcessResult outside_publish(OutsideClient client, const Endpoint& broker,
                              const OutsidePublish& m) {
    const bool v5 = m.version == 5;
    const std::string port = std::to_string(broker.port);
    const std::string qos = std::to_string(m.qos);
    std::vector<std::string> argv;
    if (client == OutsideClient::Mosquitto) {
        argv = {"mosquitto_pub", "-h", broker.host, "-p", port, "-q", qos, "-t", m.topic};
        argv.insert(argv.end(), {"-m", m.payload, "-V", v5 ? "mqttv5" : "mqttv311"});
        argv.insert(argv.end(), {"-i", unique_id("mosquitto_pub")});
        if (m.retain) argv.push_back("-r");
        for (const auto& [k, v] : m.user_properties)
            argv.insert(argv.end(), {"-D", "publish", "user-property", k, v});
        if (!m.content_type.empty())
            argv.insert(argv.end(), {"-D", "publish", "content-type", m.content_type});
        return run(argv, {.timeout = 20s});
    }
    if (client == OutsideClient::MqttJs && !v5) {
        // MQTT.js's own command line tool.
        argv = {
            interop_npm_dir() + "/node_modules/.bin/mqtt", "pub", "-h", broker.host, "-p", port};
        argv.insert(argv.end(), {"-q", qos, "-t", m.topic, "-m", m.payload});
        argv.insert(argv.end(), {"-i", unique_id("mqtt-cli")});
        if (m.retain) argv.push_back("-r");
        return run(argv, {.timeout = 20s});
    }
    if (client == OutsideClient::MqttJs) {
        argv = {"node", mqttjs_script(), "pub", "--id", unique_id("mqttjs")};
    } else {
        argv = {kPython, paho_script(), "pub", "--id", unique_id("paho")};
    }
    const auto common = script_args(broker, m.version, m.qos);
    argv.insert(argv.end(), common.begin(), common.end());
    argv.insert(argv.end(), {"--topic", m.topic, "--message", m.payload, "--timeout", "15"});
    if (m.retain) argv.push_back("--retain");
    for (const auto& [k, v] : m.user_properties)
        argv.insert(argv.end(), {"--user-property", k + "=" + v});
    if (!m.content_type.empty()) argv.insert(argv.end(), {"--content-type", m.content_type});
    return run(argv, {.timeout = 20s});
}

}  // namespace mqtk::test
