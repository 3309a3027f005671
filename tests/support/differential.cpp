// The comparisons of the differential suite (see differential.h).
#include "support/differential.h"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mqtk::test {
namespace {

bool contains(std::string_view text, std::string_view needle) {
    return text.find(needle) != std::string_view::npos;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

// mosquitto's lines for a connection that was never made (libmosquitto's error strings
// as the clients print them: "Error: <strerror>", "Unable to connect (<reason>).").
bool mosquitto_could_not_connect(std::string_view err) {
    for (const char* line :
         {"Unable to connect", "Error: Connection refused", "Error: A TLS error occurred",
          "Error: Protocol error", "Error: Lookup error", "Error: No route to host",
          "Error: The connection was lost", "Error: Connection reset",
          // --unix: connect() on a path where there is no socket
          "Error: No such file or directory"}) {
        if (contains(err, line)) return true;
    }
    return false;
}

// Reads the fields of one packet body, front to back; throws on a short body.
class Reader {
  public:
    explicit Reader(std::string_view body) : rest_(body) {}
    bool empty() const { return rest_.empty(); }
    std::size_t size() const { return rest_.size(); }
    std::uint8_t byte() { return static_cast<std::uint8_t>(take(1)[0]); }
    std::uint32_t number(std::size_t bytes) {
        std::uint32_t value = 0;
        for (const char c : take(bytes))
            value = value << 8 | static_cast<std::uint8_t>(c);
        return value;
    }
    std::uint32_t varint() {
        std::uint32_t value = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            const std::uint8_t b = byte();
            value |= static_cast<std::uint32_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw std::runtime_error("malformed variable byte integer");
    }
    std::string text() { return std::string(take(number(2))); }
    std::string rest() { return std::string(take(rest_.size())); }
    std::string_view take(std::size_t n) {
        if (n > rest_.size()) throw std::runtime_error("packet shorter than its fields");
        const auto part = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return part;
    }

  private:
    std::string_view rest_;
};

// Bytes as text: printable ASCII as is, the rest as \xNN.
std::string shown(std::string_view bytes) {
    std::string out;
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            out += c;
        } else {
            static constexpr char kDigits[] = "0123456789abcdef";
            out += "\\x";
            out += kDigits[b >> 4];
            out += kDigits[b & 0x0f];
        }
    }
    return out;
}

// MQTT 5 properties "[name=value ...]", in the order sent.
std::string properties(Reader& in) {
    Reader props(in.take(in.varint()));
    std::string out = "[";
    while (!props.empty()) {
        const std::uint32_t id = props.varint();
        std::string value;
        switch (id) {
            case 1:
            case 23:
            case 25:
            case 36:
            case 37:
            case 40:
            case 41:
            case 42:
                value = std::to_string(props.byte());
                break;
            case 19:
            case 33:
            case 34:
            case 35:
                value = std::to_string(props.number(2));
                break;
            case 2:
            case 17:
            case 24:
            case 39:
                value = std::to_string(props.number(4));
                break;
            case 11:
                value = std::to_string(props.varint());
                break;
            case 3:
            case 8:
            case 18:
            case 21:
            case 26:
            case 28:
            case 31:
            case 9:
            case 22:
                value = shown(props.text());
                break;
            case 38: {
                const std::string key = props.text();
                value = shown(key) + ":" + shown(props.text());
                break;
            }
            default:
                throw std::runtime_error("unknown property " + std::to_string(id));
        }
        out += (out.size() > 1 ? " " : "") + std::to_string(id) + "=" + value;
    }
    return out + "]";
}

std::string normalised_id(const std::string& id, const IdRule& ids) {
    if (!ids.fixed.empty()) return id;
    if (!ids.prefix.empty() && id.starts_with(ids.prefix)) return ids.prefix + "<generated>";
    return "<generated>";
}

