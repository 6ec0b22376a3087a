#pragma once
// The JSON mappings of the learner layer's types (nlohmann::json finds them by ADL).
// lidecm/train/json.hpp includes every layer's; its comment says how they read and where they are used.
#include "lidecm/core/json_declare.hpp"

#include "lidecm/denoise/json.hpp"
#include "lidecm/learner/em_learner.hpp"

namespace lidecm {

// LearnerRule is written by name ("seed", "risk").
LIDECM_DECLARE_JSON(LearnerRule);
LIDECM_DECLARE_JSON(ParamBounds);
LIDECM_DECLARE_JSON(RiskRuleOptions);
LIDECM_DECLARE_JSON(LearnerOptions);
LIDECM_DECLARE_JSON(PatchFeatures);
LIDECM_DECLARE_JSON(AttentionWeights);

}  // namespace lidecm
