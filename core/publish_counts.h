// What became of a connection's publishes, as counted by its PublishWindow.
#pragma once

#include <cstdint>

namespace mqtk {

struct PublishCounts {
    std::uint64_t sent = 0;       // handed to the client library
    std::uint64_t completed = 0;  // written (QoS 0) or acknowledged (QoS 1/2)
    std::uint64_t failed = 0;     // refused by the broker, or failed otherwise
    std::uint64_t dropped = 0;    // in flight when the connection and its session were lost
    std::uint64_t resent = 0;     // in flight at a loss; the kept session sends them again
};

}  // namespace mqtk
