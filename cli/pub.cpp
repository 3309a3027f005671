// Binds `mqtk pub`'s flags into PubOptions and hands over to the core publisher.
#include "cli/pub.h"

#include <unistd.h>

#include "cli/validators.h"
#include "core/connection/client.h"
#include "core/error.h"

namespace mqtk::cli {

CLI::App* setup_pub(CLI::App& app, ConnectionFlags& connection, PubFlags& flags) {
    auto* pub = app.add_subcommand("pub", "Publish one message, a file, or a stream of lines");
    add_connection_flags(*pub, connection);
    auto& o = flags.options;
    pub->add_option("-t,--topic", o.topic, "Topic to publish to");
    auto* message = pub->add_option("-m,--message", flags.message, "Send this message");
    auto* file = pub->add_option("-f,--file", flags.file, "Send the contents of FILE");
    auto* whole =
        pub->add_flag("-s,--stdin-file", flags.stdin_whole, "Send all of stdin as one message");
    auto* lines = pub->add_flag("-l,--stdin-line", flags.stdin_lines, "Send each line of stdin");
    auto* null =
        pub->add_flag("-n,--null-message", flags.null_message, "Send a zero-length message");
    auto* jsonl = pub->add_flag("--jsonl", flags.jsonl,
                                "Replay JSON Lines from stdin (the schema sub --json writes)");
    auto* sources = pub->add_option_group("source", "Where the payload comes from");
    sources->add_options(message, file, whole, lines, null, jsonl);
    sources->require_option(0, 1);  // "none" is reported after parsing, after unknown flags
    pub->add_option("-q,--qos", o.qos, "QoS 0, 1 or 2 (default 0)")->check(CLI::Range(0, 2));
    pub->add_flag("-r,--retain", o.retain, "Ask the broker to retain the message");
    pub->add_option("--repeat", o.repeat, "Publish the message N times")
        ->check(whole_number_from(1));
    pub->add_option("--repeat-delay", o.repeat_delay, "Seconds between repeats")
        ->check(non_negative_seconds());
    pub->add_option("-M,--max-inflight", connection.options.max_inflight,
                    "Unacknowledged QoS 1/2 messages at once (default 20)")
        ->check(CLI::Range(1, 65535));
    pub->add_option("-W,--timeout", flags.timeout, "Give up after SECONDS (exit 5)")
        ->check(positive_seconds());
    pub->add_option("--encode", o.encode.name,
                    "Read the message as JSON and publish its CODEC encoding (json, cbor, "
                    "msgpack, hex, base64, ...)");
    pub->add_option("--proto-path", o.encode.proto_paths,
                    "Directory of .proto imports for --encode protobuf: (repeatable)");
    return pub;
}

int run_pub(const ConnectionFlags& connection, PubFlags& flags) {
    auto resolved = resolve_connection(connection);
    // As mosquitto_pub, whose library sends its default of 20 whatever -M says (-M bounds
    // what it sends, not what it receives).
    resolved.options.receive_maximum = kMosquittoReceiveMaximum;
    auto& o = flags.options;
    if (flags.message) {
        o.source = PayloadSource::Message;
        o.message = *flags.message;
    } else if (flags.file) {
        o.source = PayloadSource::File;
        o.file = *flags.file;
    } else if (flags.stdin_whole) {
        o.source = PayloadSource::Stdin;
    } else if (flags.stdin_lines) {
        o.source = PayloadSource::StdinLines;
    } else if (flags.null_message) {
        o.source = PayloadSource::Null;
    } else if (flags.jsonl) {
        o.source = PayloadSource::JsonLines;
    } else {
        throw usage_error("nothing to publish: give one of -m, -f, -s, -l, -n or --jsonl");
    }
    // Each record names its topic; a -t that silently did nothing would mislead.
    if (o.source == PayloadSource::JsonLines && !o.topic.empty()) {
        throw usage_error("--jsonl takes each record's topic: -t cannot be used with it");
    }
    if (o.topic.empty() && o.source != PayloadSource::JsonLines) o.topic = resolved.url_topic;
    if (o.topic.empty() && o.source != PayloadSource::JsonLines) {
        throw usage_error("a topic is needed: -t TOPIC (or a topic in -L)");
    }
    o.properties = resolved.properties.publish;
    o.timeout = flags.timeout;
    return static_cast<int>(mqtk::run_pub(resolved.options, o, make_client, STDIN_FILENO));
}

}  // namespace mqtk::cli
