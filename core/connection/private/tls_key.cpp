// Private key checks with OpenSSL's PEM reader: check_private_key() (declared in
// core/connection/client.h, for cli/ to call before connecting).
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/connection/client.h"
#include "core/error.h"

namespace mqtk {
namespace {

struct PassphraseRequest {
    const std::string* passphrase = nullptr;
    bool asked = false;  // OpenSSL wanted a passphrase: the key is encrypted
};

// OpenSSL's pem_password_cb. It never prompts: without a passphrase it fails the read,
// where OpenSSL's default callback would ask on the terminal.
int supply_passphrase(char* buffer, int size, int /*rwflag*/, void* user) {
    auto& request = *static_cast<PassphraseRequest*>(user);
    request.asked = true;
    if (request.passphrase->empty()) return -1;
    const auto length =
        std::min<std::size_t>(request.passphrase->size(), static_cast<std::size_t>(size));
    std::memcpy(buffer, request.passphrase->data(), length);
    return static_cast<int>(length);
}

}  // namespace

void check_private_key(const std::string& key_file, const std::string& passphrase) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> file(BIO_new_file(key_file.c_str(), "r"),
                                                         &BIO_free);
    if (!file) {
        ERR_clear_error();
        throw usage_error("cannot read --key '{}': {}", key_file, std::strerror(errno));
    }
    PassphraseRequest request{&passphrase};
    EVP_PKEY* key = PEM_read_bio_PrivateKey(file.get(), nullptr, supply_passphrase, &request);
    // The error queue is per thread and this is the main thread: leave nothing behind for
    // whatever OpenSSL does next on it.
    ERR_clear_error();
    if (key != nullptr) {
        EVP_PKEY_free(key);
        return;
    }
    if (request.asked && passphrase.empty()) {
        throw usage_error(
            "--key '{}' is encrypted: give its passphrase with --key-password-file FILE or "
            "MQTK_KEY_PASSWORD",
            key_file);
    }
    if (request.asked) {
        throw usage_error("cannot decrypt --key '{}': wrong passphrase", key_file);
    }
    throw usage_error("--key '{}' holds no PEM private key", key_file);
}

}  // namespace mqtk
