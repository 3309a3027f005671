// SSL_CTX_new() for Paho's threads, and the record of TLS failures; see tls_hooks.h.
#include "core/connection/hooks/tls_hooks.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

#include "core/connection/hooks/paho_hooks.h"

namespace {

using mqtk::TlsContextSettings;

std::mutex settings_mutex;
std::shared_ptr<const TlsContextSettings> settings;  // null until a Client sets some

std::shared_ptr<const TlsContextSettings> current_settings() {
    std::lock_guard lock(settings_mutex);
    return settings;
}

// The key log, opened once (O_APPEND, as mosquitto: several runs may share one file).
std::mutex keylog_mutex;
int keylog_fd = -1;
std::string keylog_path;

void write_keylog_line(const SSL*, const char* line) {
    std::lock_guard lock(keylog_mutex);
    if (keylog_fd < 0) return;
    const std::string text = std::string(line) + "\n";
    (void)!::write(keylog_fd, text.data(), text.size());
}

void open_keylog(const std::string& path) {
    std::lock_guard lock(keylog_mutex);
    if (path == keylog_path) return;
    if (keylog_fd >= 0) ::close(keylog_fd);
    keylog_path = path;
    keylog_fd =
        path.empty() ? -1 : ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

// TLS-PSK: the identity and key of the settings current when the handshake runs.
unsigned psk_client_callback(SSL*, const char*, char* identity, unsigned max_identity_len,
                             unsigned char* psk, unsigned max_psk_len) {
    const auto current = current_settings();
    if (!current || current->psk.empty()) return 0;
    if (current->psk_identity.size() + 1 > max_identity_len) return 0;
    if (current->psk.size() > max_psk_len) return 0;
    std::memcpy(identity, current->psk_identity.c_str(), current->psk_identity.size() + 1);
    std::memcpy(psk, current->psk.data(), current->psk.size());
    return static_cast<unsigned>(current->psk.size());
}

void apply(SSL_CTX* ctx, const TlsContextSettings& s) {
    if (s.min_version != 0) SSL_CTX_set_min_proto_version(ctx, s.min_version);
    if (!s.verify_host.empty()) {
        // Checked by OpenSSL while it verifies the chain, so a mismatch fails the handshake
        // with its own verify result ("hostname mismatch") instead of Paho's silent check
        // after it. An address is matched against the certificate's IP entries.
        X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
        if (X509_VERIFY_PARAM_set1_ip_asc(param, s.verify_host.c_str()) != 1) {
            X509_VERIFY_PARAM_set1_host(param, s.verify_host.c_str(), 0);
        }
    }
    if (!s.psk.empty()) SSL_CTX_set_psk_client_callback(ctx, psk_client_callback);
    if (!s.keylog_file.empty()) SSL_CTX_set_keylog_callback(ctx, write_keylog_line);
}

std::mutex failure_mutex;
mqtk::TlsFailure last_failure;

}  // namespace

using SslCtxNewFunction = SSL_CTX* (*)(const SSL_METHOD*);
using SslReadFunction = int (*)(SSL*, void*, int);

extern "C" SSL_CTX* SSL_CTX_new(const SSL_METHOD* method) {
    static const auto next_ctx_new =
        reinterpret_cast<SslCtxNewFunction>(dlsym(RTLD_NEXT, "SSL_CTX_new"));
    SSL_CTX* ctx = next_ctx_new(method);
    if (ctx == nullptr || !mqtk::in_paho_thread()) return ctx;
    if (const auto current = current_settings()) apply(ctx, *current);
    return ctx;
}

// OpenSSL's exit-time cleanup is turned off, before anything initialises OpenSSL. Paho C
// reports its threads stopped just before they return, and they are never joined; a
// thread's OpenSSL error state (every Paho thread that reads TLS has one) is freed by a
// thread-local destructor that runs after that. A program leaving through exit() (the
// sanitizer builds, see exit_process(), and the unit tests) ran OpenSSL's atexit cleanup
// at the same time, and the destructor then crashed in freed memory (SEGV in libcrypto
// under __nptl_deallocate_tsd, 1 run in 30 of the --capath TLS test under ASan). Release
// builds leave with _Exit() and never ran the cleanup: every build now does without it.
[[maybe_unused]] const bool openssl_cleanup_off =
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) == 1;

// Paho's TLS reads. A broker's alert after the handshake (TLS 1.3's "certificate required"
// comes once the client has sent its CONNECT) makes SSL_read() return 0, which Paho takes
// for a closed connection without asking SSL_get_error(): its reason is noted here.
// The thread's error queue is emptied first, as OpenSSL asks before every I/O call: an
// error left there from before (nothing to read is -1 too, and most reads find nothing)
// was noted as this connection's failure, and named the wrong reason for a later one.
extern "C" int SSL_read(SSL* ssl, void* buffer, int size) {
    static const auto next_read = reinterpret_cast<SslReadFunction>(dlsym(RTLD_NEXT, "SSL_read"));
    const bool paho = mqtk::in_paho_thread();
    if (paho) ERR_clear_error();
    const int result = next_read(ssl, buffer, size);
    if (paho && result <= 0 && ERR_peek_last_error() != 0) mqtk::note_tls_failure(ssl);
    return result;
}

namespace mqtk {

void set_tls_context_settings(const TlsContextSettings& new_settings) {
    open_keylog(new_settings.keylog_file);
    std::lock_guard lock(settings_mutex);
    settings = std::make_shared<const TlsContextSettings>(new_settings);
}

void note_tls_failure(const SSL* ssl) {
    const unsigned long error = ERR_peek_last_error();
    if (error == 0) return;
    std::lock_guard lock(failure_mutex);
    last_failure = {error, SSL_get_verify_result(ssl)};
}

TlsFailure take_tls_failure() {
    std::lock_guard lock(failure_mutex);
    return std::exchange(last_failure, TlsFailure{});
}

std::string describe_tls_failure(const TlsFailure& failure, bool has_client_cert, bool psk) {
    if (failure.error == 0) return {};
    const int reason = ERR_GET_REASON(failure.error);
    if (failure.verify_result == X509_V_ERR_HOSTNAME_MISMATCH ||
        failure.verify_result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        return "the broker's certificate is not for this host name (--insecure skips this check)";
    }
    if (failure.verify_result != X509_V_OK) {
        return fmt::format("the broker's certificate did not verify: {} (check --cafile/--capath)",
                           X509_verify_cert_error_string(failure.verify_result));
    }
    if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED) {
        return "the broker requires a client certificate (give --cert and --key)";
    }
    const char* text = ERR_reason_error_string(failure.error);
    const std::string openssl = text ? text : fmt::format("OpenSSL error {:#x}", failure.error);
    // A broker that knows neither the identity nor the key only says "illegal parameter",
    // "decrypt error", "handshake failure"...
    if (psk) return fmt::format("{} (check --psk and --psk-identity)", openssl);
    if (reason == SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE && !has_client_cert) {
        return fmt::format(
            "{} (does the broker require a client certificate? give --cert and "
            "--key)",
            openssl);
    }
    if (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || reason == SSL_R_UNSUPPORTED_PROTOCOL ||
        reason == SSL_R_NO_PROTOCOLS_AVAILABLE) {
        return fmt::format("no TLS version in common with the broker ({}; see --tls-version)",
                           openssl);
    }
    return openssl;
}

}  // namespace mqtk
