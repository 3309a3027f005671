// Binds `mqtk req`'s flags into ReqOptions and hands over to the core requester.
#include "cli/req.h"

#include "cli/live_flags.h"
#include "cli/sub.h"
#include "cli/validators.h"
#include "core/error.h"

namespace mqtk::cli {
namespace {

void add_source_flags(CLI::App& req, ReqFlags& flags) {
    auto* message = req.add_option("-m,--message", flags.message, "Send this request");
    auto* file = req.add_option("-f,--file", flags.file, "Send the contents of FILE");
    auto* whole =
        req.add_flag("-s,--stdin-file", flags.stdin_whole, "Send all of stdin as the request");
    auto* null =
        req.add_flag("-n,--null-message", flags.null_message, "Send a zero-length request");
    auto* sources = req.add_option_group("source", "Where the request comes from");
    sources->add_options(message, file, whole, null);
    sources->require_option(0, 1);  // "none" is reported after parsing, after unknown flags
}

PayloadSource chosen_source(const ReqFlags& flags) {
    if (flags.message) return PayloadSource::Message;
    if (flags.file) return PayloadSource::File;
    if (flags.stdin_whole) return PayloadSource::Stdin;
    if (flags.null_message) return PayloadSource::Null;
    throw usage_error("nothing to send: give one of -m, -f, -s or -n");
}

}  // namespace

CLI::App* setup_req(CLI::App& app, ConnectionFlags& connection, ReqFlags& flags) {
    auto* req =
        app.add_subcommand("req", "Request/response: publish, print the matching reply, or exit 5");
    req->alias("rr");
    flags.command = req;
    add_connection_flags(*req, connection);
    // MQTT 5 is req's default, as mosquitto_rr's: the request carries where to answer.
    req->get_option("--protocol-version")->description("31, 311 or 5 (default 5)");
    auto& o = flags.options;
    req->add_option("-t,--topic", o.topic, "Topic the request is published to");
    req->add_option("-e,--response-topic", o.response_topic,
                    "Topic the reply comes on (default: a fresh one under mqtk/req/; "
                    "needed with -V 311)");
    add_source_flags(*req, flags);
    req->add_option("-q,--qos", o.qos, "QoS of the request and the reply subscription (default 0)")
        ->check(CLI::Range(0, 2));
    req->add_flag("-R", o.skip_retained, "A retained message is never the reply");
    req->add_option("--retain-handling", flags.retain_handling,
                    "MQTT 5: retained messages on the response topic: always, new or never");
    req->add_option("-W,--timeout", o.timeout, "Exit 5 when no reply came in SECONDS (default 10)")
        ->check(positive_seconds());
    req->add_option("--count", o.count, "Send N requests one after another; round trips on stderr")
        ->check(whole_number_from(1));
    req->add_option("--interval", o.interval,
                    "Seconds between a reply and the next request (default 0)")
        ->check(non_negative_seconds());
    add_output_flags(*req, o.output);
    add_live_flags(*req, flags.live);
    return req;
}

int run_req(const ConnectionFlags& connection, ReqFlags& flags) {
    ConnectionFlags given = connection;
    // MQTT 5 unless -V says otherwise (-D and -x imply it anyway).
    if (flags.command->get_option("--protocol-version")->count() == 0) given.protocol = "5";
    auto resolved = resolve_connection(given);
    // As mosquitto_rr, which caps it at its message count, 1: one reply is awaited at a time.
    resolved.options.receive_maximum = 1;
    auto& o = flags.options;
    o.source = chosen_source(flags);
    if (flags.message) o.message = *flags.message;
    if (flags.file) o.file = *flags.file;
    if (o.topic.empty()) o.topic = resolved.url_topic;
    if (!flags.retain_handling.empty()) {
        o.retain_handling = parse_retain_handling(flags.retain_handling);
    }
    o.report_round_trips = flags.command->get_option("--count")->count() > 0;
    o.publish_properties = resolved.properties.publish;
    o.subscribe_properties = resolved.properties.subscribe;
    o.output.color = want_colour();
    return with_live_observers("req", flags.live, [&](LiveHub* live) {
        return static_cast<int>(mqtk::run_req(resolved.options, o, live));
    });
}

}  // namespace mqtk::cli
