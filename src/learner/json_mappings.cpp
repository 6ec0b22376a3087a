// The mappings lidecm/learner/json.hpp declares.
#include "lidecm/learner/json.hpp"

#include "core/json_fields.hpp"

namespace lidecm {
namespace enum_names {

NLOHMANN_JSON_SERIALIZE_ENUM(LearnerRule, {{LearnerRule::seed, "seed"}, {LearnerRule::risk, "risk"}})

}  // namespace enum_names

LIDECM_JSON_ENUM(LearnerRule)

LIDECM_JSON_FIELDS(ParamBounds, sigma_min, sigma_max, tau_min, tau_max, radius_min, radius_max, sigma_s_min,
                   sigma_s_max, sigma_f_min, sigma_f_max)
LIDECM_JSON_FIELDS(RiskRuleOptions, delta, step, stability, temperature, heads, paired_images)
// A config without "rule" is from before the risk rule: LearnerOptions{}'s seed rule.
LIDECM_JSON_FIELDS(LearnerOptions, num_classes, initial, bounds, history_cap, rule, risk)
LIDECM_JSON_FIELDS(PatchFeatures, texture, structure, color, spatial)
LIDECM_JSON_FIELDS(AttentionWeights, texture, structure, color, spatial)
}  // namespace lidecm
