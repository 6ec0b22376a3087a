#pragma once
// The one JSON mapping of each library type that is written anywhere: model
// files (the TrainConfig and TrainProgress inside run.json), metrics.jsonl lines
// and the CLI's JSON summaries. nlohmann::json finds these by ADL, so
// `nlohmann::json(params)` and `j.get<GraphParams>()` just work.
//
// Needs nlohmann-json (3.11): the library uses it privately, so a consumer that
// includes this header must find and link nlohmann_json::nlohmann_json itself.
// Reading is lenient like the files have always been: a missing field keeps the
// type's default; a field of the wrong type throws nlohmann::json::exception.
#include <nlohmann/json_fwd.hpp>

#include "lidecm/collaborative.hpp"
#include "lidecm/dataset.hpp"
#include "lidecm/em_learner.hpp"
#include "lidecm/graph.hpp"
#include "lidecm/metrics.hpp"
#include "lidecm/model.hpp"
#include "lidecm/token_refine.hpp"
#include "lidecm/train_config.hpp"

namespace lidecm {

// Enums are written by name ("automatic", "cifar10", "attention", "collaborative", …).
void to_json(nlohmann::json& j, const DatasetFormat& v);
void from_json(const nlohmann::json& j, DatasetFormat& v);
void to_json(nlohmann::json& j, const CifarPart& v);
void from_json(const nlohmann::json& j, CifarPart& v);
void to_json(nlohmann::json& j, const LearnerMode& v);
void from_json(const nlohmann::json& j, LearnerMode& v);
void to_json(nlohmann::json& j, const Refiner& v);
void from_json(const nlohmann::json& j, Refiner& v);
void to_json(nlohmann::json& j, const LearnerRule& v);
void from_json(const nlohmann::json& j, LearnerRule& v);

void to_json(nlohmann::json& j, const DatasetOptions& v);
void from_json(const nlohmann::json& j, DatasetOptions& v);
void to_json(nlohmann::json& j, const GraphParams& v);
void from_json(const nlohmann::json& j, GraphParams& v);
void to_json(nlohmann::json& j, const ParamBounds& v);
void from_json(const nlohmann::json& j, ParamBounds& v);
void to_json(nlohmann::json& j, const RiskRuleOptions& v);
void from_json(const nlohmann::json& j, RiskRuleOptions& v);
void to_json(nlohmann::json& j, const LearnerOptions& v);
void from_json(const nlohmann::json& j, LearnerOptions& v);
void to_json(nlohmann::json& j, const CollaborativeOptions& v);
void from_json(const nlohmann::json& j, CollaborativeOptions& v);
void to_json(nlohmann::json& j, const RefineOptions& v);
void from_json(const nlohmann::json& j, RefineOptions& v);
void to_json(nlohmann::json& j, const PatchFeatures& v);
void from_json(const nlohmann::json& j, PatchFeatures& v);
void to_json(nlohmann::json& j, const AttentionWeights& v);
void from_json(const nlohmann::json& j, AttentionWeights& v);

/// The codebook's K is the top-level "num_codes" (the key model files have
/// always used); the codebook's other options are not stored.
void to_json(nlohmann::json& j, const TrainConfig& v);
void from_json(const nlohmann::json& j, TrainConfig& v);
/// An array of 11 numbers in the order of the struct's fields.
void to_json(nlohmann::json& j, const EpochSums& v);
void from_json(const nlohmann::json& j, EpochSums& v);
void to_json(nlohmann::json& j, const TrainProgress& v);
void from_json(const nlohmann::json& j, TrainProgress& v);

void to_json(nlohmann::json& j, const StepTimings& v);
void from_json(const nlohmann::json& j, StepTimings& v);
void to_json(nlohmann::json& j, const BatchMetrics& v);
void from_json(const nlohmann::json& j, BatchMetrics& v);
void to_json(nlohmann::json& j, const EpochMetrics& v);
void from_json(const nlohmann::json& j, EpochMetrics& v);

/// What a model holds, as `lidecm info --json` prints it: config, progress, learner status
/// and parameters, refinement, classes, attention and codebook usage.
nlohmann::json model_summary(const Model& model);

}  // namespace lidecm
