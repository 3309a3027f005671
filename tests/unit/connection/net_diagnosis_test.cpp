// What a server's first bytes say it is (classify_answer): the part of the failed-handshake
// diagnosis that needs no server. The probes themselves are tested against real listeners
// in the integration tests.
#include "core/connection/private/net_diagnosis.h"

#include <doctest/doctest.h>

#include <string_view>

namespace {

using mqtk::Answer;
using mqtk::classify_answer;
using namespace std::string_view_literals;

}  // namespace

TEST_CASE("classify_answer: no bytes is silence, or a hang-up when the server closed") {
    CHECK(classify_answer("", false) == Answer::Nothing);
    CHECK(classify_answer("", true) == Answer::Closed);
}

TEST_CASE("classify_answer: a CONNACK, TLS records and HTTP by their first bytes") {
    CHECK(classify_answer("\x20\x02\x00\x00"sv, false) == Answer::Connack);
    CHECK(classify_answer("\x20"sv, true) == Answer::Connack);
    CHECK(classify_answer("\x16\x03\x03\x00\x7a"sv, false) == Answer::Tls);  // ServerHello
    CHECK(classify_answer("\x15\x03\x01\x00\x02"sv, true) == Answer::Tls);   // alert
    CHECK(classify_answer("\x16\x03\x00"sv, false) == Answer::Tls);          // SSL 3.0
    CHECK(classify_answer("HTTP/", false) == Answer::Http);
    CHECK(classify_answer("HTTP", true) == Answer::Http);
}

TEST_CASE("classify_answer: anything else, or too little to tell, is Other") {
    CHECK(classify_answer("\x16"sv, true) == Answer::Other);           // no version byte yet
    CHECK(classify_answer("\x16\x02"sv, false) == Answer::Other);      // not TLS's major version
    CHECK(classify_answer("\x17\x03\x03"sv, false) == Answer::Other);  // application data
    CHECK(classify_answer("HTT", true) == Answer::Other);
    CHECK(classify_answer("http/", false) == Answer::Other);
    CHECK(classify_answer("SSH-2", false) == Answer::Other);
    CHECK(classify_answer("\x00"sv, false) == Answer::Other);
}
