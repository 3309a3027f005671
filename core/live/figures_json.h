// LiveFigures as JSON, lossless (histograms included), and their sum: how a bench worker
// process passes its figures to the parent, which adds every worker's up for the run.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "core/live.h"

namespace mqtk {

nlohmann::json live_figures_to_json(const LiveFigures& figures);
// Throws mqtk::Error(Usage) naming what is wrong.
LiveFigures live_figures_from_json(const nlohmann::json& json);

// Adds `part` into `total`: counts add, latencies of the same name merge, new ones join.
void add_live_figures(LiveFigures& total, const LiveFigures& part);

}  // namespace mqtk
