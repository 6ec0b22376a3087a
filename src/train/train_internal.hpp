#pragma once
// Internal pieces of the training loop shared by the step, the validation and
// the loop itself.
#include <cstdint>
#include <vector>

#include "core/parallel.hpp"
#include "lidecm/dataset.hpp"
#include "lidecm/em_learner.hpp"
#include "lidecm/metrics.hpp"
#include "lidecm/model.hpp"

namespace lidecm::detail {

/// What training runs on: the data, the model being trained and its learner.
struct TrainingRun {
    Dataset dataset;
    Model model;
    EMParameterLearner learner;
    bool labelled = false;  ///< more than one class: refine with per-class parameters
};

/// The image the model sees for a target: the target itself, or with Gaussian
/// noise of config.input_noise drawn from (seed, epoch, item) alone.
Image model_input(const TrainConfig& config, const Image& target, int epoch, std::size_t item);

/// A token reconstruction refined with `params`, and how both compare with the target.
struct ImageScores {
    Image refined;
    double mse = 0, one_minus_ssim = 0, smoothness = 0;
    double psnr_token = 0, psnr_refined = 0, ssim_token = 0;
};
ImageScores score(const Image& target, const Image& token, const GraphParams& params, bool token_ssim = false);

/// The parameters the denoiser uses for an image of class `label`.
GraphParams refine_params(const TrainingRun& run, int label);

/// One training step on a batch: E-step, M-step, refinement, losses, learner.
BatchMetrics train_step(TrainingRun& run, const Batch& batch);

/// Validation figures of the current model (fills the val_* fields and validation_images).
void validate_model(const TrainingRun& run, EpochMetrics& metrics);

/// The grid of originals / [noisy inputs] / token and refined reconstructions
/// of the first config.sample_images validation images.
Image sample_grid(const TrainingRun& run);

/// PSNR capped at 100 dB so identical images give a finite figure in metrics.
double capped_psnr(const Image& a, const Image& b);

}  // namespace lidecm::detail
