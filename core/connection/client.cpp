// The connection core over Paho MQTT C++ 1.2.0: options in, Paho configured around its
// known traps (docs/design.md, "Workarounds for Paho"), plain Messages and mqtk::Errors out.
//
// Choices, and why:
// - Callbacks, not the consumer queue: the queue is unbounded in 1.2.0 and 20-40% slower;
//   a callback that writes to stdout gives natural TCP back-pressure on a slow reader.
// - No client persistence (nullptr): any string argument switches on file persistence.
// - The MQTT version is always explicit: the default silently reconnects as MQTT 3.1.
// - connect_options is built as one lvalue with properties set last: copies in 1.2.0
//   drop CONNECT properties (#445).
// - Publishes are pipelined through completion listeners with a window no larger than
//   the broker's receive maximum: a larger queue makes Paho slower (linear scans), and
//   waiting on each token costs a thread hand-off per message.
#include "core/connection/client.h"

// Paho 1.2.0 exposes a received message's id (for %m) only through c_struct(), which its
// headers declare under UNIT_TESTS. The switch adds inline accessors and no state, and
// this is the only file that includes Paho, so every translation unit agrees.
#define UNIT_TESTS 1
#include <mqtt/async_client.h>
#undef UNIT_TESTS

#include <MQTTAsync.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/connection/hooks/paho_hooks.h"
#include "core/connection/hooks/tls_hooks.h"
#include "core/connection/private/net_diagnosis.h"
#include "core/connection/private/paho_int4.h"
#include "core/connection/private/socket_tuning.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/notice.h"
#include "core/publish_window.h"

namespace mqtt {
// Paho C++ 1.2.0 fills disconnect_options as a version 0 C struct, and Paho C 1.3.12 reads
// a DISCONNECT's properties from version 1 structs only (MQTTAsync_disconnect1), so
// set_properties() alone never reaches the wire (-D disconnect was lost). The class the
// library befriends for its own unit tests is the one way in to the version field.
class disconnect_options_test {
  public:
    static void carry_properties(disconnect_options& options) { options.opts_.struct_version = 1; }
};
}  // namespace mqtt

// Paho C++ 1.2.0 keeps its C handle private, and only the C library can say which
// publishes it still tracks (see Client::library_unfinished()). An explicit instantiation
// may name a private member; this reads that one member and nothing else.
MQTTAsync paho_c_handle(const mqtt::async_client& client);
template <MQTTAsync mqtt::async_client::*Handle>
struct PahoHandleAccess {
    friend MQTTAsync paho_c_handle(const mqtt::async_client& client) { return client.*Handle; }
};
template struct PahoHandleAccess<&mqtt::async_client::cli_>;

