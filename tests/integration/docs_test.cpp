// mqtk as a citizen of the system (issue 6): the man page and the bash, zsh and fish
// completions checked against what the binary says about itself (`mqtk <command> --help`:
// every option, short and long, documented and completed, nothing stale), the man page rendered by
// man(1) without warnings, completion driven for real in each shell, and the Debian
// package built with cpack, unpacked into a scratch root and run.
//
// The sources are found next to this file (tests/integration/ -> the source tree), the
// build products next to the mqtk binary (MQTK_BINARY is <build>/mqtk): <build>/man/mqtk.1,
// <build>/CPackConfig.cmake.
//
// How the man page source is read: `# HEADING` starts a section and `## mqtk NAME` one
// command's section inside COMMANDS; a line starting with `*-` defines options. A command
// takes the options defined in its own section plus those of every options section its
// text names (COMMON OPTIONS, OUTPUT OPTIONS); the OPTIONS section is `mqtk` itself.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/skip.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using mqtk::test::ProcessResult;
using mqtk::test::RunOptions;
using mqtk::test::skip_test;
using mqtk::test::SkipKind;
using mqtk::test::TempDir;
using Strings = std::set<std::string>;

// --- Files and processes -------------------------------------------------------------------

fs::path source_dir() {
    return fs::path(__FILE__).parent_path().parent_path().parent_path();
}

fs::path build_dir() {
    return fs::path(mqtk::test::mqtk_binary()).parent_path();
}

fs::path man_source() {
    return source_dir() / "man" / "mqtk.1.scd";
}

fs::path man_page() {
    return build_dir() / "man" / "mqtk.1";
}

std::string read_file(const fs::path& path) {
    std::ifstream file(path, std::ios::binary);
    REQUIRE_MESSAGE(file, "cannot read " << path);
    std::ostringstream text;
    text << file.rdbuf();
    return text.str();
}

// run(), or nullopt when the program is not installed.
std::optional<ProcessResult> try_run(std::vector<std::string> argv, RunOptions options = {}) {
    try {
        return mqtk::test::run(std::move(argv), std::move(options));
    } catch (const std::runtime_error&) {
        return std::nullopt;
    }
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream stream(text);
    while (std::getline(stream, part, separator))
        parts.push_back(part);
    return parts;
}

std::vector<std::string> words_of(const std::string& command) {
    std::vector<std::string> words;
    std::istringstream stream(command);
    for (std::string word; stream >> word;)
        words.push_back(word);
    return words;
}

// Every "--long-option" in text.
Strings long_options_in(const std::string& text) {
    static const std::regex option(R"((^|[^A-Za-z0-9_-])(--[a-z0-9][a-z0-9-]*))");
    Strings found;
    for (std::sregex_iterator it(text.begin(), text.end(), option), end; it != end; ++it)
        found.insert((*it)[2]);
    return found;
}

Strings only_long(const Strings& words) {
    Strings longs;
    for (const auto& word : words)
        if (word.rfind("--", 0) == 0 && word.size() > 2) longs.insert(word);
    return longs;
}

// The short options ("-t") among words.
Strings only_short(const Strings& words) {
    Strings shorts;
    for (const auto& word : words)
        if (word.size() == 2 && word[0] == '-' && word[1] != '-') shorts.insert(word);
    return shorts;
}

Strings minus(const Strings& a, const Strings& b) {
    Strings result;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(),
                        std::inserter(result, result.end()));
    return result;
}

std::string joined(const Strings& words) {
    std::string text;
    for (const auto& word : words)
        text += (text.empty() ? "" : " ") + word;
    return text.empty() ? "(none)" : text;
}

// --- What the binary says: `mqtk <command> --help` ------------------------------------------

struct HelpCommand {
    Strings options;        // every option, short ("-t") and long ("--topic")
    Strings value_options;  // those that take a value
    Strings subcommands;    // "merge" for bench
};

// CLI11's help: option lines are indented a little ("  -t,--topic TEXT   Topic..."), their
// wrapped descriptions a lot; "Subcommands:" lists "  name[, alias]   description".
HelpCommand parse_help(const std::string& help) {
    static const std::regex type_word(R"(^[A-Z][A-Z0-9_]*([: ]|$))");
    HelpCommand command;
    bool in_subcommands = false;
    for (const auto& line : split(help, '\n')) {
        const auto indent = line.find_first_not_of(' ');
        if (indent == std::string::npos) {
            in_subcommands = false;
            continue;
        }
        if (indent == 0) {
            in_subcommands = line == "Subcommands:";
            continue;
        }
        const std::string rest = line.substr(indent);
        if (in_subcommands) {
            // "req, rr   description": the name, without its aliases.
            command.subcommands.insert(rest.substr(0, rest.find_first_of(", ")));
            continue;
        }
        if (indent > 8 || rest[0] != '-') continue;
        // The names, then after one space the type of the value ("TEXT", "INT:INT in [0 - 2]")
        // if it takes one; the description is further right.
        const auto name_end = rest.find(' ');
        const std::string names = rest.substr(0, name_end);
        const std::string after = name_end == std::string::npos ? "" : rest.substr(name_end + 1);
        const bool takes_value = std::regex_search(after, type_word) &&
                                 after.rfind("Excludes:", 0) != 0 && after.rfind("Needs:", 0) != 0;
        for (auto name : split(names, ',')) {
            name = name.substr(0, name.find('{'));  // "-c,--disable-clean-session{false}"
            command.options.insert(name);
            // CLI11 prints --config without its FILE.
            if (takes_value || name == "--config") command.value_options.insert(name);
        }
    }
    return command;
}

