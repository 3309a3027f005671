// mqtk's entry point: build the command line, parse it, run the chosen command, and map
// every outcome to the contract's exit codes in this one place.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "cli/bench.h"
#include "cli/check.h"
#include "cli/config_file.h"
#include "cli/connection_flags.h"
#include "cli/echo.h"
#include "cli/pub.h"
#include "cli/req.h"
#include "cli/sub.h"
#include "cli/topics.h"
#include "core/connection/client.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/notice.h"

namespace {

using mqtk::ExitCode;

// The words argv[1] may be to name one command (an alias too): see run().
constexpr std::array<std::string_view, 8> kCommandWords = {"pub", "sub", "echo",  "bench",
                                                           "req", "rr",  "check", "topics"};

// An Error without a message (an interrupt) ends the run without a word. The message is
// one line whatever it quotes: a control character in a user's argument (a newline in a
// URL, an escape sequence in a property) is written as \n, \xNN.
void print_error(const char* message, bool quiet) {
    if (quiet || *message == '\0') return;
    std::string line;
    for (const char* c = message; *c != '\0'; ++c) {
        const auto byte = static_cast<unsigned char>(*c);
        if (byte == '\n') {
            line += "\\n";
        } else if (byte < 0x20 || byte == 0x7f) {
            line += fmt::format("\\x{:02x}", byte);
        } else {
            line += *c;
        }
    }
    std::fprintf(stderr, "mqtk: %s\n", line.c_str());
}

// CLI11's own exit codes are 100+; the contract wants 2 for every usage error, and 0 for
// --help and --version.
int usage_exit(const CLI::App& app, const CLI::ParseError& error) {
    if (error.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
        app.exit(error);  // prints the help or version text on stdout
        return 0;
    }
    std::string message = error.what();
    if (const auto newline = message.find('\n'); newline != std::string::npos) {
        message.resize(newline);
    }
    // "mqtk publish" or "mqtk --bogus": CLI11 only says a subcommand is required; name the
    // word it could not place, which is the actual mistake.
    if (app.get_subcommands().empty() && !app.remaining().empty()) {
        message =
            fmt::format("unknown command '{}': use pub, sub, echo, bench, req, check or topics",
                        app.remaining().front());
    }
    std::fprintf(stderr, "mqtk: %s (see mqtk --help)\n", message.c_str());
    return static_cast<int>(ExitCode::Usage);
}

int run(int argc, char** argv) {
    CLI::App app{"mqtk: a command-line MQTT toolkit (pub, sub, echo, bench, req, check, topics)",
                 "mqtk"};
    app.set_help_flag("--help", "Print this help and exit");  // -h is the host, as mosquitto
    app.set_version_flag("--version",
                         std::string("mqtk " MQTK_VERSION " (") + mqtk::library_versions() + ")");
    app.require_subcommand(1);

    // Only the command that argv[1] names is built, all of them when it names none (for
    // --help and the error that lists them). CLI11 compares every new option's names with
    // those before it, and building the four commands' options there were took 1.0 ms of
    // a one-shot publish's 5.8 ms of CPU (perf stat, 5 interleaved rounds of 20).
    const std::string_view named = argc > 1 ? argv[1] : "";
    const bool build_all =
        std::find(kCommandWords.begin(), kCommandWords.end(), named) == kCommandWords.end();
    const auto wanted = [&](std::string_view command, std::string_view alias = {}) {
        return build_all || named == command || (!alias.empty() && named == alias);
    };

    mqtk::cli::ConnectionFlags connection;
    mqtk::cli::PubFlags pub_flags;
    mqtk::cli::SubFlags sub_flags;
    mqtk::cli::EchoFlags echo_flags;
    mqtk::cli::BenchFlags bench_flags;
    mqtk::cli::ReqFlags req_flags;
    mqtk::cli::CheckFlags check_flags;
    mqtk::cli::TopicsFlags topics_flags;
    CLI::App* pub = wanted("pub") ? mqtk::cli::setup_pub(app, connection, pub_flags) : nullptr;
    CLI::App* sub = wanted("sub") ? mqtk::cli::setup_sub(app, connection, sub_flags) : nullptr;
    CLI::App* echo = wanted("echo") ? mqtk::cli::setup_echo(app, connection, echo_flags) : nullptr;
    CLI::App* bench =
        wanted("bench") ? mqtk::cli::setup_bench(app, connection, bench_flags) : nullptr;
    CLI::App* req =
        wanted("req", "rr") ? mqtk::cli::setup_req(app, connection, req_flags) : nullptr;
    CLI::App* check =
        wanted("check") ? mqtk::cli::setup_check(app, connection, check_flags) : nullptr;
    CLI::App* topics =
        wanted("topics") ? mqtk::cli::setup_topics(app, connection, topics_flags) : nullptr;
    const auto chosen = [](const CLI::App* command) { return command && command->parsed(); };

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return usage_exit(app, error);
    }

    mqtk::install_interrupt_handlers();
    try {
        for (auto* command : app.get_subcommands()) {
            mqtk::cli::apply_config_file(*command, connection.config);
        }
        mqtk::set_notices_enabled(!connection.quiet);
        if (chosen(pub)) return mqtk::cli::run_pub(connection, pub_flags);
        if (chosen(sub)) return mqtk::cli::run_sub(connection, sub_flags);
        if (chosen(echo)) return mqtk::cli::run_echo(connection, echo_flags);
        if (chosen(bench)) return mqtk::cli::run_bench(connection, bench_flags);
        if (chosen(req)) return mqtk::cli::run_req(connection, req_flags);
        if (chosen(check)) return mqtk::cli::run_check(connection, check_flags);
        if (chosen(topics)) return mqtk::cli::run_topics(connection, topics_flags);
        return static_cast<int>(ExitCode::Usage);
    } catch (const mqtk::Error& error) {
        print_error(error.what(), connection.quiet);
        return static_cast<int>(error.code());
    } catch (const std::exception& error) {
        // Anything untyped is a bug, but still one line and a failure code, never a crash.
        print_error(error.what(), connection.quiet);
        return static_cast<int>(ExitCode::Failure);
    }
}

}  // namespace

int main(int argc, char** argv) {
    mqtk::exit_process(run(argc, argv));
}