namespace mqtk {
namespace {

using Clock = std::chrono::steady_clock;

// How long a failed connect_async() may spend finding out why (see AsyncConnect). A
// refused or unreachable port answers at once; only a port that swallows SYNs costs the
// whole time (50 ms was too short for a refused loopback port on a loaded machine).
constexpr double kQuickDiagnosisSeconds = 0.5;

// How long a probe may wait for the answer of a server that let Paho's connect time out
// (see handshake_failure): the run is bounded by --connect-timeout plus this.
constexpr double kTimedOutProbeSeconds = 0.2;

// How long an interrupted connect() still waits for the CONNACK (see there): a broker
// answers within a round trip, and Ctrl-C on one that never does still ends promptly.
constexpr std::chrono::milliseconds kConnackGrace{500};

// Reconnecting after a loss (see Impl::reconnect_loop): the first attempt at once, then
// pauses doubling from the first to the cap, which is held for an outage of any length.
// The cap bounds how long a broker back on its port waits for us: mosquitto_sub comes
// back within its 1 s reconnect delay, and we within half a second. An attempt costs
// one TCP connection (refused at once while the port is closed).
constexpr std::chrono::milliseconds kFirstRetry{100};
constexpr std::chrono::milliseconds kRetryCap{500};

// Waits for the broker's answer to `token` in slices, so that a signal ends the wait at
// once (130, as at every other stage) and so does `deadline`: a broker that never answers
// (frozen, or one that ignores the request) would otherwise hold the command for ever.
// Throws what the token throws when the broker refused.
// `lost` says whether the connection was lost meanwhile: a SUBSCRIBE cut off with a kept
// session is never answered (Paho resends only PUBLISHes), so that wait would never end.
void await_answer(const mqtt::token_ptr& token, Client::AnswerDeadline deadline,
                  std::string_view what, std::string_view name, const std::function<bool()>& lost) {
    while (!token->wait_for(std::chrono::milliseconds(20))) {
        if (interrupted()) throw Error(ExitCode::Interrupted, "");
        if (lost())
            throw make_error(ExitCode::Failure, "connection lost awaiting {} '{}'", what, name);
        if (Clock::now() >= deadline) {
            throw make_error(ExitCode::Timeout, "timed out: the broker did not acknowledge {} '{}'",
                             what, name);
        }
    }
}

int paho_version(ProtocolVersion version) {
    switch (version) {
        case ProtocolVersion::V31:
            return MQTTVERSION_3_1;
        case ProtocolVersion::V311:
            return MQTTVERSION_3_1_1;
        case ProtocolVersion::V5:
            return MQTTVERSION_5;
    }
    return MQTTVERSION_3_1_1;
}

std::string lowercase(std::string text) {
    for (auto& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// MQTT 5 reason codes in words, as Paho names them ("not authorized").
// Both Paho lookups return NULL for codes they do not know (and std::string(NULL) throws).
std::string reason_text(int reason) {
    const char* text = MQTTReasonCode_toString(static_cast<MQTTReasonCodes>(reason));
    return text != nullptr ? lowercase(text) : fmt::format("reason code 0x{:02x}", reason);
}

// MQTTAsync_strerror for Paho's negative return codes.
std::string error_text(int rc) {
    const char* text = MQTTAsync_strerror(rc);
    return text != nullptr ? std::string(text) : fmt::format("error {}", rc);
}

// MQTT 3.1.1 CONNACK return codes (section 3.2.2.3).
std::string connack_v3_text(int code) {
    switch (code) {
        case 1:
            return "unacceptable protocol version";
        case 2:
            return "client identifier rejected";
        case 3:
            return "server unavailable";
        case 4:
            return "bad user name or password";
        case 5:
            return "not authorised";
    }
    return fmt::format("CONNACK return code {}", code);
}

mqtt::properties to_paho(const Properties& properties) {
    mqtt::properties result;
    for (const auto& p : properties) {
        const auto code = static_cast<mqtt::property::code>(p.id);
        switch (property_type(p.id)) {
            case PropertyType::Utf8:
            case PropertyType::Binary:
                result.add(mqtt::property(code, p.text));
                break;
            case PropertyType::Pair:
                result.add(mqtt::property(code, p.text, p.value));
                break;
            case PropertyType::FourByte:
                // Paho 1.3.12 writes these with signed arithmetic: see paho_int4.h.
                result.add(mqtt::property(code, paho_int4(p.number)));
                break;
            default:
                result.add(mqtt::property(code, static_cast<std::int32_t>(p.number)));
        }
    }
    return result;
}

void from_paho(const MQTTProperties& c_props, Properties& out) {
    out.clear();
    for (int i = 0; i < c_props.count; ++i) {
        const MQTTProperty& c = c_props.array[i];
        Property p;
        p.id = static_cast<PropertyId>(c.identifier);
        switch (MQTTProperty_getType(c.identifier)) {
            case MQTTPROPERTY_TYPE_BYTE:
                p.number = c.value.byte;
                break;
            case MQTTPROPERTY_TYPE_TWO_BYTE_INTEGER:
                p.number = c.value.integer2;
                break;
            case MQTTPROPERTY_TYPE_FOUR_BYTE_INTEGER:
            case MQTTPROPERTY_TYPE_VARIABLE_BYTE_INTEGER:
                p.number = c.value.integer4;
                break;
            case MQTTPROPERTY_TYPE_UTF_8_STRING_PAIR:
                p.value.assign(c.value.value.data, c.value.value.len);
                [[fallthrough]];
            default:
                p.text.assign(c.value.data.data, c.value.data.len);
        }
        out.push_back(std::move(p));
    }
}

// The C library's protocol trace, for -d: one "mqtk: debug:" line per packet. Paho opens
// with a banner (library and OpenSSL build details) between two "====" rules, and stamps
// every line with a date it never fills in; both are dropped. Installed once per process.
void print_trace(enum MQTTASYNC_TRACE_LEVELS, char* message) {
    static int rules_seen = 0;  // trace lines arrive one at a time on Paho's threads
    std::string_view line(message);
    if (line.substr(0, 5) == "=====") {
        ++rules_seen;
        return;
    }
    if (rules_seen == 1 || line.empty() || line == "\n") return;  // inside the banner
    if (line.size() > 20 && line[8] == ' ' && line[15] == '.') line.remove_prefix(20);
    std::fprintf(stderr, "mqtk: debug: %.*s\n", static_cast<int>(line.size()), line.data());
}

std::string make_client_id(const ConnectOptions& options, std::string_view command) {
    if (!options.client_id.empty()) return options.client_id;
    if (!options.id_prefix.empty()) return fmt::format("{}{}", options.id_prefix, getpid());
    return fmt::format("mqtk_{}_{}", command, getpid());
}

std::string make_uri(const ConnectOptions& options) {
    const bool ipv6 = options.host.find(':') != std::string::npos;
    const std::string host = ipv6 ? "[" + options.host + "]" : options.host;
    const int port = options.effective_port();
    switch (options.transport) {
        case Transport::Tcp:
            return fmt::format("tcp://{}:{}", host, port);
        case Transport::Tls:
            return fmt::format("ssl://{}:{}", host, port);
        case Transport::WebSocket:
            return fmt::format("ws://{}:{}{}", host, port, options.ws_path);
        case Transport::WebSocketTls:
            return fmt::format("wss://{}:{}{}", host, port, options.ws_path);
    }
    return {};
}

// Fills `ssl`, which must outlive every connect() made with options it was set on: Paho
// C++ 1.2.0 copies the CApath pointer, never the string behind it (#337), so every copy of
// ssl_options - and of connect_options - points into this object until Paho C copies the
// string in MQTTAsync_connect().
void configure_ssl(mqtt::ssl_options& ssl, const TlsOptions& tls) {
    // An empty trust store makes OpenSSL use the system's default paths (--tls-use-os-certs).
    if (!tls.cafile.empty()) ssl.set_trust_store(tls.cafile);
    if (!tls.capath.empty()) ssl.ca_path(tls.capath);
    if (!tls.certfile.empty()) ssl.set_key_store(tls.certfile);
    if (!tls.keyfile.empty()) ssl.set_private_key(tls.keyfile);
    if (!tls.key_password.empty()) ssl.set_private_key_password(tls.key_password);
    // The chain is always verified; --insecure skips only the host-name check (Paho's
    // `verify`, off by default), as in mosquitto. A PSK handshake has no certificate to
    // name a host (and Paho's check would read a null one).
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(!tls.insecure && tls.psk.empty());
    if (!tls.ciphers.empty()) ssl.set_enabled_cipher_suites(tls.ciphers);
    if (!tls.alpn.empty()) ssl.set_alpn_protos({tls.alpn});
    // The TLS version, PSK and key log go to the OpenSSL context (hooks/tls_hooks.h):
    // Paho C 1.3.12 ignores sslVersion with OpenSSL 3, and its PSK callback context dangles.
}

// mosquitto's --tls-version is the lowest version allowed, tlsv1.2 when not given.
int min_tls_version(const std::string& version) {
    if (version == "tlsv1.3") return TLS1_3_VERSION;
    if (version == "tlsv1.1") return TLS1_1_VERSION;
    return TLS1_2_VERSION;
}

TlsContextSettings tls_context_settings(const ConnectOptions& options) {
    const TlsOptions& tls = options.tls;
    TlsContextSettings settings;
    settings.min_version = min_tls_version(tls.version);
    if (!tls.insecure && tls.psk.empty()) settings.verify_host = options.host;
    settings.psk = tls.psk;
    settings.psk_identity = tls.psk_identity;
    settings.keylog_file = tls.keylog_file;
    return settings;
}

// A TCP socket of this process: its descriptor, and its inode, which tells it apart from
// an earlier socket that had the same (reused) number.
struct SocketId {
    int fd;
    ino_t inode;
    bool operator==(const SocketId&) const = default;
};

std::vector<SocketId> tcp_sockets_now() {
    std::vector<SocketId> sockets;
    for (const int fd : tcp_socket_fds()) {
        struct stat info {};
        if (fstat(fd, &info) == 0) sockets.push_back({fd, info.st_ino});
    }
    return sockets;
}

// The one TCP socket that is not among `before` (those held before a connect), or none.
// Used only for droppable clients, which check connects one at a time.
std::optional<SocketId> new_socket(const std::vector<SocketId>& before) {
    std::optional<SocketId> found;
    for (const SocketId& socket : tcp_sockets_now()) {
        if (std::find(before.begin(), before.end(), socket) != before.end()) continue;
        if (found) return std::nullopt;
        found = socket;
    }
    return found;
}

// Whether `socket` is still open under its number (not closed, nor the number reused).
bool still_open(const SocketId& socket) {
    struct stat info {};
    return fstat(socket.fd, &info) == 0 && info.st_ino == socket.inode;
}

}  // namespace

// Tells the PublishWindow what became of each publish, read from Paho's token.
//
// Across a reconnect with a kept session Paho sends the unacknowledged messages again,
// but the tokens of those it was writing as the connection broke may never complete (it
// failed some with a bare -1, and with a broken write some never hear of their PUBACK):
// counted in the window they would hold it shut for ever. Hence
// PublishWindow::settle_after_reconnect() at each reconnect.
class PublishListener : public mqtt::iaction_listener {
  public:
    explicit PublishListener(PublishWindow& window) : window_(window) {}

    void on_success(const mqtt::token& token) override {
        complete(token, PublishWindow::Outcome::Completed);
    }
    void on_failure(const mqtt::token& token) override {
        const int rc = token.get_return_code();
        const int reason = token.get_reason_code();
        // Paho discards a publish still in flight when the session goes with the
        // connection (clean session, or MQTT 5 without session expiry): nobody refused it.
        if (rc == MQTTASYNC_OPERATION_INCOMPLETE || rc == MQTTASYNC_DISCONNECTED) {
            return complete(token, PublishWindow::Outcome::SessionLost);
        }
        // A QoS 1/2 PUBLISH whose write failed as the connection broke fails its token
        // with a bare -1, but Paho keeps the message in its session and sends it again
        // after reconnecting - if there is a session to keep.
        const bool refusal = reason >= 0x80 && reason < 0xff;  // 0xff: Paho's "none"
        if (rc == MQTTASYNC_FAILURE && !refusal && qos_of(token) > 0) {
            return complete(token, PublishWindow::Outcome::WriteBroken);
        }
        complete(token, PublishWindow::Outcome::Failed,
                 refusal ? fmt::format("broker refused the publish: {} (0x{:02x})",
                                       reason_text(reason), reason)
                         : fmt::format("publish failed: {}", error_text(rc)));
    }

  private:
    // The admission stamp travels as the token's user context (see Client::publish), so
    // it costs no allocation and no lookup.
    static PublishWindow::Stamp stamp_of(const mqtt::token& token) {
        return static_cast<PublishWindow::Stamp>(
            reinterpret_cast<std::uintptr_t>(token.get_user_context()));
    }
    static int qos_of(const mqtt::token& token) {
        const auto* delivery = dynamic_cast<const mqtt::delivery_token*>(&token);
        const auto message = delivery != nullptr ? delivery->get_message() : nullptr;
        return message ? message->get_qos() : 0;
    }
    // A publish completing on Paho's receive thread wakes the waiting publisher at once,
    // whatever the refill mark: at QoS 0 that was a write the socket could not take whole
    // (paho_hooks.h), and Paho's send thread, which holds the rest of the window, sleeps
    // until a new publish wakes it (or a second passes: pub -l of 1 KiB lines at QoS 0
    // ran at ~9,000 msgs/s with 1.4 s of CPU in 22 s against a broker slower than the
    // publisher).
    void complete(const mqtt::token& token, PublishWindow::Outcome outcome,
                  const std::string& error = {}) {
        window_.complete(stamp_of(token), outcome, error, in_paho_receive_thread());
    }

    PublishWindow& window_;
};

struct Client::Impl {
    ConnectOptions options;
    SessionBehaviour behaviour;
    std::string client_id;
    std::string endpoint;
    std::unique_ptr<mqtt::async_client> paho;
    // Paho C++ 1.2.0's connect() writes async_client members (the MQTT version, the connect
    // token) without its own lock, and publish(), subscribe() and unsubscribe() read them.
    // Once connected, connect() runs on the reconnect thread while the command's thread
    // (or Paho's, for echo) publishes: those calls hold this. A value written equal to the
    // old one, but a data race all the same. Never held while waiting for an answer.
    std::mutex paho_calls;
    mqtt::connect_options connect_options;
    mqtt::ssl_options ssl;  // connect_options points into it: see configure_ssl()

    MessageHandler message_handler;
    LostHandler lost_handler;
    ConnectedHandler reconnected_handler;
    std::function<void()> subscribed_handler;
    // Calls subscribed_handler from the SUBACK's completion, on Paho's receive thread.
    struct SubackListener : mqtt::iaction_listener {
        Impl* impl = nullptr;
        void on_success(const mqtt::token&) override {
            if (impl->subscribed_handler) impl->subscribed_handler();
        }
        void on_failure(const mqtt::token&) override {}
    } suback_listener;
    Message scratch;  // reused for every arrival (receive thread only)

    PublishWindow publishes{monotonic_ns};
    PublishListener listener{publishes};
    std::size_t window = 20;
    mqtt::string_ref last_topic;

    std::atomic<bool> connected{false};
    std::atomic<std::uint64_t> lost_ns{0};  // monotonic_ns() of the loss, 0 while connected
    std::atomic<std::uint64_t> losses{0};   // connection losses so far
    std::atomic<int> connected_calls{0};    // of the connected handler
    std::atomic<bool> closing{false};       // disconnect() began: no reconnect or loss news
    // disconnect() is done: no more messages. Not `closing`: Paho acknowledges a QoS 1/2
    // message before it hands it over, so one that arrives while the DISCONNECT goes out
    // is no longer the broker's to send again, and must still reach the handler.
    std::atomic<bool> closed{false};
    std::atomic<bool> disconnect_sent{false};
    std::atomic<int> callbacks_running{0};
    std::optional<SocketId> socket;  // the connection's, if droppable and found (see drop())

    // Our own reconnecting (SessionBehaviour::auto_reconnect), see reconnect_loop().
    std::thread reconnector;
    std::mutex reconnect_mutex;
    std::condition_variable reconnect_wake;
    bool reconnect_needed = false;             // a loss since the last reconnect began
    std::atomic<bool> session_present{false};  // at the last connect or reconnect
    // Notes the CONNACK's session-present flag of a reconnect. Paho calls it before the
    // connected handler, so on_reconnected handlers see the new value.
    struct ReconnectListener : mqtt::iaction_listener {
        Impl* impl = nullptr;
        void on_success(const mqtt::token& token) override {
            try {
                impl->session_present = token.get_connect_response().is_session_present();
            } catch (const std::exception&) {  // no response to read: assume the worst
                impl->session_present = false;
            }
        }
        void on_failure(const mqtt::token&) override {}
    } reconnect_listener;

    // QoS 0: SessionBehaviour::qos0_window says why; QoS 1/2 stay within the broker's
    // receive maximum (see the file comment).
    std::size_t window_for(int qos) const {
        return qos == 0 ? std::max(window, behaviour.qos0_window) : window;
    }
    // Reports the outcome of connect_async() on Paho's thread, once: Paho C++ 1.2.0 signals
    // a connect token's success twice (the C library's onSuccess, then again from its
    // connected callback).
    struct AsyncConnect : mqtt::iaction_listener {
        Impl* impl = nullptr;
        ConnectDone done;
        std::atomic<bool> reported{false};
        void on_success(const mqtt::token&) override {
            if (reported.exchange(true)) return;
            impl->connected = true;
            done(nullptr);
        }
        void on_failure(const mqtt::token& token) override {
            if (reported.exchange(true)) return;
            const int rc = token.get_return_code();
            if (rc > 0) {
                const Error failure = make_error(
                    ExitCode::Refused, "broker refused the connection: {}", impl->refusal_text(rc));
                done(&failure);
                return;
            }
            // Paho says only "failure"; a short look at the port names the usual causes
            // (refused, unreachable). Short, because this is Paho's thread: a storm's
            // other connects wait meanwhile.
            std::string why = diagnose_tcp(impl->options.host, impl->options.effective_port(),
                                           kQuickDiagnosisSeconds);
            if (why.empty()) why = error_text(rc);
            const Error failure =
                make_error(ExitCode::Unreachable, "cannot connect to {}: {}", impl->endpoint, why);
            done(&failure);
        }
    } async_connect;

    void build_connect_options();
    void install_callbacks();
    void deliver(const mqtt::const_message_ptr& message);
    void lost(const std::string& cause);
    bool publish(const Message& message, const GiveUp& give_up, std::string* taken,
                 bool if_room = false);
    void start_reconnector();
    void stop_reconnector();
    void reconnect_loop();
    bool try_reconnect();
    [[noreturn]] void throw_connect_error(const mqtt::exception& error, bool timed_out) const;
    std::string handshake_failure(bool timed_out) const;
    // A CONNACK's refusal in words. v3: the return code. v5: Paho puts the reason code in
    // rc, and every v5 refusal is >= 0x80; a smaller rc is the 3.1.1 return code of a broker
    // that does not speak MQTT 5 (Aedes answers 1, "unacceptable protocol version").
    std::string refusal_text(int rc) const {
        if (options.version != ProtocolVersion::V5) return connack_v3_text(rc);
        if (rc >= 0x80) return reason_text(rc);
        std::string why = connack_v3_text(rc);
        if (rc == 1) why += " (the broker does not speak MQTT 5; try -V 311)";
        return why;
    }
};

Client::Client(const ConnectOptions& options, std::string_view command, SessionBehaviour behaviour)
    : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    impl_->behaviour = behaviour;
    impl_->client_id = make_client_id(options, command);
    impl_->endpoint = fmt::format("{}:{}", options.host, options.effective_port());

    // Debian's Paho keeps an in-memory trace of every packet and function call unless told
    // otherwise: about a quarter of a subscriber's CPU (measured). Errors only, unless -d.
    static std::once_flag trace_once;
    std::call_once(trace_once, [debug = options.debug] {
        // Nor does Paho need to initialise OpenSSL for every run: it loads all ciphers,
        // digests, error strings and the system's openssl.cnf, TLS or not - 0.7 ms of the
        // 6.5 ms of CPU a one-shot publish took (perf stat, interleaved with the change).
        // OpenSSL 3 does what a TLS connection needs by itself, at its first SSL_CTX_new().
        MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
        init.do_openssl_init = 0;
        MQTTAsync_global_init(&init);
        if (debug) MQTTAsync_setTraceCallback(print_trace);
        MQTTAsync_setTraceLevel(debug ? MQTTASYNC_TRACE_PROTOCOL : MQTTASYNC_TRACE_ERROR);
    });

    mqtt::create_options create(paho_version(options.version));
    // Paho's default of 100 buffered publishes applies while connected too (-12 beyond).
    create.set_max_buffered_messages(65535);
    create.set_send_while_disconnected(behaviour.publish_while_disconnected);
    try {
        impl_->paho = std::make_unique<mqtt::async_client>(make_uri(options), impl_->client_id,
                                                           create, nullptr);
    } catch (const mqtt::exception& error) {
        throw usage_error("cannot use broker address {}: {}", make_uri(options),
                          error_text(error.get_return_code()));
    }
    impl_->build_connect_options();
    // A reconnect starts cleanly again under a clean session; MQTT 5 also needs an expiry.
    impl_->publishes.set_keeps_session(
        !options.clean_session &&
        (options.version != ProtocolVersion::V5 || options.session_expiry.value_or(0) > 0));
    impl_->install_callbacks();
}

void Client::Impl::build_connect_options() {
    const bool v5 = options.version == ProtocolVersion::V5;
    connect_options.set_mqtt_version(paho_version(options.version));  // before clean flags
    if (v5) {
        connect_options.set_clean_start(options.clean_session);
    } else {
        connect_options.set_clean_session(options.clean_session);
    }
    connect_options.set_keep_alive_interval(options.keepalive);
    connect_options.set_connect_timeout(static_cast<int>(std::ceil(options.connect_timeout)));
    connect_options.set_max_inflight(options.max_inflight);
    if (options.username) connect_options.set_user_name(*options.username);
    if (options.password) connect_options.set_password(*options.password);
    if (options.will) {
        const auto& will = *options.will;
        connect_options.set_will(mqtt::will_options(will.topic, mqtt::binary_ref(will.payload),
                                                    will.qos, will.retain,
                                                    to_paho(options.will_properties)));
    }
    if (options.uses_tls()) {
        configure_ssl(ssl, options.tls);
        connect_options.set_ssl(ssl);
        set_tls_context_settings(tls_context_settings(options));
    }
    // No set_automatic_reconnect(): Paho looks at its retry timer at most every 3 s
    // (MQTTAsync_checkTimeouts), so a broker back on its port was used again only 2-5 s
    // later, whatever the back-off. reconnect_loop() does it instead.
    if (v5) {
        Properties properties = options.connect_properties;
        // A -D property of the same name wins over the option's value.
        const auto add_unless_given = [&](PropertyId id, std::optional<std::uint32_t> value) {
            if (!value || find_property(properties, id)) return;
            Property property;
            property.id = id;
            property.number = *value;
            properties.push_back(property);
        };
        add_unless_given(PropertyId::SessionExpiryInterval, options.session_expiry);
        // Last, after -D's and the session expiry: mosquitto's clients add theirs there.
        add_unless_given(PropertyId::ReceiveMaximum, options.receive_maximum);
        connect_options.set_properties(to_paho(properties));  // last: see #445
    }
}

void Client::Impl::install_callbacks() {
    paho->set_message_callback([this](mqtt::const_message_ptr message) { deliver(message); });
    paho->set_connection_lost_handler(
        [this](const std::string& cause) { lost(cause.empty() ? "connection lost" : cause); });
    paho->set_disconnected_handler([this](const mqtt::properties&, mqtt::ReasonCode reason) {
        lost(fmt::format("broker disconnected: {}", reason_text(reason)));
    });
    paho->set_connected_handler([this](const std::string&) {
        if (options.tcp_nodelay) enable_tcp_nodelay_everywhere();
        connected = true;
        lost_ns = 0;
        // The first connect is reported by connect(); only reconnects are news here. Paho
        // calls this after completing connect()'s token, so count calls rather than test a
        // flag that connect() sets: that raced and re-subscribed on the first connect.
        if (connected_calls.fetch_add(1) > 0) {
            publishes.settle_after_reconnect();
            if (closing) return;
            notice("reconnected");
            if (reconnected_handler) reconnected_handler();
        }
    });
}

void Client::Impl::deliver(const mqtt::const_message_ptr& message) {
    ++callbacks_running;  // before reading `closed`: disconnect() sets it, then waits on us
    if (!closed && message_handler) {
        const auto& topic = message->get_topic();
        const auto& payload = message->get_payload_ref();
        scratch.topic.assign(topic);
        scratch.payload.assign(payload.data(), payload.size());
        scratch.qos = message->get_qos();
        scratch.retain = message->is_retained();
        scratch.duplicate = message->is_duplicate();
        scratch.message_id = message->c_struct().msgid;
        from_paho(message->get_properties().c_struct(), scratch.properties);
        scratch.received_at = std::chrono::system_clock::now();
        message_handler(scratch);
    }
    --callbacks_running;
}

// Paho 1.3.12 keys unfinished socket writes by descriptor number, and a write cut off
// with the connection can outlive its socket: the next socket, given the same (lowest
// free) number, then looks busy for ever, and nothing - not even the resending of the
// kept session - is written on the new connection (measured: a network cut mid-stream
// froze `pub -l -c` after the reconnect, every time; restart_test.cpp has the cut).
// Taking the number Paho just freed gives the new socket another one. Costs one
// descriptor per connection loss.
void hold_lost_socket_number() {
    (void)::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void Client::Impl::lost(const std::string& cause) {
    // Paho can report one loss twice (a v5 DISCONNECT from the broker, then the socket
    // closing): the notice is said once per loss.
    const bool was_connected = connected.exchange(false);
    ++losses;
    // Once per loss: Paho reports an MQTT 5 loss twice (the DISCONNECT, then the socket),
    // and the second report frees no socket.
    if (behaviour.auto_reconnect && was_connected) hold_lost_socket_number();
    std::uint64_t none = 0;
    lost_ns.compare_exchange_strong(none, monotonic_ns());
    publishes.wake();
    if (closing) return;
    if (behaviour.auto_reconnect) {
        if (was_connected) notice("{}; reconnecting", cause);
        std::lock_guard lock(reconnect_mutex);
        reconnect_needed = true;
        start_reconnector();
        reconnect_wake.notify_one();
    }
    if (lost_handler) lost_handler(cause);
}

// Started at the first loss, not at connect: most runs never lose their connection, and
// a thread made and joined for nothing cost a one-shot publish ~1 ms of wall time (its
// exit builds a malloc arena and frees its stack; strace of `pub -f`, 1 MB). Called with
// reconnect_mutex held, and never once `closing` is set, so that stop_reconnector() either
// sees the thread or no thread is made. Signals are blocked like Paho's threads' (they
// must reach the main thread).
void Client::Impl::start_reconnector() {
    if (!behaviour.auto_reconnect || closing || reconnector.joinable()) return;
    SignalBlock block;
    reconnector = std::thread([this] { reconnect_loop(); });
}

void Client::Impl::stop_reconnector() {
    std::thread running;
    {
        std::lock_guard lock(reconnect_mutex);
        reconnect_wake.notify_one();  // `closing` is already set
        running = std::move(reconnector);
    }
    if (running.joinable()) {
        if (running.get_id() == std::this_thread::get_id()) {
            running.detach();  // a disconnect from the reconnect thread itself
        } else {
            running.join();
        }
    }
}

// After each loss: an attempt at once, then with pauses from kFirstRetry doubling to
// kRetryCap, until connected or closing. A new connect() with the options of the first
// is what Paho's automatic reconnect does too (same session flags, will, properties);
// the connected handler then reports the reconnect.
void Client::Impl::reconnect_loop() {
    std::unique_lock lock(reconnect_mutex);
    for (;;) {
        reconnect_wake.wait(lock, [this] { return reconnect_needed || closing; });
        if (closing) return;
        reconnect_needed = false;
        auto pause = std::chrono::milliseconds(kFirstRetry);
        for (;;) {
            lock.unlock();
            // Paho's own flag: ours may be set late by connect(), after a loss.
            const bool done = closing || paho->is_connected() || try_reconnect();
            lock.lock();
            if (done || closing) break;
            reconnect_wake.wait_for(lock, pause, [this] { return closing.load(); });
            pause = std::min(pause * 2, std::chrono::milliseconds(kRetryCap));
        }
    }
}

// One attempt, up to the connect timeout. Stopped early when the client closes, after a
// moment for a CONNACK on its way (as in connect(): a DISCONNECT, not a dropped
// connection that would publish the will).
bool Client::Impl::try_reconnect() {
    try {
        const ConnectInProgress connecting;
        mqtt::token_ptr token;
        {
            std::lock_guard lock(paho_calls);  // see paho_calls
            reconnect_listener.impl = this;
            token = paho->connect(connect_options, nullptr, reconnect_listener);
        }
        const auto give_up =
            Clock::now() + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.connect_timeout));
        while (!token->wait_for(std::chrono::milliseconds(20))) {
            if (closing) {
                (void)token->wait_for(kConnackGrace);
                return false;
            }
            if (Clock::now() >= give_up) return false;
        }
        return true;
    } catch (const mqtt::exception& error) {  // refused, unreachable, or still connecting
        if (options.debug)
            notice("debug: reconnecting failed: {}", error_text(error.get_return_code()));
        return false;
    }
}

void Client::Impl::throw_connect_error(const mqtt::exception& error, bool timed_out) const {
    const int rc = error.get_return_code();
    if (rc > 0) {
        // v3: the CONNACK return code; v5: Paho puts the CONNACK reason code in rc.
        throw make_error(ExitCode::Refused, "broker refused the connection: {}", refusal_text(rc));
    }
    if (rc == MQTTASYNC_BAD_UTF8_STRING || rc == MQTTASYNC_BAD_MQTT_OPTION ||
        rc == MQTTASYNC_WRONG_MQTT_VERSION || rc == MQTTASYNC_BAD_PROTOCOL) {
        throw usage_error("cannot connect to {}: {}", endpoint, error_text(rc));
    }
    std::string why = diagnose_tcp(options.host, options.effective_port(),
                                   std::min(options.connect_timeout, 2.0));
    if (why.empty()) why = handshake_failure(timed_out);  // TCP works: the failure is above it
    throw make_error(ExitCode::Unreachable, "cannot connect to {}: {}", endpoint, why);
}

// Paho fails a TLS port spoken to in plain MQTT and a plain port spoken to in TLS alike
// (the peer hangs up), and waits out the timeout on bytes that are not MQTT: a probe of
// our own names what is on the port instead, within a second.
std::string Client::Impl::handshake_failure(bool timed_out) const {
    const std::string& host = options.host;
    const int port = options.effective_port();
    // After a timeout the user has waited the whole --connect-timeout already: the probe
    // may only add a moment (a server that speaks answers a greeting at once; one that
    // was silent to Paho for that long is silent to the probe too). A second of probing
    // here made --connect-timeout 1 take 2 s.
    const double wait = timed_out ? kTimedOutProbeSeconds : std::min(options.connect_timeout, 1.0);
    const std::string silence = fmt::format("no CONNACK within {} s", options.connect_timeout);
    const std::string hung_up = "the broker closed the connection during the MQTT handshake";
    const std::string v5_hint =
        options.version == ProtocolVersion::V5 ? " (does the broker speak MQTT 5?)" : "";
    // What OpenSSL said on Paho's thread (core/connection/hooks/tls_hooks.h): an unverified
    // certificate, another host's, a broker that wants a client certificate...
    const std::string tls_why =
        options.uses_tls() ? describe_tls_failure(take_tls_failure(), !options.tls.certfile.empty(),
                                                  !options.tls.psk.empty())
                           : std::string();
    switch (options.transport) {
        case Transport::WebSocket:
        case Transport::WebSocketTls:
            if (timed_out) return silence;
            if (!tls_why.empty()) return "TLS handshake failed: " + tls_why;
            return options.uses_tls() ? "TLS handshake or WebSocket upgrade failed" : hung_up;
        case Transport::Tls:
            if (timed_out) {
                return probe_answer(host, port, Greeting::Tls, wait) == Answer::Tls
                           ? silence + v5_hint
                           : fmt::format("no answer to the TLS handshake within {} s",
                                         options.connect_timeout);
            }
            if (probe_answer(host, port, Greeting::Mqtt, wait) == Answer::Connack) {
                return "TLS handshake failed: the port speaks plain MQTT, not TLS (use the "
                       "broker's TLS port, or no --cafile/mqtts://)";
            }
            if (!tls_why.empty()) return "TLS handshake failed: " + tls_why;
            return "TLS handshake failed (check --cafile, the certificate's host name, or the "
                   "port)";
        case Transport::Tcp:
            break;
    }
    switch (probe_answer(host, port, Greeting::Mqtt, wait)) {
        case Answer::Http:
            return "the server answered in HTTP, not MQTT (a WebSocket port? use ws://)";
        case Answer::Tls:
            return "the port speaks TLS: use --cafile, --insecure or an mqtts:// URL";
        case Answer::Other:
            return "the server answered with bytes that are not MQTT (is this an MQTT port?)";
        case Answer::Closed:
            // TLS servers hang up on a plain CONNECT without a word: greet it in TLS.
            if (probe_answer(host, port, Greeting::Tls, wait) == Answer::Tls) {
                return "the port speaks TLS: use --cafile, --insecure or an mqtts:// URL";
            }
            return (timed_out ? silence : hung_up) + v5_hint;
        case Answer::Connack:
            // Hung up on our MQTT 5 CONNECT, yet accepts an MQTT 3.1.1 one (RabbitMQ 3.10):
            // a refusal of the protocol version, exit 4 as Aedes' CONNACK 1 is. (Paho's own
            // connect timing out is not that: the broker may just be slow.)
            if (!v5_hint.empty() && !timed_out) {
                throw make_error(ExitCode::Refused,
                                 "broker refused the connection: it hung up on an MQTT 5 CONNECT "
                                 "and accepts MQTT 3.1.1 (it does not speak MQTT 5; try -V 311)");
            }
            return (timed_out ? silence : hung_up) + v5_hint;
        default:
            return (timed_out ? silence : hung_up) + v5_hint;
    }
}

ConnectResult Client::connect() {
    auto& impl = *impl_;
    const auto timeout = std::chrono::duration<double>(impl.options.connect_timeout);
    const auto started = Clock::now();
    const auto losses = impl.losses.load();
    const auto sockets_before =
        impl.behaviour.droppable ? tcp_sockets_now() : std::vector<SocketId>();
    try {
        const ConnectInProgress connecting;  // Paho's receive thread: no 10 ms wait
        (void)take_tls_failure();            // an earlier connection's is not news
        mqtt::token_ptr token;
        {
            // Paho starts its threads here; they inherit a mask without SIGINT/SIGTERM, so
            // those always reach our thread (an EINTR in Paho's poll() drops connections).
            SignalBlock block;
            token = impl.paho->connect(impl.connect_options);
        }
        // In slices, to notice a signal; the token's completion ends a slice at once.
        const auto give_up = Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout);
        while (!token->wait_for(std::chrono::milliseconds(5))) {
            // Ctrl-C on a broker that does not answer ends at once, silently, as it would
            // at any later stage. But a broker that has our CONNECT already would see a
            // dropped connection and publish the will: a moment for its CONNACK lets
            // disconnect() (from ~Client) say DISCONNECT instead.
            if (interrupted()) {
                try {
                    (void)token->wait_for(kConnackGrace);
                } catch (const mqtt::exception&) {  // refused: nothing to close
                }
                throw Error(ExitCode::Interrupted, "");
            }
            if (Clock::now() >= give_up) throw mqtt::exception(MQTTASYNC_FAILURE);
        }
        const auto response = token->get_connect_response();
        ConnectResult result;
        result.session_present = response.is_session_present();
        impl.session_present = result.session_present;
        result.version = impl.options.version;
        result.client_id = impl.client_id;
        from_paho(response.get_properties().c_struct(), result.properties);
        result.receive_maximum = impl.options.max_inflight;
        if (const auto* p = find_property(result.properties, PropertyId::ReceiveMaximum)) {
            result.receive_maximum = static_cast<int>(p->number);
        }
        if (const auto* p =
                find_property(result.properties, PropertyId::AssignedClientIdentifier)) {
            result.client_id = p->text;
        }
        // Paho caps its own in-flight count at the broker's receive maximum under v5; our
        // window follows, so publishes never queue behind Paho's linear scans.
        impl.window = static_cast<std::size_t>(
            std::max(1, std::min(impl.options.max_inflight, result.receive_maximum)));
        if (impl.options.tcp_nodelay) enable_tcp_nodelay_everywhere();
        if (impl.behaviour.droppable) impl.socket = new_socket(sockets_before);
        // Not after a loss already (a broker that stopped at once): that loss stands, and
        // the reconnect it started must not think itself done.
        if (impl.losses == losses) impl.connected = true;
        return result;
    } catch (const mqtt::exception& error) {
        // Paho reports its own connect timeout as a plain failure; the clock tells them apart.
        const bool timed_out = Clock::now() - started >= timeout * 0.95;
        impl.throw_connect_error(error, timed_out);
    }
}

