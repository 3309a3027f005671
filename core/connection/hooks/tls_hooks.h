// One of the libc/OpenSSL hooks, private to the connection library: README.md in this folder
// says why they exist and what fences them.
// What mqtk adds to the TLS contexts Paho creates, and what it learns from their failures.
//
// Paho C 1.3.12 builds a fresh OpenSSL context (SSL_CTX) for every TLS connection, and
// leaves out what mosquitto's clients set on theirs: a minimum (or only) TLS version (it
// ignores its own sslVersion with OpenSSL >= 1.1), TLS-PSK without a callback context
// that dangles (Paho C++ 1.2.0 #325: the context is a destroyed copy of ssl_options), a
// key log, and a host-name check inside the handshake (Paho checks after it, silently).
// mqtk's own SSL_CTX_new() (exported like the hooks of paho_hooks.h) applies these to
// every context created on Paho's threads; no other code of mqtk creates one.
//
// One configuration per process: every client of an mqtk command connects with the same
// options (bench differs only in client ids), so a Client sets them before it connects.
//
// And for the error line: mqtk's SSL_get_error() (paho_hooks.cpp) and SSL_read() (here,
// for an alert after the handshake, which Paho reads as a plain close) report each TLS
// failure on Paho's threads, so that a failed connect can say whether the certificate did
// not verify, named another host, or the broker wanted a client certificate.
#pragma once

#include <openssl/ssl.h>

#include <string>

namespace mqtk {

struct TlsContextSettings {
    int min_version = 0;      // TLS1_2_VERSION etc.; 0: OpenSSL's default
    std::string verify_host;  // a host name or IP address checked in the handshake
    std::string psk_identity;
    std::string psk;          // the key's bytes; empty: no TLS-PSK
    std::string keylog_file;  // empty: none
};

// Applies to the contexts created from now on.
void set_tls_context_settings(const TlsContextSettings& settings);

// Why a TLS connection failed, as OpenSSL saw it on Paho's thread.
struct TlsFailure {
    unsigned long error = 0;  // the OpenSSL error code (ERR_GET_REASON for the reason)
    long verify_result = 0;   // X509_V_OK unless the broker's certificate was rejected
};

// Called by the SSL_get_error() hook when OpenSSL reports SSL_ERROR_SSL for `ssl`.
void note_tls_failure(const SSL* ssl);

// The failure noted since the last call (and forgets it); error == 0 when there was none.
TlsFailure take_tls_failure();

// A person's words for `failure`, without a leading "TLS handshake failed: "; empty when
// OpenSSL gave no reason. has_client_cert: whether --cert was given (a TLS 1.2 broker that
// wants one only says "handshake failure"); psk: whether --psk was.
std::string describe_tls_failure(const TlsFailure& failure, bool has_client_cert, bool psk);

}  // namespace mqtk
