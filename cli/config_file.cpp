// Config files through CLI11's parser. CLI11 2.1 reads a config file only for the top-level
// app, so options of subcommands (where all of mqtk's options live) are filled here: each
// key still unset after parsing gets the file's value and runs its option's callback.
#include "cli/config_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/url.h"

namespace mqtk::cli {
namespace {

std::string default_config_path() {
    namespace fs = std::filesystem;
    fs::path base;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        base = fs::path(home) / ".config";
    } else {
        return {};
    }
    return (base / "mqtk" / "config").string();
}

// As ssh does for keys: a password in a file others can read deserves a warning.
void warn_if_exposed(const std::string& path, const std::vector<CLI::ConfigItem>& items) {
    bool has_password = false;
    for (const auto& item : items)
        has_password = has_password || item.name == "pw";
    struct stat info {};
    if (has_password && stat(path.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO))) {
        std::fprintf(stderr,
                     "mqtk: warning: %s holds a password and others can read it (chmod 600 it)\n",
                     path.c_str());
    }
}

// True when `command` or another subcommand of its parent has the long option --name.
bool any_command_has(CLI::App& command, const std::string& name) {
    CLI::App* root = command.get_parent() != nullptr ? command.get_parent() : &command;
    if (root->get_option_no_throw("--" + name) != nullptr) return true;
    for (CLI::App* sub : root->get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_option_no_throw("--" + name) != nullptr) return true;
    }
    return false;
}

// Given on the command line (not filled from the file).
bool on_command_line(CLI::App& command, const std::string& name,
                     const std::set<CLI::Option*>& from_file) {
    CLI::Option* option = command.get_option_no_throw("--" + name);
    return option != nullptr && option->count() > 0 && from_file.count(option) == 0;
}

const std::vector<std::string> kSources = {"message",    "file",         "stdin-file",
                                           "stdin-line", "null-message", "jsonl"};
// The options that can set what another option sets (see sets_same_thing()): every
// source, and the options of the broker's address and the client id.
const std::vector<std::string> kOverriders = [] {
    std::vector<std::string> names = kSources;
    names.insert(names.end(), {"url", "host", "port", "id", "id-prefix"});
    return names;
}();

bool is_source(const std::string& name) {
    return std::find(kSources.begin(), kSources.end(), name) != kSources.end();
}

// Whether option `name` with `value` sets what key `key` sets, so that when it comes from
// a higher layer (the command line over the file, a [profile] over the top level), the
// lower `key` must not apply: the file's `message` must not beat `pub -n`, nor its `url` a
// -h or -p, nor its `port` the one a -L URL implies; nor a top-level `id` a profile's
// `id-prefix`.
bool sets_same_thing(const std::string& name, const std::string& value, const std::string& key) {
    if (name == key) return true;
    if (is_source(name)) return is_source(key);
    if (name == "host" || name == "port") return key == "url";
    if (name == "id") return key == "id-prefix";
    if (name == "id-prefix") return key == "id";
    if (name != "url") return false;
    std::optional<BrokerUrl> url;
    try {
        url = parse_broker_url(value);
    } catch (const Error&) {
        return false;  // a bad URL: resolving the connection reports that
    }
    if (key == "host" || key == "port") return true;
    if (key == "topic") return !url->topic.empty();
    if (key == "username" || key == "pw" || key == "pw-file") return url->username.has_value();
    return false;
}

// Whether the command line sets what file key `key` sets through another option: then the
// file's value loses, as the command line always wins.
bool set_otherwise_on_command_line(CLI::App& command, const std::string& key,
                                   const std::set<CLI::Option*>& from_file) {
    return std::any_of(kOverriders.begin(), kOverriders.end(), [&](const std::string& name) {
        if (name == key || !on_command_line(command, name, from_file)) return false;
        const std::string value =
            name == "url" ? command.get_option("--" + name)->as<std::string>() : std::string();
        return sets_same_thing(name, value, key);
    });
}