void Client::connect_async(ConnectDone done) {
    auto& impl = *impl_;
    impl.async_connect.impl = &impl;
    impl.async_connect.done = std::move(done);
    impl.async_connect.reported = false;
    try {
        SignalBlock block;  // as in connect(): Paho may start its threads here
        impl.paho->connect(impl.connect_options, nullptr, impl.async_connect);
    } catch (const mqtt::exception& error) {
        impl.throw_connect_error(error, false);
    }
}

void Client::on_message(MessageHandler handler) {
    impl_->message_handler = std::move(handler);
}
void Client::on_connection_lost(LostHandler handler) {
    impl_->lost_handler = std::move(handler);
}
void Client::on_subscribed(std::function<void()> handler) {
    impl_->subscribed_handler = std::move(handler);
}

void Client::on_reconnected(ConnectedHandler handler) {
    impl_->reconnected_handler = std::move(handler);
}
void Client::on_publish_complete(PublishCompletion handler) {
    impl_->publishes.set_completion(std::move(handler));
}

void Client::on_room(std::function<void()> handler) {
    impl_->publishes.set_room_hook(std::move(handler));
}

std::vector<int> Client::subscribe(const std::vector<SubscribeRequest>& requests,
                                   AnswerDeadline deadline) {
    const bool v5 = impl_->options.version == ProtocolVersion::V5;
    const auto losses = impl_->losses.load();
    const auto lost = [this, losses] { return impl_->losses != losses; };
    std::vector<mqtt::token_ptr> tokens;
    tokens.reserve(requests.size());
    std::size_t waiting_for = requests.size();  // the request whose SUBACK we wait for
    try {
        for (const auto& request : requests) {
            const mqtt::subscribe_options options(
                request.no_local, request.retain_as_published,
                static_cast<mqtt::subscribe_options::RetainHandling>(request.retain_handling));
            auto& listener = impl_->suback_listener;
            listener.impl = impl_.get();
            std::lock_guard lock(impl_->paho_calls);
            tokens.push_back(
                v5 ? impl_->paho->subscribe(request.filter, request.qos, nullptr, listener, options,
                                            to_paho(request.properties))
                   : impl_->paho->subscribe(request.filter, request.qos, nullptr, listener));
        }
        std::vector<int> granted;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            waiting_for = i;
            await_answer(tokens[i], deadline, "the subscription to", requests[i].filter, lost);
            const auto response = tokens[i]->get_subscribe_response();  // by value: keep it
            const auto& codes = response.get_reason_codes();
            const int code = codes.empty() ? requests[i].qos : static_cast<int>(codes.front());
            if (code >= 0x80) {
                throw make_error(ExitCode::Failure, "broker refused the subscription to '{}': {}",
                                 requests[i].filter, reason_text(code));
            }
            granted.push_back(code);
        }
        return granted;
    } catch (const mqtt::exception& error) {
        const int reason = error.get_reason_code();
        // A refusing SUBACK fails the token: v5 with its reason code, v3 with 0x80 as rc.
        const int code = reason >= 0x80 ? reason : error.get_return_code();
        if (waiting_for < requests.size() && code >= 0x80 && code <= 0xFF) {
            throw make_error(ExitCode::Failure, "broker refused the subscription to '{}': {}",
                             requests[waiting_for].filter,
                             v5 ? reason_text(code) : std::string("failure (0x80)"));
        }
        const std::string why =
            reason >= 0x80 ? reason_text(reason) : error_text(error.get_return_code());
        throw make_error(ExitCode::Failure, "subscribe failed: {}", why);
    }
}

