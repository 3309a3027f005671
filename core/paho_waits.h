// Work-arounds for the waits of Paho C 1.3.12's receive thread ("MQTTAsync_rcv"), which
// reads every socket and also acts on completed TCP connects:
// - After a non-blocking connect() it finds the socket writable (at once, on loopback),
//   then still waits in poll() for something to read - 10 ms on its first cycle, 1 s
//   later - before it writes CONNECT. Nothing arrives before CONNECT, so every connect
//   waited the full timeout: 10 ms of a one-shot `pub` (3x mosquitto_pub's whole run,
//   docs/benchmarks.md P1), 1-2 s per connect next to idle connections in a bench storm.
// - Whenever that poll() finds nothing, and whenever there is no socket at all, it naps
//   100 ms in usleep() without watching any socket: a CONNACK or PUBACK arriving then
//   waits for the nap to end (one-shot `pub` took 12-110 ms before this was handled).
// mqtk defines poll() and usleep() itself (the dynamic linker resolves Paho's calls to the
// executable's definitions first; CMakeLists.txt exports them) and changes only calls made
// on Paho's receive thread: its nap after a poll() that waited and found nothing is
// skipped (that poll() already was the wait), and while a connect is in progress its waits
// are cut to 200 us, so every step of a connect is acted on within that. Every other call
// passes through unchanged. Replaces sending that thread signals, which raced: an EINTR in
// its poll() makes Paho drop the connection.
#pragma once

namespace mqtk {

// Marks a connect in progress for as long as it lives (several may overlap).
class ConnectInProgress {
  public:
    ConnectInProgress();
    ~ConnectInProgress();
    ConnectInProgress(const ConnectInProgress&) = delete;
    ConnectInProgress& operator=(const ConnectInProgress&) = delete;
};

// True when the calls of shared libraries (Paho) reach mqtk's poll() and usleep().
bool paho_waits_hooked();

}  // namespace mqtk
