// Binds `mqtk check`'s flags into CheckOptions and hands over to the core's probes.
#include "cli/check.h"

#include "cli/sub.h"
#include "cli/validators.h"

namespace mqtk::cli {

CLI::App* setup_check(CLI::App& app, ConnectionFlags& connection, CheckFlags& flags) {
    auto* check = app.add_subcommand(
        "check", "Prove a broker works: round trips, retain, wildcards, will, session");
    add_connection_flags(*check, connection);
    auto& o = flags.options;
    check->add_option("-t,--topic", o.prefix,
                      "Topic prefix to probe under (default mqtk/check/<client id>)");
    check->add_option("-W,--timeout", o.timeout, "Exit 5 after SECONDS in all (default 10)")
        ->check(positive_seconds());
    check->add_option("--require", flags.require,
                      "Also require these checks: qos2,retain,wildcard,shared,will,session,v5 "
                      "or all (default: connect, qos0, qos1)");
    check->add_flag("--deep", o.deep, "Also measure the longest topic, payload and client id");
    check->add_flag("--json", o.json, "Print one JSON document instead of the table");
    return check;
}

int run_check(const ConnectionFlags& connection, CheckFlags& flags) {
    const auto resolved = resolve_connection(connection);
    auto& o = flags.options;
    o.required = parse_require_list(flags.require);
    // A topic in a -L URL stands for -t, as in the other commands.
    if (o.prefix.empty()) o.prefix = resolved.url_topic;
    o.quiet = connection.quiet;
    o.colour = want_colour();
    return static_cast<int>(mqtk::run_check(resolved.options, o));
}

}  // namespace mqtk::cli