std::string connect(Reader& in, const IdRule& ids, int& version) {
    const std::string name = in.text();
    version = in.byte();
    const std::uint8_t flags = in.byte();
    std::ostringstream out;
    out << "CONNECT " << name << " v" << version << " clean=" << ((flags >> 1) & 1)
        << " keepalive=" << in.number(2);
    if (version == 5) out << " props=" << properties(in);
    out << " id=" << normalised_id(in.text(), ids);
    if (flags & 0x04) {
        out << " will(qos=" << ((flags >> 3) & 3) << " retain=" << ((flags >> 5) & 1);
        if (version == 5) out << " props=" << properties(in);
        out << " topic=" << shown(in.text()) << " payload=" << shown(in.text()) << ")";
    }
    if (flags & 0x80) out << " user=" << shown(in.text());
    if (flags & 0x40) out << " password=" << shown(in.text());
    return out.str();
}

std::string publish(std::uint8_t header, Reader& in, int version) {
    const int qos = (header >> 1) & 3;
    std::ostringstream out;
    out << "PUBLISH qos=" << qos << " retain=" << (header & 1) << " dup=" << ((header >> 3) & 1)
        << " topic=" << shown(in.text());
    if (qos > 0) in.number(2);  // packet id
    if (version == 5) out << " props=" << properties(in);
    out << " payload=" << shown(in.rest());
    return out.str();
}

std::string subscribe(Reader& in, int version) {
    in.number(2);
    std::ostringstream out;
    out << "SUBSCRIBE";
    if (version == 5) out << " props=" << properties(in);
    while (!in.empty()) {
        const std::string filter = in.text();
        const std::uint8_t options = in.byte();
        out << " " << shown(filter) << "(qos=" << (options & 3);
        if (version == 5) {
            out << " nl=" << ((options >> 2) & 1) << " rap=" << ((options >> 3) & 1)
                << " rh=" << ((options >> 4) & 3);
        }
        out << ")";
    }
    return out.str();
}

std::string unsubscribe(Reader& in, int version) {
    in.number(2);
    std::ostringstream out;
    out << "UNSUBSCRIBE";
    if (version == 5) out << " props=" << properties(in);
    while (!in.empty())
        out << " " << shown(in.text());
    return out.str();
}

// A v5 reason code and properties at the end of a packet. Reason 0 without properties is
// what an absent reason means (MQTT 5, 3.4.2.1, 3.14.2.1): both read as nothing.
std::string reason_and_properties(Reader& in) {
    const int reason = in.empty() ? 0 : in.byte();
    const std::string props = in.empty() ? "[]" : properties(in);
    if (reason == 0 && props == "[]") return "";
    return " reason=" + std::to_string(reason) + " props=" + props;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP: the packet id dropped.
std::string acknowledgement(const char* name, Reader& in) {
    in.number(2);
    return name + reason_and_properties(in);
}

std::string disconnect(Reader& in) {
    return "DISCONNECT" + reason_and_properties(in);
}

std::string describe(const MqttPacket& packet, const IdRule& ids, int& version) {
    Reader in(packet.body);
    switch (packet.header >> 4) {
        case 1:
            return connect(in, ids, version);
        case 3:
            return publish(packet.header, in, version);
        case 4:
            return acknowledgement("PUBACK", in);
        case 5:
            return acknowledgement("PUBREC", in);
        case 6:
            return acknowledgement("PUBREL", in);
        case 7:
            return acknowledgement("PUBCOMP", in);
        case 8:
            return subscribe(in, version);
        case 10:
            return unsubscribe(in, version);
        case 14:
            return disconnect(in);
        case 15:
            return "AUTH " + shown(packet.body);
        default:
            return "type " + std::to_string(packet.header >> 4) + " " + shown(packet.body);
    }
}

}  // namespace

std::string to_string(ExitClass value) {
    switch (value) {
        case ExitClass::Success:
            return "success";
        case ExitClass::Usage:
            return "usage";
        case ExitClass::Connect:
            return "cannot connect";
        case ExitClass::Refused:
            return "refused";
        case ExitClass::Timeout:
            return "timeout";
        case ExitClass::Failure:
            return "failure";
        case ExitClass::Hang:
            return "hang";
        case ExitClass::Other:
            return "other";
    }
    return "?";
}

