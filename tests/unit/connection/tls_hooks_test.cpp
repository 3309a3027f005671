// core/connection/hooks/tls_hooks: the program's own SSL_CTX_new() and SSL_read() are what shared
// libraries (Paho) get; contexts made on Paho's threads get the settings (lowest TLS version, host
// name, PSK callback), others none; and each recorded failure is put in a person's words.
#include "core/connection/hooks/tls_hooks.h"

#include <dlfcn.h>
#include <doctest/doctest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/prctl.h>

#include <cstring>
#include <string>
#include <thread>

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A context made as Paho makes it, on a thread named as Paho names its send thread, or not.
SSL_CTX* new_context(bool on_paho_thread) {
    SSL_CTX* ctx = nullptr;
    std::thread thread([&] {
        if (on_paho_thread) prctl(PR_SET_NAME, "MQTTAsync_send");
        ctx = SSL_CTX_new(TLS_client_method());
    });
    thread.join();
    return ctx;
}

mqtk::TlsFailure failure(int library, int reason, long verify_result = X509_V_OK) {
    return {ERR_PACK(library, 0, reason), verify_result};
}

}  // namespace

TEST_CASE("tls hooks: the dynamic linker hands out mqtk's SSL_CTX_new() and SSL_read()") {
    CHECK(dlsym(RTLD_DEFAULT, "SSL_CTX_new") == reinterpret_cast<void*>(&::SSL_CTX_new));
    CHECK(dlsym(RTLD_DEFAULT, "SSL_read") == reinterpret_cast<void*>(&::SSL_read));
}

TEST_CASE("tls hooks: contexts made on Paho's threads get the settings, others do not") {
    mqtk::TlsContextSettings settings;
    settings.min_version = TLS1_3_VERSION;
    settings.verify_host = "broker.example";
    mqtk::set_tls_context_settings(settings);
    SSL_CTX* paho = new_context(true);
    SSL_CTX* other = new_context(false);
    REQUIRE(paho != nullptr);
    REQUIRE(other != nullptr);
    CHECK(SSL_CTX_get_min_proto_version(paho) == TLS1_3_VERSION);
    CHECK(SSL_CTX_get_min_proto_version(other) != TLS1_3_VERSION);
    CHECK(std::string(X509_VERIFY_PARAM_get0_host(SSL_CTX_get0_param(paho), 0)) ==
          "broker.example");
    CHECK(X509_VERIFY_PARAM_get0_host(SSL_CTX_get0_param(other), 0) == nullptr);
    SSL_CTX_free(paho);
    SSL_CTX_free(other);
    mqtk::set_tls_context_settings({});
}

TEST_CASE("tls hooks: a failure is described by what failed") {
    using mqtk::describe_tls_failure;
    CHECK(describe_tls_failure({}, false, false).empty());
    CHECK(contains(describe_tls_failure(failure(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED,
                                                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
                                        false, false),
                   "did not verify: unable to get local issuer certificate"));
    CHECK(contains(describe_tls_failure(failure(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED,
                                                X509_V_ERR_HOSTNAME_MISMATCH),
                                        false, false),
                   "not for this host name"));
    CHECK(contains(describe_tls_failure(failure(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED,
                                                X509_V_ERR_IP_ADDRESS_MISMATCH),
                                        false, false),
                   "not for this host name"));
    CHECK(contains(describe_tls_failure(
                       failure(ERR_LIB_SSL, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED), false, false),
                   "requires a client certificate (give --cert and --key)"));
    // TLS 1.2 brokers say only "handshake failure": a hint, unless a certificate was given.
    const auto handshake = failure(ERR_LIB_SSL, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE);
    CHECK(contains(describe_tls_failure(handshake, false, false), "client certificate?"));
    CHECK(!contains(describe_tls_failure(handshake, true, false), "client certificate"));
    CHECK(contains(describe_tls_failure(handshake, false, true), "check --psk"));
    CHECK(contains(describe_tls_failure(failure(ERR_LIB_SSL, SSL_R_TLSV1_ALERT_PROTOCOL_VERSION),
                                        false, false),
                   "no TLS version in common"));
}

namespace {

// A TLS 1.2 PSK connection in memory (no certificates to make), its two ends joined by a
// BIO pair; contexts made off Paho's threads, so mqtk's settings stay out of it.
constexpr unsigned char kKey[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

unsigned client_psk(SSL*, const char*, char* identity, unsigned, unsigned char* psk, unsigned) {
    identity[0] = 'i';
    identity[1] = '\0';
    std::memcpy(psk, kKey, sizeof kKey);
    return sizeof kKey;
}

unsigned server_psk(SSL*, const char*, unsigned char* psk, unsigned) {
    std::memcpy(psk, kKey, sizeof kKey);
    return sizeof kKey;
}

struct MemoryTls {
    SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX* server_ctx = SSL_CTX_new(TLS_server_method());
    SSL* client = nullptr;
    SSL* server = nullptr;
    BIO* server_bio = nullptr;

    MemoryTls() {
        for (SSL_CTX* ctx : {client_ctx, server_ctx}) {
            SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
            SSL_CTX_set_cipher_list(ctx, "PSK-AES128-GCM-SHA256");
        }
        SSL_CTX_set_psk_client_callback(client_ctx, client_psk);
        SSL_CTX_set_psk_server_callback(server_ctx, server_psk);
        client = SSL_new(client_ctx);
        server = SSL_new(server_ctx);
        BIO* client_bio = nullptr;
        BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
        SSL_set_bio(client, client_bio, client_bio);
        SSL_set_bio(server, server_bio, server_bio);
        SSL_set_connect_state(client);
        SSL_set_accept_state(server);
    }
    ~MemoryTls() {
        SSL_free(client);
        SSL_free(server);
        SSL_CTX_free(client_ctx);
        SSL_CTX_free(server_ctx);
    }
    MemoryTls(const MemoryTls&) = delete;
    MemoryTls& operator=(const MemoryTls&) = delete;

    bool handshake() {
        for (int round = 0; round < 10; ++round) {
            const int c = SSL_do_handshake(client);
            const int s = SSL_do_handshake(server);
            if (c == 1 && s == 1) return true;
        }
        return false;
    }
};

// SSL_read() as Paho's receive thread calls it, with `stale` (if not 0) left in that
// thread's OpenSSL error queue by something before; returns what the hook recorded.
mqtk::TlsFailure read_on_paho_thread(SSL* ssl, unsigned long stale) {
    mqtk::TlsFailure noted;
    std::thread thread([&] {
        prctl(PR_SET_NAME, "MQTTAsync_rcv");
        (void)mqtk::take_tls_failure();
        if (stale != 0) ERR_raise(ERR_GET_LIB(stale), ERR_GET_REASON(stale));
        char buffer[16];
        (void)SSL_read(ssl, buffer, sizeof buffer);
        noted = mqtk::take_tls_failure();
        ERR_clear_error();
    });
    thread.join();
    return noted;
}

}  // namespace

TEST_CASE("tls hooks: SSL_read() records a failed read's reason, not an error left from before") {
    MemoryTls tls;
    REQUIRE(tls.handshake());
    // Nothing to read yet (WANT_READ): an older error still in the queue is no failure of
    // this connection's, and would have named the wrong reason for a later connect error.
    const unsigned long stale = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED);
    CHECK(read_on_paho_thread(tls.client, stale).error == 0);
    // The peer gone without a close_notify: a real failure, recorded with its reason.
    BIO_shutdown_wr(tls.server_bio);
    const mqtk::TlsFailure eof = read_on_paho_thread(tls.client, 0);
    CHECK(ERR_GET_REASON(eof.error) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
}
