// Socket settings Paho offers no hook for.
#pragma once

#include <vector>

namespace mqtk {

// Sets TCP_NODELAY on every TCP socket this process holds (idempotent, a few syscalls
// per descriptor). Paho never disables Nagle, so a PUBACK followed by the next PUBLISH
// waits for the peer's delayed ACK: ~40 ms per round trip instead of ~0.1 ms. The
// process's only TCP sockets are its broker connections, so all of them want it.
void enable_tcp_nodelay_everywhere();

// The descriptors of every TCP socket this process holds, in ascending order.
std::vector<int> tcp_socket_fds();

}  // namespace mqtk
