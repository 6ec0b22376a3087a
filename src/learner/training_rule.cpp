// The interface's defaults and the factory: the one place that knows every rule.
#include "lidecm/learner/training_rule.hpp"

#include "learner/training_rules.hpp"

namespace lidecm {

std::array<GraphParams, 2> TrainingRule::probes(const EMParameterLearner&, const StepNeeds&,
                                                const GraphParams& params) const {
    return {params, params};
}

AttentionWeights TrainingRule::attention_spread(const StepOutcome&) const { return {0, 0, 0, 0}; }

std::unique_ptr<const TrainingRule> make_training_rule(LearnerRule rule, LearnerMode mode) {
    std::unique_ptr<const TrainingRule> chosen =
        rule == LearnerRule::seed ? detail::seed_rule(mode == LearnerMode::attention) : detail::risk_rule(mode);
    return mode == LearnerMode::fixed ? detail::fixed_rule(std::move(chosen)) : std::move(chosen);
}

}  // namespace lidecm