bool Client::resubscribe(const std::vector<SubscribeRequest>& requests, AnswerDeadline deadline) {
    return unless_lost_again([&] { subscribe(requests, deadline); });
}

bool Client::unless_lost_again(const std::function<void()>& request) {
    const auto losses = impl_->losses.load();
    try {
        request();
        return true;
    } catch (const Error& error) {
        // Paho refuses at once once its socket is gone, a moment before lost() hears of it.
        if (error.code() == ExitCode::Failure &&
            (impl_->losses != losses || !impl_->paho->is_connected())) {
            return false;
        }
        throw;
    }
}

void Client::unsubscribe(const std::vector<std::string>& filters, const Properties& properties,
                         AnswerDeadline deadline) {
    const auto losses = impl_->losses.load();
    const auto lost = [this, losses] { return impl_->losses != losses; };
    for (const auto& filter : filters) {
        try {
            mqtt::token_ptr token;
            {
                std::lock_guard lock(impl_->paho_calls);
                token = impl_->paho->unsubscribe(filter, to_paho(properties));
            }
            await_answer(token, deadline, "the unsubscription from", filter, lost);
        } catch (const mqtt::exception& error) {
            // Paho C++ fails the token on any v5 reason code but success; "no subscription
            // existed" (0x11) is not an error: mosquitto_sub's `-c -E -U` clean-up recipe
            // meets it whenever there is nothing to clean.
            const int reason = error.get_reason_code();
            if (reason == MQTTREASONCODE_NO_SUBSCRIPTION_FOUND) continue;
            if (reason >= 0x80 && reason < 0xff) {
                throw make_error(ExitCode::Failure,
                                 "broker refused the unsubscription from '{}': {}", filter,
                                 reason_text(reason));
            }
            // Not the broker's answer: the connection went, or Paho refused the request.
            throw make_error(ExitCode::Failure, "unsubscribe from '{}' failed: {}", filter,
                             error_text(error.get_return_code()));
        }
    }
}