// Every command the binary has, by path: "" (mqtk itself), "pub", ..., "bench merge".
const std::map<std::string, HelpCommand>& help_commands() {
    static const std::map<std::string, HelpCommand> commands = [] {
        std::map<std::string, HelpCommand> found;
        std::vector<std::string> pending = {""};
        while (!pending.empty()) {
            const std::string path = pending.back();
            pending.pop_back();
            auto args = words_of(path);
            args.push_back("--help");
            const auto result = mqtk::test::mqtk(args);
            INFO("mqtk " << path << " --help: " << result.describe());
            REQUIRE(result.exit_code == 0);
            found[path] = parse_help(result.out);
            REQUIRE_MESSAGE(!found[path].options.empty(),
                            "no options found in the help of '" << path << "'");
            for (const auto& sub : found[path].subcommands)
                pending.push_back(path.empty() ? sub : path + " " + sub);
        }
        return found;
    }();
    return commands;
}

// --- What the man page says ----------------------------------------------------------------

struct ManSource {
    std::map<std::string, Strings> defined;     // section -> options defined there
    std::map<std::string, std::string> text;    // section -> its text, whitespace collapsed
    Strings commands;                           // "pub", ..., "bench merge"
    std::map<std::string, std::string> headed;  // level-1 headings -> their text
    Strings all_longs;                          // every --option anywhere
};

ManSource parse_man_source(const std::string& source) {
    ManSource man;
    std::string level1;
    std::string section;  // "": OPTIONS (mqtk itself); a command; or a level-1 heading
    bool literal = false;
    for (const auto& line : split(source, '\n')) {
        const auto text_start = line.find_first_not_of('\t');
        if (text_start != std::string::npos && line.compare(text_start, 3, "```") == 0) {
            literal = !literal;
        } else if (!literal && line.rfind("# ", 0) == 0) {
            level1 = line.substr(2);
            section = level1 == "OPTIONS" ? "" : level1;
            continue;
        } else if (!literal && line.rfind("## mqtk ", 0) == 0 && level1 == "COMMANDS") {
            section = line.substr(8);
            man.commands.insert(section);
            continue;
        }
        if (line.rfind("; ", 0) == 0) continue;  // a comment
        if (!literal && line.rfind("*-", 0) == 0) {
            // "*-t*, *--topic* _TOPIC_"
            static const std::regex short_option(R"(\*(-[A-Za-z0-9])\*)");
            auto options = long_options_in(line);
            for (std::sregex_iterator it(line.begin(), line.end(), short_option), end; it != end;
                 ++it)
                options.insert((*it)[1]);
            man.defined[section].insert(options.begin(), options.end());
        }
        std::string& text = man.text[section];
        text += ' ';
        for (const char c : line) {
            if (c == '\t' || c == ' ') {
                if (!text.empty() && text.back() != ' ') text += ' ';
            } else {
                text += c;
            }
        }
        man.headed[level1] += line + "\n";
    }
    man.all_longs = long_options_in(source);
    return man;
}

const ManSource& man_source_parsed() {
    static const ManSource man = parse_man_source(read_file(man_source()));
    return man;
}

// The options the man page gives a command: its own, plus those of each options section
// (a level-1 section defining options, other than COMMANDS and OPTIONS) that it names.
Strings man_options_of(const ManSource& man, const std::string& command) {
    Strings options;
    if (auto own = man.defined.find(command); own != man.defined.end()) options = own->second;
    const auto text = man.text.find(command);
    if (text == man.text.end()) return options;
    for (const auto& [section, defined] : man.defined) {
        if (section.empty() || man.commands.count(section) || section == "COMMANDS") continue;
        if (text->second.find(section) != std::string::npos)
            options.insert(defined.begin(), defined.end());
    }
    return options;
}

// The commands to check completions against: the binary's own, every one of them.
const std::map<std::string, HelpCommand>& reference_commands() {
    static const auto commands = help_commands();
    return commands;
}

Strings all_reference_longs() {
    Strings all;
    for (const auto& [path, command] : reference_commands())
        all.insert(command.options.begin(), command.options.end());
    return all;
}

// --- Driving the shells ----------------------------------------------------------------------

// One completion request: the words of the command line, the last one being completed.
using Query = std::vector<std::string>;
// What the shell offered for each request, in order.
using Replies = std::vector<Strings>;

