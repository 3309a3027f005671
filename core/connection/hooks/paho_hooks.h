// One of the libc/OpenSSL hooks, private to the connection library: README.md in this folder
// says why they exist and what fences them.
// mqtk's own poll(), usleep(), pthread_cond_timedwait(), recv(), writev(), write(),
// SSL_write() and SSL_get_error(), which Paho C 1.3.12 calls instead of libc's and OpenSSL's
// (the dynamic linker resolves a shared library's calls to the executable's definitions
// first; CMakeLists.txt exports them). They change only calls made on Paho's own threads
// ("MQTTAsync_rcv", "MQTTAsync_send"), each for a fault measured here; every other call
// passes through unchanged.
//
// The receive thread's waits. That thread reads every socket, acts on completed TCP
// connects and finishes writes the send thread could not complete at once:
// - After a non-blocking connect() it finds the socket writable (at once, on loopback),
//   then still waits in poll() for something to read - 10 ms on its first cycle, 1 s
//   later - before it writes CONNECT. Nothing arrives before CONNECT, so every connect
//   waited the full timeout: 10 ms of a one-shot `pub` (3x mosquitto_pub's whole run,
//   docs/benchmarks.md P1), 1-2 s per connect next to idle connections in a bench storm.
//   While a connect is in progress (ConnectInProgress) its waits are cut to 200 us.
// - Whenever that poll() finds nothing, and whenever there is no socket at all, it naps
//   100 ms in usleep() without watching any socket: a CONNACK or PUBACK arriving then
//   waited for the nap to end (one-shot `pub` took 12-110 ms). The nap right after a
//   poll() that waited in vain is skipped (that poll() already was the wait).
// - A write the socket could not take whole is parked, and continued only in the next
//   cycle, after that poll() for something to read: at QoS 0 nothing comes back, so each
//   parked write waited out the full second. The poll() also ends when a socket found
//   full has room again, and when one this thread filled continuing a parked write has
//   (a large PUBLISH takes many such writes: `pub -f` of 50 MB waited a second per ~4 MB).
// - When that poll() finds something to read on a socket Paho will not read yet (it has a
//   parked write, or no room), Paho naps 100 ms, and finds the same again: the parked
//   write went on 100 ms at a time. The nap is a wait for room on those sockets instead.
// The send thread's wait: it sends nothing more on a socket with a parked write, and
// waits up to 1 s for work on a condition variable that finishing that write does not
// signal; every large PUBLISH queued behind another waited up to a second (`pub -f` of
// 10 MB with --repeat 5: 1.2-3.2 s). Its wait (pthread_cond_timedwait) also ends when the
// receive thread has finished a parked write.
// These replace sending that thread signals, which raced: an EINTR in its poll() makes
// Paho drop the connection.
//
// The writes: when the first write of a QoS 1/2 PUBLISH fails because the connection
// just broke (EPIPE, ECONNRESET), Paho 1.3.12 (still so in 1.3.13) fails the token with
// -1 and frees the command's topic and payload - which the copy it keeps in its session
// for the resend (outboundMsgs) still points to. After the reconnect it resends freed
// memory: mosquitto drops the connection ("malformed packet") and the same garbage goes
// first again on every reconnect, so the stream never resumes (measured: `pub -l -c`
// through a network cut, restart_test.cpp, 1 run in 3; `-d` shows the resend of that
// msgid with a garbage payload), or the message is published garbled. mqtk's writev()
// (Paho's plain-socket write) and write() (OpenSSL's, for Paho's TLS; only sockets, and
// only when a write falls short) report such an error as "nothing written yet" (EAGAIN):
// Paho then keeps the packet as a parked write, hands topic and payload over to its
// session copy as for a full socket buffer, and learns of the loss from its read of the
// same socket a moment later. The message then goes out intact after the reconnect, and
// its token completes with the PUBACK. (Measured over TLS without the write() hook: the
// stream stalled right after the cut in 3 runs of 5; with it, 4 of 4 passed.) Over TLS a
// write can also fail without reaching write(): once the receive thread has read the end
// of the connection, OpenSSL fails every SSL_write() at once. On the send thread that
// failure is reported as SSL_ERROR_WANT_WRITE (a full socket buffer) by SSL_get_error(),
// to the same end. (Seen under ASan: the freed topic read by the resend after a TLS cut.)
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

// True when the calls of shared libraries (Paho, OpenSSL) reach mqtk's hooks.
bool paho_hooks_active();

// True on Paho's receive thread.
bool in_paho_receive_thread();

// True on Paho's receive or send thread.
bool in_paho_thread();

// From now on, each read of Paho's receive thread on a plain socket is acknowledged at once
// (TCP_QUICKACK), for the rest of the process: see the recv() hook.
void enable_quick_acks();

}  // namespace mqtk
