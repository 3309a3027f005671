// Named option sets from $XDG_CONFIG_HOME/mqtk/config or --config FILE: top-level keys
// apply to every command, a `[NAME]` section applies with --profile NAME. The file is read
// with CLI11's own config parser (TOML, or INI-style `key = value`); keys are the long
// option names (`host`, `port`, `cafile`, ...). The command line always wins.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace mqtk::cli {

struct ConfigFlags {
    std::string file;     // --config FILE
    std::string profile;  // --profile NAME
};

// Adds --config and --profile to `command`.
void add_config_flags(CLI::App& command, ConfigFlags& flags);

// After parsing: fills every option of `command` that the command line left unset from the
// config file (the explicit one, else the user's default if it exists). Throws
// mqtk::Error(Usage) for a missing explicit file, a bad file or an unknown profile.
void apply_config_file(CLI::App& command, const ConfigFlags& flags);

// The two halves of apply_config_file() after the file is found, apart for the fuzz target
// (fuzz/config_file_fuzz.cpp), which feeds them text instead of a file:
// the items of a config file's text as CLI11 reads them (TOML or INI); throws
// mqtk::Error(Usage) naming `path` for text CLI11 refuses.
std::vector<CLI::ConfigItem> parse_config_text(const std::string& text, const std::string& path);
// Fills every option of `command` that the command line left unset from `items`: top-level
// keys, then those of the [profile] section (none when `profile` is empty), which override
// them. Throws mqtk::Error(Usage) for an unknown key, a bad value or a missing profile.
void apply_config_items(CLI::App& command, const std::vector<CLI::ConfigItem>& items,
                        const std::string& profile, const std::string& path);

}  // namespace mqtk::cli