constexpr char kUnit = '\x1f';    // between words and between offered completions
constexpr char kRecord = '\x1e';  // ends a fish reply

const char* const kBashDriver = R"(# $1: the completion script; stdin: one request per line
source /usr/share/bash-completion/bash_completion || exit 3
source "$1" || exit 4
while IFS= read -r line; do
    IFS=$'\x1f' read -r -a COMP_WORDS <<<"$line"
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="${COMP_WORDS[*]}"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _mqtk mqtk "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
    printf '%s\x1f' "${COMPREPLY[@]}"
    printf '\n'
done
)";

const char* const kFishDriver =
    R"(# $argv[1]: the completion script; stdin: one command line per line
source $argv[1]; or exit 4
while read -l line
    complete -C $line | string replace -r '\t.*' ''
    echo \x1e
end
)";

// Runs zsh in a pseudo-terminal (zpty) with compinit and our _mqtk on $fpath, wraps compadd
// to print what it adds, and binds ^T to complete-word followed by a marker: for each
// request it types the line and ^T (not ^X: a prefix key, zsh would wait for the next key),
// collects the matches up to the marker, then clears the
// line with ^U. Errors printed by completion functions are passed on. No list is shown
// (auto_list off): a long one would ask "do you wish to see all...?" and eat the next keys.
const char* const kZshDriver = R"(# $1: directory of _mqtk; stdin: one command line per line
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z 'PS1= PROMPT= RPROMPT= PROMPT_EOL_MARK=; unsetopt beep auto_list'
zpty -w z "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __m; builtin compadd -O __m "$@"; print -r -l -- ${^__m/#/MATCH:}; builtin compadd "$@"; }'
zpty -w z '__capture() { zle complete-word; print -r -- "END""MARK"; }; zle -N __capture; bindkey "^T" __capture'
zpty -w z 'print RE$((1))ADY'
while zpty -r z line; do [[ $line == *RE1ADY* ]] && break; done
while IFS= read -r request; do
    zpty -w -n z "$request"$'\C-t'
    reply=''
    while zpty -r z line; do
        [[ $line == *ENDMARK* ]] && break
        if [[ $line == *MATCH:* ]]; then
            reply+="${${line##*MATCH:}%%$'\r'*}"$'\x1f'
        elif [[ $line == *(_mqtk|_arguments|_describe|compadd|command not found)* ]]; then
            print -r -- "zsh: ${line%%$'\r'*}" >&2
        fi
    done
    print -r -- "$reply"
    zpty -w -n z $'\C-u'
done
zpty -d z
)";

std::string line_of(const Query& query, char separator) {
    std::string line;
    for (const auto& word : query)
        line += word + separator;
    return line;
}

Strings split_reply(const std::string& reply, char separator) {
    Strings offered;
    for (const auto& item : split(reply, separator))
        if (!item.empty()) offered.insert(item);
    return offered;
}

// A scratch home, so that no shell reads or writes the user's files.
RunOptions isolated(const TempDir& dir, std::string stdin_data) {
    RunOptions options;
    options.stdin_data = std::move(stdin_data);
    options.timeout = 90s;
    options.cwd = dir.path();
    options.env = {{"HOME", dir.path()},
                   {"XDG_CONFIG_HOME", dir.file("config")},
                   {"XDG_DATA_HOME", dir.file("data")},
                   {"XDG_CACHE_HOME", dir.file("cache")},
                   {"TERM", "dumb"}};
    return options;
}

Replies bash_complete(const std::vector<Query>& queries) {
    TempDir dir;
    std::string input;
    for (const auto& query : queries)
        input += line_of(query, kUnit) + "\n";
    const auto result =
        mqtk::test::run({"bash", "--norc", "--noprofile", dir.write("driver.bash", kBashDriver),
                         (source_dir() / "completions" / "mqtk.bash").string()},
                        isolated(dir, input));
    INFO("bash: " << result.describe());
    REQUIRE(result.exit_code == 0);
    auto lines = split(result.out, '\n');
    REQUIRE(lines.size() == queries.size());
    Replies replies;
    for (const auto& line : lines)
        replies.push_back(split_reply(line, kUnit));
    return replies;
}

std::optional<Replies> fish_complete(const std::vector<Query>& queries) {
    TempDir dir;
    std::string input;
    for (const auto& query : queries) {
        std::string line;
        for (const auto& word : query)
            line += (line.empty() ? "" : " ") + word;
        input += line + "\n";
    }
    const auto result = try_run({"fish", "--no-config", dir.write("driver.fish", kFishDriver),
                                 (source_dir() / "completions" / "mqtk.fish").string()},
                                isolated(dir, input));
    if (!result) return std::nullopt;
    INFO("fish: " << result->describe());
    REQUIRE(result->exit_code == 0);
    CHECK(result->err.empty());
    Replies replies;
    for (const auto& record : split(result->out, kRecord))
        replies.push_back(split_reply(record, '\n'));
    if (!replies.empty() && replies.back().empty() && replies.size() == queries.size() + 1)
        replies.pop_back();
    REQUIRE(replies.size() == queries.size());
    return replies;
}

