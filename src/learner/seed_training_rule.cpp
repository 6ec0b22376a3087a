// The seed's rule in a training step (DESIGN §4): parameters per class, not per image.
#include "learner/training_rules.hpp"

namespace lidecm::detail {
namespace {

class SeedRule final : public TrainingRule {
public:
    explicit SeedRule(bool attention) : attention_(attention) {}

    [[nodiscard]] std::string name() const override { return attention_ ? "seed" : "seed-plain"; }

    [[nodiscard]] StepNeeds needs(const EMParameterLearner&, std::uint64_t) const override {
        StepNeeds n;
        n.batch_patches = attention_;
        return n;
    }

    [[nodiscard]] ImageChoice choose(const EMParameterLearner& learner, const RuleImage& image) const override {
        return {AttentionWeights{}, learner.parameters_for(image.class_index, {})};
    }

    [[nodiscard]] GraphParams image_params(const EMParameterLearner& learner, int class_index, ImageView,
                                           int) const override {
        return learner.parameters_for(class_index, {});
    }

    // The global update sees every tile of the batch (centers in each image's own
    // coordinates); the per-class ones each scored image.
    void update(EMParameterLearner& learner, const StepNeeds&, const StepOutcome& outcome) const override {
        learner.update_global_params(outcome.loss, outcome.smoothness, attention_ ? outcome.batch_patches : nullptr);
        for (const ScoredImage& s : outcome.images) learner.update_class_params(update_class(s.class_index), s.loss, s.smoothness);
    }

private:
    bool attention_;
};

}  // namespace

std::unique_ptr<const TrainingRule> seed_rule(bool attention) { return std::make_unique<SeedRule>(attention); }

}  // namespace lidecm::detail
