// No learner (LearnerMode::fixed): the starting parameters throughout, chosen as the
// rule underneath would choose them.
#include "learner/training_rules.hpp"

namespace lidecm::detail {
namespace {

class FixedRule final : public TrainingRule {
public:
    explicit FixedRule(std::unique_ptr<const TrainingRule> inner) : inner_(std::move(inner)) {}

    [[nodiscard]] std::string name() const override { return "fixed"; }

    [[nodiscard]] StepNeeds needs(const EMParameterLearner& learner, std::uint64_t seed) const override {
        StepNeeds n = inner_->needs(learner, seed);
        n.batch_patches = false;
        n.paired_images = 0;
        return n;
    }

    [[nodiscard]] ImageChoice choose(const EMParameterLearner& learner, const RuleImage& image) const override {
        return inner_->choose(learner, image);
    }

    [[nodiscard]] GraphParams image_params(const EMParameterLearner& learner, int class_index, ImageView image,
                                           int patch_size) const override {
        return inner_->image_params(learner, class_index, image, patch_size);
    }

    void update(EMParameterLearner&, const StepNeeds&, const StepOutcome&) const override {}

    [[nodiscard]] AttentionWeights attention_spread(const StepOutcome& outcome) const override {
        return inner_->attention_spread(outcome);
    }

private:
    std::unique_ptr<const TrainingRule> inner_;
};

}  // namespace

std::unique_ptr<const TrainingRule> fixed_rule(std::unique_ptr<const TrainingRule> inner) {
    return std::make_unique<FixedRule>(std::move(inner));
}

}  // namespace lidecm::detail
