// Four-byte integer properties (session expiry, message expiry, will delay, maximum packet
// size) as Paho MQTT C 1.3.12 must be handed them to put the intended bytes on the wire.
// Its writeInt4() takes a signed int and splits it with C's signed division and remainder
// (MQTTPacket.c; fixed upstream in 3933f8b, then reverted in 67e3eb6, issue #1336), so
// every value of 2^31 and above whose low 24 bits are not all zero went out garbled:
// -x -1 (0xFFFFFFFF, "never expires") became 0x000000FF, a session that ended 255 s after
// the connection did. Paho C++'s property(code, int32_t) stores the bits faithfully; the
// damage is done only when the packet is written.
#pragma once

#include <cstdint>

namespace mqtk {

// The int whose bytes as Paho 1.3.12's writeInt4() writes them are `value`'s, big-endian.
// Each byte b of a value at 2^31 or above is written as the negative digit b - 256 (or 0),
// which C's truncating division hands back byte by byte. The values 0x80000001 to
// 0x80FFFFFF have no such int (their digits add up to less than INT32_MIN): they are
// rounded down to 0x80000000 (68 years, as a session or message expiry).
std::int32_t paho_int4(std::uint32_t value);

// What Paho 1.3.12's writeInt4() puts on the wire for `value`, as a number: the model the
// unit tests check paho_int4() against.
std::uint32_t paho_written_int4(std::int32_t value);

}  // namespace mqtk
