// Binds `mqtk echo`'s flags into EchoOptions and hands over to the core echo loop.
#include "cli/echo.h"

#include <unistd.h>

#include "cli/live_flags.h"
#include "cli/sub.h"
#include "cli/validators.h"
#include "core/connection/client.h"
#include "core/output.h"

namespace mqtk::cli {

CLI::App* setup_echo(CLI::App& app, ConnectionFlags& connection, EchoFlags& flags) {
    auto* echo = app.add_subcommand("echo", "Republish what arrives: the board's loopback");
    add_connection_flags(*echo, connection);
    auto& o = flags.options;
    echo->add_option("-t,--topic", o.topic, "Topic to loop on (default foo_topic)");
    echo->add_option("-m,--message", flags.message, "First message (default hello)");
    echo->add_flag("-n,--no-message", flags.no_message, "Send no first message")
        ->excludes("--message");
    echo->add_option("--delay", o.delay, "Seconds before each republish; 0 = at once (default 1)")
        ->check(non_negative_seconds());
    echo->add_option("--reply-topic", o.reply_topic, "Republish on this topic instead (no loop)");
    echo->add_flag("--responder", o.responder,
                   "Answer MQTT 5 requests on their response topic (needs -V 5)");
    echo->add_flag("--clean", o.clean, "Start with a clean session (default: persistent)");
    echo->add_option("-q,--qos", o.qos, "QoS 0, 1 or 2 (default 0)")->check(CLI::Range(0, 2));
    echo->add_option("-C,--count", o.count, "Stop after N echoes")->check(whole_number_from(1));
    echo->add_option("-W,--timeout", o.timeout, "Stop after SECONDS")->check(positive_seconds());
    add_output_flags(*echo, o.output);
    add_live_flags(*echo, flags.live);
    return echo;
}

int run_echo(const ConnectionFlags& connection, EchoFlags& flags) {
    const auto resolved = resolve_connection(connection);
    auto& o = flags.options;
    // A topic in a -L URL stands for -t (the session policy is core's: echo_connection()).
    if (!resolved.url_topic.empty() && o.topic == kDefaultEchoTopic) o.topic = resolved.url_topic;
    o.first_message = flags.no_message ? std::nullopt : std::optional(flags.message);
    o.output.color = want_colour();
    OutputSink output(STDOUT_FILENO);
    return with_live_observers("echo", flags.live, [&](LiveHub* live) {
        return static_cast<int>(mqtk::run_echo(resolved.options, o, make_client, output, live));
    });
}

}  // namespace mqtk::cli