bool Client::publish(const Message& message, const GiveUp& give_up) {
    return impl_->publish(message, give_up, nullptr);
}

bool Client::publish(Message&& message, const GiveUp& give_up) {
    return impl_->publish(message, give_up, &message.payload);
}

bool Client::publish_if_room(const Message& message) {
    return impl_->publish(message, {}, nullptr, /*if_room=*/true);
}

// `taken`, when given, is message.payload, which the caller is done with: it is moved into
// Paho's message instead of copied (one copy of a large `pub -f` file fewer).
bool Client::Impl::publish(const Message& message, const GiveUp& give_up, std::string* taken,
                           bool if_room) {
    auto& impl = *this;
    const std::size_t capacity = impl.window_for(message.qos);
    const std::size_t mark = publish_refill_mark(message.qos, capacity);
    const auto may_wait = [&] {
        return give_up && (impl.connected || impl.behaviour.publish_while_disconnected);
    };
    const auto stamp = if_room ? impl.publishes.try_admit(capacity, mark)
                               : impl.publishes.admit(capacity, mark, give_up, may_wait);
    if (!stamp) return false;
    if (!impl.last_topic || impl.last_topic.str() != message.topic) {
        impl.last_topic = mqtt::string_ref(message.topic);
    }
    try {
        mqtt::binary_ref payload =
            taken ? mqtt::binary_ref(std::move(*taken)) : mqtt::binary_ref(message.payload);
        auto paho_message =
            message.properties.empty()
                ? mqtt::message::create(impl.last_topic, std::move(payload), message.qos,
                                        message.retain)
                : mqtt::message::create(impl.last_topic, std::move(payload), message.qos,
                                        message.retain, to_paho(message.properties));
        static_assert(sizeof(void*) >= sizeof(PublishWindow::Stamp),
                      "the admission stamp rides in a pointer");
        void* context = reinterpret_cast<void*>(static_cast<std::uintptr_t>(*stamp));
        std::lock_guard lock(impl.paho_calls);
        impl.paho->publish(paho_message, context, impl.listener);
    } catch (const mqtt::exception& error) {
        impl.publishes.cancel(*stamp);
        const int rc = error.get_return_code();
        if (rc == MQTTASYNC_DISCONNECTED) {
            throw make_error(ExitCode::Failure, "connection to {} lost", impl.endpoint);
        }
        throw make_error(ExitCode::Failure, "cannot publish to '{}': {}", message.topic,
                         error_text(rc));
    }
    return true;
}

