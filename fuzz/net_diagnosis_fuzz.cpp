// Fuzzes what net_diagnosis makes of a server's first bytes (classify_answer in
// core/connection/private/net_diagnosis.h): after a failed handshake mqtk greets the port itself
// and names what answered (MQTT, TLS, HTTP, silence) from up to 5 bytes. Any bytes, closed or not,
// must be classified as a reference written here from the protocols does it: a CONNACK
// starts 0x20; a TLS alert (0x15) or handshake (0x16) record has major version 3 next; an
// HTTP response starts "HTTP". Only the bytes the probe reads (5) may count, and bytes,
// once there, say more than the connection's end does.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/connection/private/net_diagnosis.h"
#include "fuzz/fuzz_check.h"

namespace {

using mqtk::Answer;

Answer reference_classify(std::string_view bytes, bool closed) {
    if (bytes.empty()) return closed ? Answer::Closed : Answer::Nothing;
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
    if (byte(0) == 0x20) return Answer::Connack;             // MQTT 3.1.1 section 3.2.1
    const bool record = byte(0) == 0x15 || byte(0) == 0x16;  // RFC 8446 section 5.1
    if (record && bytes.size() > 1 && byte(1) == 3) return Answer::Tls;
    if (bytes.size() >= 4 && bytes[0] == 'H' && bytes[1] == 'T' && bytes[2] == 'T' &&
        bytes[3] == 'P') {
        return Answer::Http;
    }
    return Answer::Other;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool closed = (data[0] & 1) != 0;
    const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    const Answer answer = mqtk::classify_answer(bytes, closed);
    MQTK_FUZZ_CHECK(answer == reference_classify(bytes, closed));
    MQTK_FUZZ_CHECK(answer != Answer::NoConnection);  // TCP worked: there was an answer
    MQTK_FUZZ_CHECK(answer == mqtk::classify_answer(bytes.substr(0, 5), closed));
    if (!bytes.empty()) MQTK_FUZZ_CHECK(answer == mqtk::classify_answer(bytes, !closed));
    return 0;
}
