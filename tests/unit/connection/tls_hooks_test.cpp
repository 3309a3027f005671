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