// The items that apply: the top-level ones that no item of the profile overrides (the
// same key, or another that sets the same thing), then the profile's. Sets
// `profile_found`.
std::vector<const CLI::ConfigItem*> effective_items(const std::vector<CLI::ConfigItem>& items,
                                                    const std::string& profile,
                                                    bool& profile_found) {
    std::vector<const CLI::ConfigItem*> top, chosen;
    for (const auto& item : items) {
        if (item.name == "++" || item.name == "--") continue;  // section markers
        if (item.parents.empty()) {
            top.push_back(&item);
        } else if (!profile.empty() && item.parents.size() == 1 && item.parents[0] == profile) {
            chosen.push_back(&item);
        }
    }
    profile_found = profile.empty() || !chosen.empty();
    std::vector<const CLI::ConfigItem*> result;
    for (const CLI::ConfigItem* item : top) {
        const bool overridden =
            std::any_of(chosen.begin(), chosen.end(), [&](const CLI::ConfigItem* higher) {
                const std::string value = higher->inputs.empty() ? "" : higher->inputs.front();
                return sets_same_thing(higher->name, value, item->name);
            });
        if (!overridden) result.push_back(item);
    }
    result.insert(result.end(), chosen.begin(), chosen.end());
    return result;
}

// Fills the option of one file item, unless the command line set it (or what it sets).
void apply_config_item(CLI::App& command, const CLI::ConfigItem& item, const std::string& path,
                       std::set<CLI::Option*>& from_file) {
    CLI::Option* option = command.get_option_no_throw("--" + item.name);
    if (option == nullptr) {
        // Keys of other commands (e.g. `topic` for bench) are not errors; a key no command
        // knows is a typo or junk, which would otherwise go unnoticed.
        if (!any_command_has(command, item.name)) {
            throw usage_error("config file '{}': unknown key '{}'", path, item.name);
        }
        return;
    }
    // `key = []`: CLI11's flag callbacks read the first value unchecked.
    if (item.inputs.empty()) {
        throw usage_error("config file '{}': '{}' has no value", path, item.name);
    }
    if (option->count() > 0 && from_file.count(option) == 0) return;  // argv wins
    if (set_otherwise_on_command_line(command, item.name, from_file)) return;
    option->clear();
    option->add_result(item.inputs);
    try {
        option->run_callback();  // validates and converts, as on the command line
    } catch (const CLI::Error& error) {
        // A bad value is a usage error wherever it was written (not exit 1).
        throw usage_error("config file '{}': {}", path, error.what());
    }
    from_file.insert(option);
}

}  // namespace

void add_config_flags(CLI::App& command, ConfigFlags& flags) {
    command.add_option("--config", flags.file, "Read options from FILE (TOML or INI)")
        ->group("Connection");
    command.add_option("--profile", flags.profile, "Use the [NAME] section of the config file")
        ->group("Connection");
}

void apply_config_file(CLI::App& command, const ConfigFlags& flags) {
    std::string path = flags.file;
    if (path.empty()) {
        path = default_config_path();
        if (path.empty() || !std::filesystem::exists(path)) {
            if (!flags.profile.empty()) {
                throw usage_error("--profile {}: no config file ({})", flags.profile, path);
            }
            return;
        }
    }
    // Read here and parsed by parse_config_text(), the function fuzz/config_file_fuzz.cpp
    // drives, so the fuzzed parser is the one that runs.
    std::ifstream file(path);
    if (!file) throw usage_error("cannot read config file '{}': {}", path, std::strerror(errno));
    std::stringstream text;
    text << file.rdbuf();
    const std::vector<CLI::ConfigItem> items = parse_config_text(text.str(), path);
    warn_if_exposed(path, items);
    apply_config_items(command, items, flags.profile, path);
}

std::vector<CLI::ConfigItem> parse_config_text(const std::string& text, const std::string& path) {
    std::istringstream input(text);
    try {
        return CLI::ConfigTOML().from_config(input);
    } catch (const CLI::Error& error) {
        throw usage_error("cannot read config file '{}': {}", path, error.what());
    }
}

void apply_config_items(CLI::App& command, const std::vector<CLI::ConfigItem>& items,
                        const std::string& profile, const std::string& path) {
    bool profile_found = false;
    std::set<CLI::Option*> from_file;
    for (const CLI::ConfigItem* item : effective_items(items, profile, profile_found))
        apply_config_item(command, *item, path, from_file);
    if (!profile_found) {
        throw usage_error("--profile {}: no [{}] section in {}", profile, profile, path);
    }
}

}  // namespace mqtk::cli
