// Binds `mqtk topics`' flags into TopicsOptions and hands over to the core's listener.
#include "cli/topics.h"

#include <unistd.h>

#include "cli/terminal.h"
#include "cli/validators.h"
#include "core/connection/client.h"
#include "core/output.h"

namespace mqtk::cli {

CLI::App* setup_topics(CLI::App& app, ConnectionFlags& connection, TopicsFlags& flags) {
    auto* topics = app.add_subcommand(
        "topics", "List the topics a broker carries: counts, rates, retained, last payload");
    add_connection_flags(*topics, connection);
    auto& o = flags.options;
    topics->add_option("-t,--topic", o.filters, "Filter to listen to (repeatable; default #)");
    topics->add_option("-W,--timeout", o.window, "Listen for SECONDS (default 3)")
        ->check(positive_seconds());
    topics->add_flag("--sys", o.sys, "Also list $SYS/# (the broker's own topics)");
    topics->add_flag("--json", o.json, "One JSON object per topic (JSON Lines)");
    topics->add_option("--decode", flags.decode.name,
                       "Show each last payload decoded by CODEC as JSON (json, cbor, msgpack, "
                       "hex, base64, protobuf:FILE.proto:pkg.Msg, sparkplug)");
    topics->add_option("--proto-path", flags.decode.proto_paths,
                       "Directory of .proto imports for --decode protobuf: (repeatable)");
    return topics;
}

int run_topics(const ConnectionFlags& connection, TopicsFlags& flags) {
    auto resolved = resolve_connection(connection);
    auto& o = flags.options;
    o.decoder = payload_decoder(flags.decode);
    if (o.filters.empty() && !resolved.url_topic.empty()) o.filters.push_back(resolved.url_topic);
    // On a terminal each line is clipped to its width; a pipe gets whole lines.
    if (isatty(STDOUT_FILENO)) o.width = terminal_size(STDOUT_FILENO).columns;
    OutputSink output(STDOUT_FILENO);
    return static_cast<int>(mqtk::run_topics(resolved.options, o, make_client, output));
}

}  // namespace mqtk::cli
