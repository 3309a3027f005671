// Spreading one bench run over worker processes.
//
// Why processes: Paho runs one engine per process - one send thread, one receive thread
// and one global lock for every client, with linear scans over clients and messages - so
// one process never uses more than about one core's worth of MQTT work however many
// clients it has (../shared/PAHO.md section 3.4). Each worker process gets its own engine.
//
// How: the parent forks every worker before any Paho client or thread exists (Paho's
// threads do not survive fork), talks to each over two pipes with a line protocol, and
// merges their JSON results:
//   worker -> parent   ready | status <phase> <sent> <received> <connected> <failed>
//                      | live <json: its LiveFigures> | published <[[index,sent],...]>
//                      | alive | result <json>
//                      | fatal <exit code> <message>
//   parent -> worker   go <monotonic ns> | expected <[[index,sent],...]> | stop
// Every worker reports ready only once all its clients are connected and subscribed; the
// parent then gives all of them the same start time. Workers report what their
// publishers sent; once all have, the parent tells every worker, so each subscriber knows
// exactly how many messages to wait for. A worker that fails sends its error; the parent
// stops the others and fails the run with that error's exit code. A worker that goes
// silent for a minute is killed.
#pragma once

#include <functional>
#include <vector>

#include "core/bench/coordinator.h"
#include "core/bench/plan.h"
#include "core/bench/result.h"

namespace mqtk {

using WorkerBody = std::function<BenchResult(const WorkerPlan&, BenchCoordinator&)>;

// Runs body(plan, coordinator) in one forked process per plan and returns their merged
// result; meanwhile `live` (if any) shows the sum of the workers' live figures. Throws the
// first worker's Error if any failed. Call it before creating any Paho client in this
// process (and before any thread that could hold a lock the children need: the live
// observers write with plain write(2) calls for this reason).
BenchResult run_worker_processes(const std::vector<WorkerPlan>& plans, const WorkerBody& body,
                                 ProgressMeter& progress, LiveHub* live);

}  // namespace mqtk