std::optional<Replies> zsh_complete(const std::vector<Query>& queries) {
    TempDir dir;
    std::string input;
    for (const auto& query : queries) {
        std::string line;
        for (const auto& word : query)
            line += (line.empty() ? "" : " ") + word;
        input += line + "\n";
    }
    const auto result = try_run(
        {"zsh", "-f", dir.write("driver.zsh", kZshDriver), (source_dir() / "completions").string()},
        isolated(dir, input));
    if (!result) return std::nullopt;
    INFO("zsh: " << result->describe());
    REQUIRE(result->exit_code == 0);
    CHECK(result->err.empty());
    auto lines = split(result->out, '\n');
    REQUIRE(lines.size() == queries.size());
    Replies replies;
    for (const auto& line : lines)
        replies.push_back(split_reply(line, kUnit));
    return replies;
}

// --- Checks shared by the three shells -------------------------------------------------------

Query query_for(const std::string& command, std::vector<std::string> tail) {
    Query query = {"mqtk"};
    for (const auto& word : words_of(command))
        query.push_back(word);
    query.insert(query.end(), tail.begin(), tail.end());
    return query;
}

// Completing "mqtk <command> --" offers exactly the command's long options, "-" its short
// ones (shells may add the long ones); completing a command name offers the commands.
// `complete` runs a batch of requests. zsh adds a short option together with its long twin,
// through compadd calls the zsh driver does not see: for zsh only long options are compared.
template <typename Complete>
void check_offers_every_option(const std::string& shell, Complete complete,
                               bool check_short = true) {
    const auto commands = reference_commands();
    std::vector<Query> queries;
    std::vector<std::string> paths;
    for (const auto& [path, command] : commands) {
        paths.push_back(path);
        queries.push_back(query_for(path, {"--"}));
        queries.push_back(query_for(path, {"-"}));
    }
    queries.push_back({"mqtk", ""});
    const auto replies = complete(queries);
    if (!replies) return;
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const auto& options = commands.at(paths[i]).options;
        for (const bool long_form : {true, false}) {
            if (!long_form && !check_short) continue;
            const auto& reply = (*replies)[2 * i + (long_form ? 0 : 1)];
            const auto expected = long_form ? only_long(options) : only_short(options);
            const auto offered = long_form ? only_long(reply) : only_short(reply);
            const std::string typed = long_form ? "--" : "-";
            INFO(shell << ": mqtk " << paths[i] << " " << typed << "<TAB>");
            CHECK_MESSAGE(minus(expected, offered).empty(),
                          "not offered: " << joined(minus(expected, offered)));
            CHECK_MESSAGE(minus(offered, expected).empty(),
                          "offered but not an option: " << joined(minus(offered, expected)));
        }
    }
    INFO(shell << ": mqtk <TAB>");
    CHECK(replies->back() == commands.at("").subcommands);
}

// Whether each option takes a value, from the binary's help (the same name means the same
// kind in every command: checked here).
std::map<std::string, bool> option_kinds() {
    std::map<std::string, bool> kinds;
    for (const auto& [path, command] : help_commands()) {
        for (const auto& option : only_long(command.options)) {
            const bool value = command.value_options.count(option) > 0;
            const auto [it, inserted] = kinds.emplace(option, value);
            INFO("--help of '" << path << "': " << option);
            CHECK_MESSAGE(it->second == value, "takes a value in one command, not in another");
        }
    }
    return kinds;
}

// After an option that takes a value, the next word is its value, not an option; after a
// flag, options are offered again. For bash and zsh, which can tell.
template <typename Complete>
void check_values_are_not_options(const std::string& shell, Complete complete) {
    std::vector<Query> queries;
    std::vector<std::pair<std::string, std::string>> asked;  // command, option
    for (const auto& [path, command] : help_commands()) {
        if (path.empty()) continue;
        for (const auto& option : only_long(command.options)) {
            if (option == "--help") continue;
            queries.push_back(query_for(path, {option, "--"}));
            asked.emplace_back(path, option);
        }
    }
    const auto replies = complete(queries);
    if (!replies) return;
    for (std::size_t i = 0; i < asked.size(); ++i) {
        const auto& [path, option] = asked[i];
        const bool takes_value = help_commands().at(path).value_options.count(option) > 0;
        INFO(shell << ": mqtk " << path << " " << option << " --<TAB>");
        if (takes_value) {
            CHECK_MESSAGE(only_long((*replies)[i]).empty(),
                          option << " takes a value, yet options were offered for it");
        } else {
            CHECK_MESSAGE(!only_long((*replies)[i]).empty(),
                          option << " is a flag, yet no option was offered after it");
        }
    }
}

// Every long option written in a completion script exists.
void check_nothing_stale(const fs::path& script) {
    const auto stale = minus(long_options_in(read_file(script)), all_reference_longs());
    INFO(script.filename().string());
    CHECK_MESSAGE(stale.empty(), "not an option of any command: " << joined(stale));
}