bool Client::wait_for_completion(std::optional<std::chrono::steady_clock::time_point> deadline) {
    auto& impl = *impl_;
    return impl.publishes.wait_until_empty(
        deadline, [&] { return impl.connected || impl.behaviour.auto_reconnect; });
}

PublishCounts Client::counts() const {
    return impl_->publishes.counts();
}

bool Client::publish_failed() const {
    return impl_->publishes.failed_any();
}

std::string Client::first_publish_error() const {
    return impl_->publishes.first_error();
}

bool Client::session_present() const {
    return impl_->session_present;
}

std::size_t Client::library_unfinished() const {
    MQTTAsync_token* tokens = nullptr;
    if (MQTTAsync_getPendingTokens(paho_c_handle(*impl_->paho), &tokens) != MQTTASYNC_SUCCESS) {
        return 0;
    }
    std::size_t count = 0;
    if (tokens != nullptr) {
        while (tokens[count] != -1)
            ++count;
        MQTTAsync_free(tokens);
    }
    return count;
}

bool Client::is_connected() const {
    return impl_->connected;
}

std::chrono::nanoseconds Client::unacknowledged_for() const {
    return std::chrono::nanoseconds(impl_->publishes.unacknowledged_for());
}

std::chrono::nanoseconds Client::offline_for() const {
    const std::uint64_t since = impl_->lost_ns;
    if (impl_->connected || since == 0) return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(monotonic_ns() - since);
}

