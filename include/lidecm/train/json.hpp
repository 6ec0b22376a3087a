#pragma once
// The one JSON mapping of each library type that is written anywhere (this header has the
// train layer's and includes every lower layer's lidecm/<layer>/json.hpp): model
// files (the TrainConfig and TrainProgress inside run.json), metrics.jsonl lines
// and the CLI's JSON summaries. nlohmann::json finds these by ADL, so
// `nlohmann::json(params)` and `j.get<GraphParams>()` just work.
//
// Needs nlohmann-json (3.11): the library uses it privately, so a consumer that
// includes this header must find and link nlohmann_json::nlohmann_json itself.
// Reading is lenient like the files have always been: a missing field keeps the
// type's default; a field of the wrong type throws nlohmann::json::exception.
#include "lidecm/core/json_declare.hpp"

#include "lidecm/codebook/json.hpp"
#include "lidecm/data/json.hpp"
#include "lidecm/denoise/json.hpp"
#include "lidecm/learner/json.hpp"
#include "lidecm/train/metrics.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/train/train_config.hpp"

namespace lidecm {

// Enums are written by name ("attention", …).
LIDECM_DECLARE_JSON(LearnerMode);

/// The codebook's K is the top-level "num_codes" (the key model files have
/// always used); the codebook's other options are not stored.
LIDECM_DECLARE_JSON(TrainConfig);
/// An array of 11 numbers in the order of the struct's fields.
LIDECM_DECLARE_JSON(EpochSums);
LIDECM_DECLARE_JSON(TrainProgress);
LIDECM_DECLARE_JSON(LearnedDenoising);

LIDECM_DECLARE_JSON(StepTimings);
LIDECM_DECLARE_JSON(BatchMetrics);
LIDECM_DECLARE_JSON(EpochMetrics);

/// What a model holds, as `lidecm info --json` prints it: config, progress, learner status
/// and parameters, refinement, classes, attention, codebook usage and the patch prior (null without one).
nlohmann::json model_summary(const Model& model);

}  // namespace lidecm