// A scratch directory with a CA file, a certificate directory and a config with profiles.
struct CompletionFixture {
    TempDir dir;
    std::string ca = dir.write("ca.pem", "");
    std::string certs = dir.file("certs");
    std::string config =
        dir.write("config.toml", "host = \"localhost\"\n[lab]\nport = 1883\n[ci]\nport = 1884\n");
    CompletionFixture() { fs::create_directory(certs); }
};

}  // namespace

// --- The man page ------------------------------------------------------------------------------

TEST_CASE("docs: the man page documents every option of every command, and nothing else") {
    const auto& man = man_source_parsed();
    const auto& help = help_commands();
    for (const auto& [path, command] : help) {
        INFO("mqtk " << path);
        if (!path.empty())
            CHECK_MESSAGE(man.commands.count(path), "no '## mqtk " << path << "' section");
        const auto documented = man_options_of(man, path);
        CHECK_MESSAGE(
            minus(command.options, documented).empty(),
            "in --help, not in the man page: " << joined(minus(command.options, documented)));
        CHECK_MESSAGE(
            minus(documented, command.options).empty(),
            "in the man page, not in --help: " << joined(minus(documented, command.options)));
    }
    for (const auto& command : man.commands) {
        if (help.count(command)) continue;
        FAIL_CHECK("the man page documents 'mqtk " << command << "', which mqtk does not have");
    }
    const auto stale = minus(man.all_longs, all_reference_longs());
    CHECK_MESSAGE(stale.empty(), "mentioned in the man page, not an option: " << joined(stale));
}

TEST_CASE(
    "docs: the man page covers the format sequences, the JSON schema, the exit codes, "
    "the environment and the files") {
    const auto& man = man_source_parsed();
    const auto section = [&](const std::string& name) {
        INFO("section " << name);
        REQUIRE(man.headed.count(name));
        return man.headed.at(name);
    };
    // mosquitto_sub(1), OUTPUT FORMAT: every sequence, each defined as "*%x*".
    const auto format = section("OUTPUT FORMAT");
    for (const char c : std::string("%ACDEFIJPRSUXjlmpqrtx")) {
        INFO("-F sequence %" << c);
        CHECK(format.find(std::string("*%") + c + "*") != std::string::npos);
    }
    for (const std::string sequence :
         {"*@@*", "*@N*", "*@*_X_", "*\\\\\\\\*", "*\\\\0*", "*\\\\e*"})
        CHECK_MESSAGE(format.find(sequence) != std::string::npos, sequence);
    // core/jsonl.h: every key of the schema.
    const auto json = section("JSON LINES");
    for (const std::string key :
         {"topic", "payload", "encoding", "qos", "retain", "mid", "properties", "received"})
        CHECK_MESSAGE(json.find("*" + key + "*\n") != std::string::npos, "JSON key " << key);
    // The contract's exit codes.
    const auto exits = section("EXIT STATUS");
    for (const std::string code : {"0", "1", "2", "3", "4", "5", "130"})
        CHECK_MESSAGE(exits.find("*" + code + "*\n") != std::string::npos, "exit code " << code);
    const auto environment = section("ENVIRONMENT");
    for (const std::string variable : {"MQTK_PASSWORD", "NO_COLOR", "XDG_CONFIG_HOME"})
        CHECK_MESSAGE(environment.find("*" + variable + "*") != std::string::npos, variable);
    const auto files = section("FILES");
    for (const std::string word : {"mqtk/config", "--profile", "--config", "TOML", "INI"})
        CHECK_MESSAGE(files.find(word) != std::string::npos, word);
    for (const std::string heading : {"NAME", "SYNOPSIS", "DESCRIPTION", "EXAMPLES", "SEE ALSO"})
        CHECK_MESSAGE(man.headed.count(heading), heading);
}

TEST_CASE("docs: the man page renders with man(1) without warnings") {
    if (!fs::exists(man_page())) {
        // man/CMakeLists.txt builds it when scdoc is found.
        const auto scdoc = try_run({"scdoc", "-v"});
        REQUIRE_MESSAGE(!scdoc, man_page() << " was not built although scdoc is installed");
        skip_test("scdoc is not installed, so the man page was not built");
        return;
    }
    RunOptions options;
    options.env = {
        {"MANWIDTH", "80"}, {"MANPAGER", "cat"}, {"PAGER", "cat"}, {"LC_ALL", "C.UTF-8"}};
    const auto result = try_run({"man", "--warnings", "-l", man_page().string()}, options);
    if (!result) {
        skip_test("man is not installed (apt-get install man-db groff-base)");
        return;
    }
    INFO(result->describe());
    CHECK(result->exit_code == 0);
    CHECK(result->err.empty());
    CHECK(result->out.find("EXIT STATUS") != std::string::npos);
    CHECK(result->out.find("mqtk " MQTK_VERSION) != std::string::npos);  // the footer
    for (const auto& line : split(result->out, '\n')) {
        // What groff could not fit: rendered lines wider than MANWIDTH.
        std::size_t width = 0;
        for (const unsigned char c : line)
            width += (c & 0xC0) != 0x80;
        CHECK_MESSAGE(width <= 80, "wider than 80 columns: " << line);
    }
}

