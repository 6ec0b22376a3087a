#pragma once
// How a learner takes part in a training step, behind one interface (issue #25): the
// step tokenizes, decodes, refines and scores, and asks the rule what to measure, which
// parameters each image gets and how the learner moves; it never asks which rule it is.
// A new rule is a class in its own file and one line of make_training_rule.
//
// TrainingRule is not LearnerRule: LearnerRule (em_learner.hpp) names the update
// arithmetic a learner's options select; a TrainingRule is that arithmetic together
// with a LearnerMode, as one training run uses it.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lidecm/learner/em_learner.hpp"

namespace lidecm {

/// How the learner takes part in training. With LearnerOptions::rule = seed (model
/// files from before the risk rule, or `--learner seed`): plain is the seed's update
/// without attention (uniform 0.25), attention the seed's learner. With the risk rule:
/// plain is one θ (uniform weights), attention four heads mixed per image.
enum class LearnerMode {
    fixed,      ///< no learner: the starting parameters throughout
    plain,      ///< no attention: uniform head weights
    attention,  ///< the four heads' softmax attention
};

/// What a rule asks of one training step, fixed before the step changes anything.
struct StepNeeds {
    bool head_stats = false;     ///< each scored image's head statistics (of its input's tiles)
    bool batch_patches = false;  ///< every tile of the batch as one patch set, in batch order
    /// The first scored images whose refinement is measured against the clean target at
    /// the two settings of probes(), on tokens of the codebook before the step's update
    /// (0: none).
    std::size_t paired_images = 0;
    std::array<int, 2> direction{1, 1};  ///< the paired objective's ±1 direction Δ
};

/// A scored image as the rule sees it when choosing its parameters.
struct RuleImage {
    int class_index = EMParameterLearner::kAnyClass;  ///< kAnyClass when the data has one class
    HeadStats stats;                                  ///< when StepNeeds::head_stats
};

/// The head weights and refinement parameters a rule gives one image.
struct ImageChoice {
    AttentionWeights weights;
    GraphParams params;
};

/// One scored image of a step, in batch order.
struct ScoredImage {
    int class_index = EMParameterLearner::kAnyClass;
    HeadStats stats;           ///< when StepNeeds::head_stats
    AttentionWeights weights;  ///< the rule's choice (meaningful with head statistics)
    double loss = 0, smoothness = 0;
};

/// The objective of a paired image at the two settings of probes().
struct PairedLoss {
    double plus = 0, minus = 0;
};

/// What a step measured, for the rule's update.
struct StepOutcome {
    double loss = 0, smoothness = 0;  ///< means over the scored images
    std::vector<ScoredImage> images;  ///< every scored image, in batch order
    std::vector<PairedLoss> pairs;    ///< of images[0 … paired_images)
    const PatchSet* batch_patches = nullptr;  ///< when StepNeeds::batch_patches
};

class TrainingRule {
public:
    virtual ~TrainingRule() = default;

    /// The variant's name as select_learner / learner_variant spell it.
    [[nodiscard]] virtual std::string name() const = 0;
    /// What the next step must measure; `seed` is the run's.
    [[nodiscard]] virtual StepNeeds needs(const EMParameterLearner& learner, std::uint64_t seed) const = 0;
    /// A training image's weights and parameters, before the step's update.
    [[nodiscard]] virtual ImageChoice choose(const EMParameterLearner& learner, const RuleImage& image) const = 0;
    /// The parameters refining `image` outside a training step (validation, samples).
    [[nodiscard]] virtual GraphParams image_params(const EMParameterLearner& learner, int class_index,
                                                   ImageView image, int patch_size) const = 0;
    /// The two settings (+, −) a paired image is measured at around `params`; asked only
    /// when needs() asked for paired images.
    [[nodiscard]] virtual std::array<GraphParams, 2> probes(const EMParameterLearner& learner, const StepNeeds& needs,
                                                            const GraphParams& params) const;
    /// Moves the learner after a step.
    virtual void update(EMParameterLearner& learner, const StepNeeds& needs, const StepOutcome& outcome) const = 0;
    /// How differently the heads treated the step's images (0 for a rule without per-image weights).
    [[nodiscard]] virtual AttentionWeights attention_spread(const StepOutcome& outcome) const;
};

/// The rule a run with `rule` and `mode` trains with.
std::unique_ptr<const TrainingRule> make_training_rule(LearnerRule rule, LearnerMode mode);

}  // namespace lidecm
