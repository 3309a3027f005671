// The connection storm of one bench worker: open its slice of --storm connections (at its
// share of --conn-rate, or as fast as it can), hold them all for --hold seconds, close
// them, and report connect latency, failures, drops and the memory they cost.
//
// What limits the number of connections one process holds, and what we do about it:
// - File descriptors: one per connection. raise_fd_limit() lifts the soft RLIMIT_NOFILE
//   to the hard limit; a slice that cannot fit is a usage error naming the limit.
// - TCP_NODELAY: Client sets it by scanning /proc/self/fd after every connect, which is
//   quadratic over a storm; idle storm connections do without (tcp_nodelay = false).
// - Paho runs one engine per process: connects are processed one at a time by its send
//   thread, and its receive thread polls every socket on each cycle, so each connect
//   costs a little more than the one before. A few threads keep several connects in
//   flight; past ~10,000 connections per process more worker processes connect faster.
// - The connect timeout (--connect-timeout) counts from Paho starting the connect; a slow
//   broker accept queue shows up as failures with "no CONNACK".
// - The broker's side: mosquitto needs `max_connections -1` (the default) and an fd
//   limit above the storm (it inherits the shell's ulimit -n); its listen backlog and the
//   kernel's somaxconn decide how bursts of SYNs are absorbed.
// - Loopback source ports: one client address reaches one broker port through at most
//   the ephemeral range (net.ipv4.ip_local_port_range, ~28,000 by default).
#pragma once

#include <cstddef>

#include "core/bench_coordinator.h"
#include "core/bench_run.h"

namespace mqtk {

// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
std::size_t raise_fd_limit();

// The storm's connections for `plan.connections`; Error only for programming errors,
// failed connects are counted, not thrown.
BenchResult run_storm_worker(const ConnectOptions& connection, const BenchOptions& options,
                             const BenchContext& context, const WorkerPlan& plan,
                             BenchCoordinator& coordinator);

// Resident memory of this process in bytes (from /proc/self/statm).
std::size_t resident_bytes();

}  // namespace mqtk