// --- bash --------------------------------------------------------------------------------------

TEST_CASE("docs: bash completion offers every option of every command, and nothing stale") {
    REQUIRE_MESSAGE(fs::exists("/usr/share/bash-completion/bash_completion"),
                    "bash-completion is not installed (apt-get install bash-completion)");
    check_offers_every_option("bash", [](const std::vector<Query>& q) {
        return std::optional<Replies>(bash_complete(q));
    });
    check_values_are_not_options("bash", [](const std::vector<Query>& q) {
        return std::optional<Replies>(bash_complete(q));
    });
    check_nothing_stale(source_dir() / "completions" / "mqtk.bash");
}

TEST_CASE("docs: bash completion completes values, files and profiles") {
    REQUIRE(fs::exists("/usr/share/bash-completion/bash_completion"));
    CompletionFixture fixture;
    const std::string dir = fixture.dir.path();
    const std::vector<Query> queries = {
        {"mqtk", "pub", "-q", ""},
        {"mqtk", "sub", "--qos", ""},
        {"mqtk", "sub", "-V", ""},
        {"mqtk", "sub", "--retain-handling", ""},
        {"mqtk", "pub", "--cafile", dir + "/"},
        {"mqtk", "sub", "--capath", dir + "/"},
        {"mqtk", "pub", "--tls-version", ""},
        {"mqtk", "sub", "--config", dir + "/config.toml", "--profile", ""},
        {"mqtk", "sub", "-D", ""},
        {"mqtk", "pub", "-D", "publish", "content"},
        {"mqtk", "pub", "--re"},
        {"mqtk", "su"},
        {"mqtk", "-"},
    };
    const auto replies = bash_complete(queries);
    CHECK(replies[0] == Strings{"0", "1", "2"});
    CHECK(replies[1] == Strings{"0", "1", "2"});
    CHECK(replies[2] == Strings{"31", "311", "5", "mqttv31", "mqttv311", "mqttv5"});
    CHECK(replies[3] == Strings{"0", "1", "2"});
    CHECK(replies[4] == Strings{fixture.ca, fixture.certs, fixture.config});
    CHECK(replies[5] == Strings{fixture.certs});
    CHECK(replies[6] == Strings{"tlsv1.1", "tlsv1.2", "tlsv1.3"});
    CHECK(replies[7] == Strings{"ci", "lab"});
    CHECK(replies[8] ==
          Strings{"connect", "disconnect", "publish", "subscribe", "unsubscribe", "will"});
    CHECK(replies[9] == Strings{"content-type"});
    CHECK(replies[10] == Strings{"--repeat", "--repeat-delay", "--retain"});
    CHECK(replies[11] == Strings{"sub"});
    CHECK(replies[12] == Strings{"--help", "--version"});
}

// --- fish --------------------------------------------------------------------------------------

TEST_CASE("docs: fish completion offers every option of every command, and nothing stale") {
    bool ran = false;
    check_offers_every_option("fish", [&](const std::vector<Query>& q) {
        auto replies = fish_complete(q);
        ran = replies.has_value();
        return replies;
    });
    if (!ran) {
        skip_test("fish is not installed (apt-get install fish)");
        return;
    }
    // fish offers options after any option, so which ones take a value is read from its
    // table: `complete -c mqtk` prints --exclusive or --require-parameter for those.
    TempDir dir;
    const auto table = mqtk::test::run(
        {"fish", "--no-config", "-c",
         "source " + (source_dir() / "completions" / "mqtk.fish").string() + "; complete -c mqtk"},
        isolated(dir, ""));
    REQUIRE(table.exit_code == 0);
    const auto kinds = option_kinds();
    static const std::regex long_name(R"( -l ([a-z0-9-]+))");
    for (const auto& line : split(table.out, '\n')) {
        std::smatch match;
        if (!std::regex_search(line, match, long_name)) continue;
        const std::string option = "--" + match[1].str();
        const auto kind = kinds.find(option);
        if (kind == kinds.end()) continue;  // stale: reported below
        const bool value = line.find("--exclusive") != std::string::npos ||
                           line.find("--require-parameter") != std::string::npos;
        INFO("fish: " << line);
        CHECK_MESSAGE(value == kind->second,
                      option << (kind->second ? " takes a value" : " is a flag"));
    }
    check_nothing_stale(source_dir() / "completions" / "mqtk.fish");
}

