#pragma once
// Internal: the rules make_training_rule chooses from, one file each.
#include <memory>

#include "lidecm/learner/training_rule.hpp"

namespace lidecm::detail {

/// DESIGN §4: one global update per batch (from the whole batch's tiles when
/// `attention`, else uniform weights), then one per-class update per scored image.
std::unique_ptr<const TrainingRule> seed_rule(bool attention);
/// Issue #13: per-image parameters from the heads, moved by the paired objective;
/// `mode` decides whether the heads weigh training images and refinement.
std::unique_ptr<const TrainingRule> risk_rule(LearnerMode mode);
/// `inner`'s parameters, never moved: no update, nothing paired.
std::unique_ptr<const TrainingRule> fixed_rule(std::unique_ptr<const TrainingRule> inner);

/// The class an update applies to: class 0 for data with one class.
inline int update_class(int class_index) { return class_index == EMParameterLearner::kAnyClass ? 0 : class_index; }

}  // namespace lidecm::detail