ExitClass classify_mosquitto(const ProcessResult& r) {
    if (r.timed_out) return ExitClass::Hang;
    const int code = r.exit_code;
    if (code == 0) return ExitClass::Success;
    if (code == 27) return ExitClass::Timeout;
    // The CONNACK's return code (3.1.1) or reason code (5) becomes the exit code.
    if ((code >= 2 && code <= 5) || code >= 128 || contains(r.err, "Connection error: "))
        return ExitClass::Refused;
    if (code == 7 || code == 8 || code == 14 || code == 15 || mosquitto_could_not_connect(r.err))
        return ExitClass::Connect;
    if (code == 1) {
        // A command line it refused: an "Error: ..." line, often with a pointer to
        // --help or the usage text itself on stdout.
        // "Error in PUBLISH properties: ...": mosquitto_rr's check of -D against -e.
        if (contains(r.err, "Error: ") || contains(r.err, "Error in ") ||
            contains(r.err, "--help' to see usage") || contains(r.out, "Usage: ")) {
            return ExitClass::Usage;
        }
        // --quiet hides the reason of a failed connection (usage errors print anyway).
        if (r.err.empty()) return ExitClass::Connect;
        return ExitClass::Failure;
    }
    return ExitClass::Other;
}

ExitClass classify_mqtk(const ProcessResult& r) {
    if (r.timed_out) return ExitClass::Hang;
    switch (r.exit_code) {
        case 0:
            return ExitClass::Success;
        case 1:
            return ExitClass::Failure;
        case 2:
            return ExitClass::Usage;
        case 3:
            return ExitClass::Connect;
        case 4:
            return ExitClass::Refused;
        case 5:
            return ExitClass::Timeout;
        default:
            return ExitClass::Other;
    }
}

std::vector<std::string> describe_packets(const std::vector<MqttPacket>& packets, const IdRule& ids,
                                          const std::string& topic_root) {
    std::vector<std::string> lines;
    int version = 4;
    for (const auto& packet : packets) {
        if ((packet.header >> 4) == 12) continue;  // PINGREQ: when, not what
        std::string line;
        try {
            line = describe(packet, ids, version);
        } catch (const std::exception& e) {
            line = "malformed (" + std::string(e.what()) + ") " + shown(packet.body);
        }
        replace_all(line, topic_root, "{t}");
        lines.push_back(line);
    }
    return lines;
}

std::vector<CompatibilityRow> read_compatibility_table(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error("cannot read " + path);
    std::vector<CompatibilityRow> rows;
    std::string line;
    bool in_table = false;
    while (std::getline(file, line)) {
        if (!line.starts_with("|")) {
            in_table = false;
            continue;
        }
        // The table of differences; other tables (the exit classes) are prose.
        if (line.starts_with("| flag/case |")) {
            in_table = true;
            std::getline(file, line);  // |---|
            continue;
        }
        if (!in_table) continue;
        const auto end = line.find(" |", 1);
        std::string key = line.substr(1, end == std::string::npos ? 0 : end - 1);
        key.erase(0, key.find_first_not_of(' '));
        rows.push_back({key, line});
    }
    return rows;
}

std::map<std::string, std::vector<std::vector<std::string>>> read_mosquitto_options(
    const std::string& path) {
    std::ifstream file(path);
    if (!file) throw std::runtime_error("cannot read " + path);
    std::map<std::string, std::vector<std::vector<std::string>>> tools;
    std::string line;
    while (std::getline(file, line)) {
        if (line.empty() || line.starts_with("#")) continue;
        std::istringstream fields(line);
        std::string tool, names;
        fields >> tool >> names;
        std::vector<std::string> flag;
        std::istringstream parts(names);
        for (std::string name; std::getline(parts, name, ',');)
            flag.push_back(name);
        tools[tool].push_back(flag);
    }
    return tools;
}

std::string source_dir() {
    return MQTK_SOURCE_DIR;
}

}  // namespace mqtk::test
