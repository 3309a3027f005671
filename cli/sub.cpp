// Binds `mqtk sub`'s flags into SubOptions and hands over to the core subscriber.
#include "cli/sub.h"

#include <unistd.h>

#include <cstdlib>

#include "cli/live_flags.h"
#include "cli/terminal.h"
#include "cli/validators.h"
#include "core/connection/client.h"
#include "core/output.h"
#include "core/topics.h"

namespace mqtk::cli {

void add_output_flags(CLI::App& command, OutputOptions& output) {
    const std::string group = "Output";
    command.add_flag("-v,--verbose", output.verbose, "Print 'topic payload'")->group(group);
    command.add_flag("-N", output.no_eol, "Do not add an end of line after each message")
        ->group(group);
    command.add_option("-F,--format", output.format, "Format each message (see OUTPUT FORMAT)")
        ->group(group);
    command.add_flag("--pretty", output.pretty, "Pretty-print JSON output (%j, %J, --json)")
        ->group(group);
    command
        .add_flag("--json", output.json, "One JSON object per message (replayable by pub --jsonl)")
        ->group(group)
        ->excludes("--format");
    command
        .add_option("--decode", output.decode.name,
                    "Print each payload decoded by CODEC as JSON (json, cbor, msgpack, hex, "
                    "base64, ...)")
        ->group(group);
    command
        .add_option("--proto-path", output.decode.proto_paths,
                    "Directory of .proto imports for --decode protobuf: (repeatable)")
        ->group(group);
}

bool want_colour() {
    const char* no_colour = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && (no_colour == nullptr || *no_colour == '\0');
}

CLI::App* setup_sub(CLI::App& app, ConnectionFlags& connection, SubFlags& flags) {
    auto* sub = app.add_subcommand("sub", "Print messages as they arrive");
    add_connection_flags(*sub, connection);
    auto& o = flags.options;
    sub->add_option("-t,--topic", o.filters, "Filter to subscribe to (repeatable)");
    sub->add_option("-T,--filter-out", o.filters_out, "Do not print topics matching this filter");
    sub->add_option("-U,--unsubscribe", o.unsubscribe,
                    "Unsubscribe from this filter after connecting");
    sub->add_option("-q,--qos", o.qos, "Subscription QoS 0, 1 or 2 (default 0)")
        ->check(CLI::Range(0, 2));
    sub->add_option("-C,--count", o.count, "Exit after N messages")->check(whole_number_from(1));
    sub->add_option("-W,--timeout", o.timeout, "Exit 5 after SECONDS unless done")
        ->check(positive_seconds());
    sub->add_option("--random-filter", o.random_filter,
                    "Print each message with this chance, in percent (0.1 to 100)")
        ->check(random_filter_chance());
    sub->add_flag("-R,--no-retained", o.skip_retained, "Do not print retained messages");
    sub->add_flag("--retained-only", o.retained_only,
                  "Print only retained messages; exit at the first live one");
    sub->add_flag("--remove-retained", o.remove_retained, "Clear each retained message received");
    sub->add_flag("-E,--exit-after-subscribe", o.exit_after_subscribe,
                  "Exit once the subscriptions are acknowledged");
    sub->add_flag("--no-local", o.no_local, "MQTT 5: do not receive our own publishes");
    sub->add_flag("--retain-as-published", o.retain_as_published,
                  "MQTT 5: keep the retain flag as published");
    sub->add_option("--retain-handling", o.retain_handling,
                    "MQTT 5: 0 send retained, 1 only for new subscriptions, 2 never")
        ->check(CLI::Range(0, 2));
    sub->add_option("--expect", o.expect, "Exit 0 at the first payload matching REGEX");
    sub->add_option("--ready-file", o.ready_file, "Create PATH once subscribed");
    sub->add_flag("-w,--watch", flags.watch,
                  "One line per topic, updated in place (a terminal only; see mqtk topics)");
    add_output_flags(*sub, o.output);
    sub->add_flag("--message-rate", o.message_rate,
                  "Print the number of messages received each second instead of the messages")
        ->group("Output");
    add_live_flags(*sub, flags.live);
    return sub;
}

namespace {

// The flags that print messages or act on each one have no place in the watch's table.
void check_watch_flags(const SubOptions& o) {
    const std::pair<bool, const char*> refused[] = {
        {o.output.format.has_value(), "-F"},
        {o.output.json, "--json"},
        {o.output.pretty, "--pretty"},
        {o.expect.has_value(), "--expect"},
        {o.retained_only, "--retained-only"},
        {o.remove_retained, "--remove-retained"},
        {o.exit_after_subscribe, "-E"},
        {!o.ready_file.empty(), "--ready-file"},
        {o.random_filter < 100, "--random-filter"},
    };
    for (const auto& [given, flag] : refused) {
        if (given) throw usage_error("--watch cannot be used with {}", flag);
    }
    // Checked before connecting: a pipe or a file gets no screen to draw on.
    if (!isatty(STDOUT_FILENO)) {
        throw usage_error("--watch needs a terminal on stdout; on a pipe use 'mqtk topics'");
    }
}

int run_watch(ResolvedConnection resolved, SubOptions& o) {
    check_watch_flags(o);
    WatchScreen screen(STDOUT_FILENO, payload_decoder(o.output.decode));
    return static_cast<int>(mqtk::run_watch(resolved.options, o, make_client, screen));
}

}  // namespace

int run_sub(const ConnectionFlags& connection, SubFlags& flags) {
    auto resolved = resolve_connection(connection);
    auto& o = flags.options;
    // As mosquitto_sub: its library's default of 20, or -C when smaller, so that the broker
    // does not push more than -C messages at a time.
    resolved.options.receive_maximum = kMosquittoReceiveMaximum;
    if (o.count && *o.count > 0 && *o.count < kMosquittoReceiveMaximum) {
        resolved.options.receive_maximum = static_cast<std::uint16_t>(*o.count);
    }
    if (o.filters.empty() && !resolved.url_topic.empty()) o.filters.push_back(resolved.url_topic);
    o.subscribe_properties = resolved.properties.subscribe;
    o.unsubscribe_properties = resolved.properties.unsubscribe;
    o.output.color = want_colour();
    if (flags.watch) return run_watch(std::move(resolved), o);
    OutputSink output(STDOUT_FILENO);
    return with_live_observers("sub", flags.live, [&](LiveHub* live) {
        return static_cast<int>(mqtk::run_sub(resolved.options, o, make_client, output, live));
    });
}

}  // namespace mqtk::cli
