// The risk rule in a training step (issue #13): each image's parameters from its head
// weights, one paired update per batch from the first scored images' measured slope.
#include <cmath>

#include "learner/training_rules.hpp"

namespace lidecm::detail {
namespace {

/// Standard deviation of each head's weight over the images.
AttentionWeights spread(const std::vector<ScoredImage>& images) {
    AttentionWeights mean{0, 0, 0, 0}, sq{0, 0, 0, 0};
    if (images.empty()) return mean;
    const double n = double(images.size());
    for (const ScoredImage& s : images) {
        const AttentionWeights& a = s.weights;
        mean.texture += a.texture / n;
        mean.structure += a.structure / n;
        mean.color += a.color / n;
        mean.spatial += a.spatial / n;
    }
    for (const ScoredImage& s : images) {
        const AttentionWeights& a = s.weights;
        sq.texture += (a.texture - mean.texture) * (a.texture - mean.texture) / n;
        sq.structure += (a.structure - mean.structure) * (a.structure - mean.structure) / n;
        sq.color += (a.color - mean.color) * (a.color - mean.color) / n;
        sq.spatial += (a.spatial - mean.spatial) * (a.spatial - mean.spatial) / n;
    }
    return {std::sqrt(sq.texture), std::sqrt(sq.structure), std::sqrt(sq.color), std::sqrt(sq.spatial)};
}

class RiskRule final : public TrainingRule {
public:
    explicit RiskRule(LearnerMode mode) : mode_(mode) {}

    [[nodiscard]] std::string name() const override {
        return mode_ == LearnerMode::attention ? "attention" : mode_ == LearnerMode::plain ? "plain" : "fixed";
    }

    [[nodiscard]] StepNeeds needs(const EMParameterLearner& learner, std::uint64_t seed) const override {
        StepNeeds n;
        n.head_stats = true;
        n.paired_images = learner.options().risk.paired_images;
        n.direction = learner.paired_direction(seed);
        return n;
    }

    [[nodiscard]] ImageChoice choose(const EMParameterLearner& learner, const RuleImage& image) const override {
        ImageChoice c;
        if (mode_ == LearnerMode::attention) c.weights = learner.image_attention(image.stats);
        c.params = learner.parameters_for(update_class(image.class_index), c.weights);
        return c;
    }

    [[nodiscard]] GraphParams image_params(const EMParameterLearner& learner, int class_index, ImageView image,
                                           int patch_size) const override {
        const int cls = update_class(class_index);
        if (mode_ == LearnerMode::plain) return learner.parameters_for(cls, {});
        return learner.image_parameters(image, patch_size, cls);
    }

    [[nodiscard]] std::array<GraphParams, 2> probes(const EMParameterLearner& learner, const StepNeeds& needs,
                                                    const GraphParams& params) const override {
        return {learner.perturbed(params, needs.direction, +1), learner.perturbed(params, needs.direction, -1)};
    }

    // Every scored image joins the running head statistics after its weights were
    // chosen (so a batch is weighed against the images before it).
    void update(EMParameterLearner& learner, const StepNeeds& needs, const StepOutcome& outcome) const override {
        std::vector<PairedSample> samples;
        for (std::size_t k = 0; k < outcome.pairs.size(); ++k) {
            PairedSample sample;
            sample.class_index = update_class(outcome.images[k].class_index);
            sample.weights = outcome.images[k].weights;
            sample.loss_plus = outcome.pairs[k].plus;
            sample.loss_minus = outcome.pairs[k].minus;
            samples.push_back(sample);
        }
        for (const ScoredImage& s : outcome.images) learner.observe(s.stats);
        if (samples.empty()) return;  // a batch between paired evaluations (TrainConfig::learner_every)
        learner.update_paired(samples, needs.direction, outcome.loss);
    }

    [[nodiscard]] AttentionWeights attention_spread(const StepOutcome& outcome) const override {
        return spread(outcome.images);
    }

private:
    LearnerMode mode_;
};

}  // namespace

std::unique_ptr<const TrainingRule> risk_rule(LearnerMode mode) { return std::make_unique<RiskRule>(mode); }

}  // namespace lidecm::detail
