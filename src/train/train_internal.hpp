#pragma once
// Internal pieces of the training loop shared by the step, the validation and
// the loop itself.
#include <cstdint>
#include <exception>
#include <mutex>
#include <vector>

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

/// Runs body(i) for i in [0, n) on OpenMP threads; rethrows the first exception
/// after the loop (an exception must not escape a parallel region).
template <class Body>
void parallel_for(std::size_t n, Body body) {
    std::exception_ptr error;
    std::mutex mutex;
#pragma omp parallel for schedule(dynamic, 1)
    for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(n); ++i) {
        try {
            body(std::size_t(i));
        } catch (...) {
            const std::lock_guard lock(mutex);
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
}

/// PSNR capped at 100 dB so identical images give a finite figure in metrics.
double capped_psnr(const Image& a, const Image& b);

}  // namespace lidecm::detail
