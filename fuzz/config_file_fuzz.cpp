// Fuzzes the config-file reader (cli/config_file.h): the text of a config file, read by
// CLI11's TOML/INI parser and applied to a command as apply_config_file() does, with or
// without a --profile and with some options already given on the command line. The
// command here is a stand-in with options of each kind mqtk's have (a string, a checked
// number, a repeatable option, a flag) and a sibling command with a key of its own.
// A bad file is an mqtk::Error(Usage); anything else thrown (a CLI11 exception
// escaping, say) is a finding. An option given on the command line keeps its value
// whatever the file says, and an accepted checked value is in its range.
#include <fuzzer/FuzzedDataProvider.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/config_file.h"
#include "core/error.h"
#include "fuzz/fuzz_check.h"

namespace {

struct Options {
    std::string host = "localhost";
    int port = 1883;
    std::vector<std::string> topics;
    bool retain = false;
    std::string password;
    int qos = 0;
    std::string bench_only;
};

void add_options(CLI::App& app, CLI::App*& pub, Options& o) {
    app.set_help_flag();  // -h is --host, as in mqtk
    pub = app.add_subcommand("pub");
    pub->add_option("-h,--host", o.host);
    pub->add_option("-p,--port", o.port)->check(CLI::Range(1, 65535));
    pub->add_option("-t,--topic", o.topics);
    pub->add_flag("-r,--retain", o.retain);
    pub->add_option("-P,--pw", o.password);
    pub->add_option("-q,--qos", o.qos)->check(CLI::Range(0, 2));
    CLI::App* bench = app.add_subcommand("bench");
    bench->add_option("--bench-only", o.bench_only);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider provider(data, size);
    const std::string profile = provider.PickValueInArray({"", "", "lab", "prod"});
    const bool host_on_command_line = provider.ConsumeBool();
    const std::string text = provider.ConsumeRemainingBytesAsString();

    CLI::App app;
    CLI::App* pub = nullptr;
    Options o;
    add_options(app, pub, o);
    std::vector<std::string> argv = {"pub"};
    if (host_on_command_line) argv.insert(argv.end(), {"--host", "from-argv"});
    std::reverse(argv.begin(), argv.end());  // CLI11 takes them last first
    app.parse(argv);

    try {
        const auto items = mqtk::cli::parse_config_text(text, "config");
        mqtk::cli::apply_config_items(*pub, items, profile, "config");
    } catch (const mqtk::Error& error) {
        // It may quote the file: cli/main.cpp escapes control characters when it prints.
        MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
        return 0;
    }
    MQTK_FUZZ_CHECK(!host_on_command_line || o.host == "from-argv");
    MQTK_FUZZ_CHECK(o.port >= 1 && o.port <= 65535);
    MQTK_FUZZ_CHECK(o.qos >= 0 && o.qos <= 2);
    return 0;
}