TEST_CASE("docs: fish completion completes values, files and profiles") {
    CompletionFixture fixture;
    const std::string dir = fixture.dir.path();
    const auto replies = fish_complete({
        {"mqtk", "pub", "-q", ""},
        {"mqtk", "sub", "-V", ""},
        {"mqtk", "sub", "--retain-handling", ""},
        {"mqtk", "pub", "--cafile", dir + "/"},
        {"mqtk", "sub", "--capath", dir + "/"},
        {"mqtk", "sub", "--config", dir + "/config.toml", "--profile", ""},
        {"mqtk", "sub", "-D", "publish", "content"},
        {"mqtk", "pub", "--re"},
    });
    if (!replies) {
        skip_test("fish is not installed (apt-get install fish)");
        return;
    }
    CHECK((*replies)[0] == Strings{"0", "1", "2"});
    CHECK((*replies)[1] == Strings{"31", "311", "5", "mqttv31", "mqttv311", "mqttv5"});
    CHECK((*replies)[2] == Strings{"0", "1", "2"});
    CHECK((*replies)[3] == Strings{fixture.ca, fixture.certs + "/", fixture.config});
    CHECK((*replies)[4] == Strings{fixture.certs + "/"});
    CHECK((*replies)[5] == Strings{"ci", "lab"});
    CHECK((*replies)[6] == Strings{"content-type"});
    CHECK((*replies)[7] == Strings{"--repeat", "--repeat-delay", "--retain"});
}

// --- zsh ---------------------------------------------------------------------------------------

TEST_CASE("docs: zsh completion offers every option of every command, and nothing stale") {
    bool ran = false;
    const auto complete = [&](const std::vector<Query>& q) {
        auto replies = zsh_complete(q);
        ran = replies.has_value();
        return replies;
    };
    check_offers_every_option("zsh", complete, /*check_short=*/false);
    if (!ran) {
        skip_test("zsh is not installed (apt-get install zsh)");
        return;
    }
    check_values_are_not_options("zsh", complete);
    check_nothing_stale(source_dir() / "completions" / "_mqtk");
}

TEST_CASE("docs: zsh completion completes values, files and profiles") {
    CompletionFixture fixture;
    const std::string dir = fixture.dir.path();
    const auto replies = zsh_complete({
        {"mqtk", "pub", "-q", ""},
        {"mqtk", "sub", "-V", ""},
        {"mqtk", "sub", "--retain-handling", ""},
        {"mqtk", "pub", "--cafile", dir + "/"},
        {"mqtk", "sub", "--capath", dir + "/"},
        {"mqtk", "sub", "--config", dir + "/config.toml", "--profile", ""},
        {"mqtk", "sub", "-D", "publish", "content"},
        {"mqtk", "pub", "--re"},
        {"mqtk", "sub", "-D", "connect", "user-property", "k", "v", "--qo"},
    });
    if (!replies) {
        skip_test("zsh is not installed (apt-get install zsh)");
        return;
    }
    CHECK((*replies)[0] == Strings{"0", "1", "2"});
    CHECK((*replies)[1] == Strings{"31", "311", "5", "mqttv31", "mqttv311", "mqttv5"});
    CHECK((*replies)[2] == Strings{"0", "1", "2"});
    CHECK((*replies)[3] == Strings{"ca.pem", "certs", "config.toml"});  // names, not paths
    CHECK((*replies)[4] == Strings{"certs"});
    CHECK((*replies)[5] == Strings{"ci", "lab"});
    CHECK((*replies)[6] == Strings{"content-type"});
    CHECK((*replies)[7] == Strings{"--repeat", "--repeat-delay", "--retain"});
    CHECK((*replies)[8] == Strings{"--qos"});
}

// --- Install and package -------------------------------------------------------------------

namespace {

// The files `cmake --install` and the package put under the prefix (/usr), but the man page
// only when scdoc built it.
std::vector<std::string> installed_files() {
    std::vector<std::string> files = {
        "bin/mqtk",
        "lib/mqtk/mqtk_protobuf.so",  // the protobuf codecs, loaded on first use
        "share/bash-completion/completions/mqtk",
        "share/zsh/vendor-completions/_mqtk",
        "share/fish/vendor_completions.d/mqtk.fish",
    };
    if (fs::exists(man_page())) files.push_back("share/man/man1/mqtk.1.gz");
    return files;
}

// The Debian packages of the shared libraries the binary is linked against (NEEDED).
Strings runtime_packages(const std::string& binary) {
    const auto needed = mqtk::test::run({"readelf", "-d", binary});
    REQUIRE(needed.exit_code == 0);
    const auto libraries = mqtk::test::run({"ldd", binary});
    REQUIRE(libraries.exit_code == 0);
    Strings packages;
    static const std::regex needed_line(R"(\(NEEDED\)\s+Shared library: \[([^\]]+)\])");
    for (std::sregex_iterator it(needed.out.begin(), needed.out.end(), needed_line), end; it != end;
         ++it) {
        const std::string name = (*it)[1];
        const auto escaped = std::regex_replace(name, std::regex(R"([.+])"), R"(\$&)");
        const std::regex mapping("(^|\\s)" + escaped + R"( => (\S+))");
        // The dynamic loader, which a shared library may name: ldd prints its path alone.
        const std::regex loader(R"((^|\s)(/\S+/)" + escaped + R"() \()");
        std::smatch path;
        INFO("library " << name << " in ldd's output:\n" << libraries.out);
        REQUIRE((std::regex_search(libraries.out, path, mapping) ||
                 std::regex_search(libraries.out, path, loader)));
        auto owner = mqtk::test::run({"dpkg", "-S", fs::canonical(path[2].str()).string()});
        if (owner.exit_code != 0) owner = mqtk::test::run({"dpkg", "-S", path[2].str()});
        INFO(owner.describe());
        REQUIRE(owner.exit_code == 0);
        packages.insert(owner.out.substr(0, owner.out.find_first_of(":,")));
    }
    return packages;
}

}  // namespace

