// The connection storm of one bench worker: open its slice of --storm connections (at its
// share of --conn-rate, or as fast as it can), hold them all for --hold seconds, close
// them, and report connect latency, failures, drops and the memory they cost.
//
// What limits the number of connections one process holds, and what we do about it
// (measured with 10,000 connections to a local mosquitto 2.0.11, Paho C 1.3.12):
// - File descriptors: one per connection. raise_fd_limit() lifts the soft RLIMIT_NOFILE
//   to the hard limit; a slice that cannot fit is a usage error naming the limit.
// - TCP_NODELAY: Client sets it by scanning /proc/self/fd after every connect, which is
//   quadratic over a storm; idle storm connections do without (tcp_nodelay = false).
// - One thread blocked in Client::connect() per connection does not scale, so connects
//   are started with Client::connect_async(), up to kConnectWindow in flight.
// - Paho's receive thread polls the open sockets for up to 1 s and only then looks at a
//   new one: next to idle connections every connect took 1-2 s (20 connections/s).
//   ConnectBurst (core/connection/client.h) keeps that thread turning while connects are pending.
// - Paho runs one engine per process and every event costs it a pass over all clients
//   (socket lookups, keep-alive and retry scans, a poll() over every socket, a qsort of
//   its socket table per new socket), so the connect rate falls as connections
//   accumulate: 10,000 take ~10 s in one process, ~3 s over two (plan.h picks one
//   worker per 5,000 connections). Disconnecting is O(n) per connection too.
// - Paho's connect timeout (--connect-timeout) counts from the moment Paho starts the
//   connect; a slow broker accept queue shows up as failures with "no CONNACK".
// - Memory: ~6.5 KiB of client RSS per idle connection (Paho C and C++ state, our
//   Client), measured as RSS growth over the storm and reported per connection.
// - The broker's side: mosquitto needs `max_connections -1` (the default) and an fd
//   limit above the storm (it inherits the shell's ulimit -n); its listen backlog (100)
//   and the kernel's somaxconn decide how bursts of SYNs are absorbed.
// - Loopback source ports: one client address reaches one broker port through at most
//   the ephemeral range (net.ipv4.ip_local_port_range, ~28,000 by default).
#pragma once

#include <cstddef>

#include "core/bench/coordinator.h"
#include "core/bench/message_run.h"

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