// Shut down, not closed: the descriptor stays Paho's, which closes it once it has read the
// end of the connection (a closed number could be reused under Paho's feet).
void Client::drop() {
    auto& impl = *impl_;
    if (!impl.socket || !still_open(*impl.socket)) {
        throw make_error(ExitCode::Failure, "cannot cut the connection to {}: socket not known",
                         impl.endpoint);
    }
    impl.closing = true;          // no reconnect, no news of the loss
    impl.disconnect_sent = true;  // and ~Client must not say DISCONNECT after all
    ::shutdown(impl.socket->fd, SHUT_RDWR);
}

const std::string& Client::endpoint() const {
    return impl_->endpoint;
}

void Client::disconnect(std::chrono::milliseconds timeout) {
    auto& impl = *impl_;
    impl.closing = true;
    impl.stop_reconnector();
    {
        // Paho holds DISCONNECT back until its outbound QoS 1/2 flows end. Once all of our
        // publishes have completed there is nothing to wait for, except a flow the broker
        // broke off: RabbitMQ 3.10 answers a QoS 2 PUBLISH with a PUBACK, which completes
        // the token while Paho goes on waiting for a PUBREC that never comes.
        if (impl.publishes.in_flight() == 0) timeout = std::chrono::milliseconds(0);
    }
    if (!impl.disconnect_sent.exchange(true) && impl.paho->is_connected()) {
        try {
            // Paho looks at its DISCONNECT timeout once per receive cycle (up to 1 s).
            mqtt::disconnect_options options(static_cast<int>(timeout.count()));
            if (!impl.options.disconnect_properties.empty()) {
                options.set_properties(to_paho(impl.options.disconnect_properties));
                mqtt::disconnect_options_test::carry_properties(options);
            }
            impl.paho->disconnect(options)->wait_for(timeout + std::chrono::milliseconds(1500));
        } catch (const std::exception&) {
            // Already gone, or a broker that stopped answering: nothing left to close. (Paho
            // 1.2.0 can also throw std::logic_error here, building a message from a null
            // error string: this runs in destructors, so nothing may escape.)
        }
    }
    impl.connected = false;
    impl.closed = true;
    // A message callback may still be running on Paho's thread with references into the
    // caller's state; let it finish before the caller unwinds.
    while (impl.callbacks_running > 0)
        std::this_thread::yield();
}

