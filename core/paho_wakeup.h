// A work-around for Paho C 1.3.12's idle nap: its receive thread sleeps 100 ms whenever
// it finds no socket to poll (MQTTAsync_cycle -> MQTTAsync_sleep(100)). At start-up it
// usually starts before the connect has created the socket, so every CONNACK waited
// 0-100 ms extra (one-shot `pub` took 12-110 ms). The nap is a plain usleep(), which a
// signal ends early. Only the sleep is interrupted: an EINTR in its first poll() (which
// waits 10 ms before it sends CONNECT) makes Paho drop the connection - measured.
#pragma once

namespace mqtk {

// If Paho's receive thread ("MQTTAsync_rcv") is asleep right now, wake it with a no-op
// signal. Cheap (reads two small /proc files per thread); safe to call repeatedly.
void wake_paho_receive_thread();

}  // namespace mqtk
