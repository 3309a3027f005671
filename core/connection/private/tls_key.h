// Checks a client private key (--key) before any connection is made: that it is a PEM
// private key, and that it can be decrypted with the passphrase given, if it is encrypted.
//
// Paho hands the key to OpenSSL only after the TCP connection is up, and OpenSSL then
// either prompts on /dev/tty from Paho's thread (no passphrase given) or fails with an
// error that Paho reports as a failed handshake. Checking first turns both into a usage
// error (exit 2) that names the key file, and no broker sees a connection.
#pragma once

#include <string>

namespace mqtk {

// Throws mqtk::Error(Usage) when key_file holds no PEM private key, is encrypted and no
// passphrase was given, or the passphrase does not decrypt it. A passphrase for a key
// that is not encrypted is ignored, as OpenSSL does.
void check_private_key(const std::string& key_file, const std::string& passphrase);

}  // namespace mqtk