#ifndef MQTK_SANITIZE  // sanitizer builds destroy clients, see ~Client
namespace {
// Clients parked at destruction, never freed: see exit_process(). Reachable, so leak
// checkers do not count them.
std::vector<std::unique_ptr<mqtt::async_client>>* parked_clients() {
    static auto* parked = new std::vector<std::unique_ptr<mqtt::async_client>>();
    return parked;
}
std::mutex parked_mutex;
}  // namespace
#endif

Client::~Client() {
    disconnect();
#ifndef MQTK_SANITIZE
    // The Impl must outlive the Paho client: its callbacks point into it.
    std::lock_guard lock(parked_mutex);
    parked_clients()->push_back(std::move(impl_->paho));
    static auto* parked_impls = new std::vector<std::unique_ptr<Impl>>();
    parked_impls->push_back(std::move(impl_));
#else
    // Paho fails the tokens still pending while it is destroyed, and their listener lives
    // in the Impl: destroy Paho first, not in member order (which would free it last).
    impl_->paho.reset();
#endif
}

ConnectBurst::ConnectBurst() : held_(std::make_unique<ConnectInProgress>()) {}
ConnectBurst::~ConnectBurst() = default;

void set_nodelay_on_all_connections() {
    enable_tcp_nodelay_everywhere();
}

void acknowledge_reads_at_once() {
    enable_quick_acks();
}

std::unique_ptr<Connection> make_client(const ConnectOptions& options, std::string_view command,
                                        SessionBehaviour behaviour) {
    return std::make_unique<Client>(options, command, behaviour);
}

std::string library_versions() {
    const unsigned cpp = mqtt::VERSION;
    std::string c_version = "unknown";
    for (const auto* entry = MQTTAsync_getVersionInfo(); entry && entry->name; ++entry) {
        if (std::string_view(entry->name) == "Version") c_version = entry->value;
    }
    return fmt::format("Paho MQTT C++ {}.{}.{}, Paho MQTT C {}", cpp >> 24, (cpp >> 16) & 0xFF,
                       (cpp >> 8) & 0xFF, c_version);
}

void exit_process(int code) {
    std::fflush(stdout);
    std::fflush(stderr);
#ifdef MQTK_SANITIZE
    std::exit(code);
#else
    std::_Exit(code);
#endif
}

}  // namespace mqtk