TEST_CASE(
    "docs: cmake --install puts the binary, the man page and the completions where "
    "Debian looks for them") {
    TempDir dir;
    const auto prefix = dir.file("usr");
    const auto result =
        mqtk::test::run({"cmake", "--install", build_dir().string(), "--prefix", prefix});
    INFO(result.describe());
    REQUIRE(result.exit_code == 0);
    for (const auto& file : installed_files())
        CHECK_MESSAGE(fs::exists(fs::path(prefix) / file), file);
    CHECK(read_file(fs::path(prefix) / "share/bash-completion/completions/mqtk") ==
          read_file(source_dir() / "completions" / "mqtk.bash"));
}

TEST_CASE(
    "docs: the Debian package depends on the runtime libraries, installs into a root "
    "and runs") {
#ifdef MQTK_SANITIZE
    skip_test("packages are not built from sanitizer builds", SkipKind::NotApplicable);
    return;
#endif
    if (!try_run({"cpack", "--version"}) || !try_run({"dpkg-deb", "--version"})) {
        skip_test("cpack or dpkg-deb is not installed");
        return;
    }
    TempDir dir;
    // cpack installs what the last build produced (cmake/Install.cmake skips the rebuild).
    const auto packed = mqtk::test::run(
        {"cpack", "--config", (build_dir() / "CPackConfig.cmake").string(), "-B", dir.file("out")},
        RunOptions{.timeout = 120s});
    INFO(packed.describe());
    REQUIRE(packed.exit_code == 0);
    std::string deb;
    for (const auto& entry : fs::directory_iterator(dir.file("out")))
        if (entry.path().extension() == ".deb") deb = entry.path().string();
    REQUIRE_MESSAGE(!deb.empty(), "no .deb in " << dir.file("out"));

    const auto depends = mqtk::test::run({"dpkg-deb", "--field", deb, "Depends"});
    REQUIRE(depends.exit_code == 0);
    Strings declared;
    for (auto item : split(depends.out, ',')) {
        item.erase(0, item.find_first_not_of(" \n"));
        declared.insert(item.substr(0, item.find_first_of(" (\n")));
    }
    auto needed = runtime_packages(mqtk::test::mqtk_binary());
    needed.merge(runtime_packages(
        (fs::path(mqtk::test::mqtk_binary()).parent_path() / "mqtk_protobuf.so").string()));
    CHECK_MESSAGE(minus(needed, declared).empty(),
                  "linked against, not in Depends (cmake/Install.cmake): "
                      << joined(minus(needed, declared)));

    const auto root = dir.file("root");
    const auto extracted = mqtk::test::run({"dpkg-deb", "--extract", deb, root});
    INFO(extracted.describe());
    REQUIRE(extracted.exit_code == 0);
    for (const auto& file : installed_files())
        CHECK_MESSAGE(fs::exists(fs::path(root) / "usr" / file), "/usr/" << file);

    const auto version = mqtk::test::run({root + "/usr/bin/mqtk", "--version"});
    INFO(version.describe());
    CHECK(version.exit_code == 0);
    CHECK(version.out.rfind("mqtk " MQTK_VERSION " (Paho MQTT C++ ", 0) == 0);
    // The installed mqtk finds its protobuf module in /usr/lib/mqtk/: the schema is looked for.
    const auto codec = mqtk::test::run({root + "/usr/bin/mqtk", "pub", "-t", "t", "-m", "{}",
                                        "--encode", "protobuf:/nonexistent.proto:a.B"});
    INFO(codec.describe());
    CHECK(codec.exit_code == 2);
    CHECK(codec.err == "mqtk: /nonexistent.proto: cannot open: No such file or directory\n");

    const auto page = fs::path(root) / "usr/share/man/man1/mqtk.1.gz";
    if (fs::exists(page) && try_run({"man", "--version"})) {
        RunOptions options;
        options.env = {{"MANWIDTH", "80"}, {"MANPAGER", "cat"}, {"LC_ALL", "C.UTF-8"}};
        const auto shown = mqtk::test::run({"man", "--warnings", "-l", page.string()}, options);
        INFO(shown.describe());
        CHECK(shown.exit_code == 0);
        CHECK(shown.err.empty());
        CHECK(shown.out.find("NAME") != std::string::npos);
    }
}
