#pragma once
// Internal pieces of the training loop shared by the step, the validation and
// the loop itself.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "lidecm/train/communicator.hpp"
#include "lidecm/data/dataset.hpp"
#include "lidecm/learner/em_learner.hpp"
#include "lidecm/learner/training_rule.hpp"
#include "lidecm/train/metrics.hpp"
#include "lidecm/train/model.hpp"

namespace lidecm::detail {

/// What training runs on: the data, the model being trained and its learner.
struct TrainingRun {
    Dataset dataset;
    Model model;
    EMParameterLearner learner;
    bool labelled = false;  ///< more than one class: refine with per-class parameters
    std::unique_ptr<const TrainingRule> rule;  ///< how the learner takes part (config.learner.rule and learner_mode)
};

/// The image the model sees for a target: the target itself, or with Gaussian
/// noise of config.input_noise drawn from (seed, epoch, item) alone.
Image model_input(const TrainConfig& config, const Image& target, int epoch, std::size_t item);

/// A token reconstruction and its refinement, and how both compare with the target.
struct ImageScores {
    Image refined;
    double mse = 0, one_minus_ssim = 0, smoothness = 0;
    double psnr_token = 0, psnr_refined = 0, ssim_token = 0;
};
ImageScores score(const Image& target, const Image& token, RefineResult refined, bool token_ssim = false);

/// `token` refined as the run refines (config.refine, driven by the parameters the
/// run's rule gives an image of class `label`) at quantisation RMS `quant_rms`.
RefineResult refine(const TrainingRun& run, const Image& token, int label, double quant_rms);

/// One training step on a batch: E-step, M-step, refinement, losses, learner (train_step.hpp).
struct BatchShare;
/// One step on this rank's share of a batch (`share`: where its items stand in the
/// whole batch); every rank of `comm` calls it for the same batch.
BatchMetrics train_step(TrainingRun& run, const Batch& batch, Communicator& comm, const BatchShare& share);

/// Validation figures of the current model (fills the val_* fields, refine_level
/// and validation_images; metrics.quant_mse must hold the epoch's mean already); each
/// rank of `comm` validates a share of the images.
void validate_model(const TrainingRun& run, EpochMetrics& metrics, Communicator& comm);

/// The grid of originals / [noisy inputs] / token and refined reconstructions
/// of the first config.sample_images validation images.
Image sample_grid(const TrainingRun& run);

/// Calls body(item, k) for the items of `ids` (k: the item's place in `ids`) on OpenMP
/// threads, loaded `chunk` at a time (each file decoded once per chunk, so memory stays
/// that of `chunk` items); items of files that fail to decode are left out.
template <class Body>
void for_each_item(const Dataset& dataset, const std::vector<std::size_t>& ids, std::size_t chunk_items, Body&& body) {
    for (std::size_t first = 0; first < ids.size(); first += chunk_items) {
        const std::vector<std::size_t> chunk(ids.begin() + std::ptrdiff_t(first),
                                             ids.begin() + std::ptrdiff_t(std::min(ids.size(), first + chunk_items)));
        const std::vector<Item> items = dataset.items(chunk);
        std::vector<std::size_t> place(items.size());
        for (std::size_t i = 0, k = 0; i < items.size(); ++i) {  // items keep the chunk's order
            while (chunk[k] != items[i].index) ++k;
            place[i] = first + k;
        }
        parallel_for(items.size(), [&](std::size_t i) { body(items[i], place[i]); });
    }
}

/// The patch prior of a finished run: config.prior_components Gaussians fitted (fit_patch_prior,
/// config.prior_iterations, seeded from config.seed) to up to 20,000 clean training tiles drawn
/// from (seed, item) alone. Empty, with a line to `log`, when the split gives fewer tiles than
/// components. Progress and timing go to `log`.
std::optional<PatchPrior> training_prior(const TrainConfig& config, const Dataset& dataset,
                                         const std::function<void(const std::string&)>& log);

/// One prior per class (config.prior_components Gaussians each, fitted as training_prior's
/// to up to 20,000 tiles of that class's items) and the
/// attention over them (keys from the sampled items' head statistics), when the training set
/// has 2 … config.class_priors classes; else, or when a class has too few tiles, none (with
/// a line to `log` when the classes are too many or too small).
std::optional<ClassPriors> training_class_priors(const TrainConfig& config, const Dataset& dataset,
                                                 const std::function<void(const std::string&)>& log);

/// The token prior of `codebook` (its size, the set's classes): TokenPrior::fit's default
/// over the token grids of up to 4,000 training items (as stored, uniform order), its size
/// and training bits per token to `log`. None, with a line, when no item could be read.
std::optional<TokenPrior> training_token_prior(const Codebook& codebook, const TrainConfig& config,
                                               const Dataset& dataset,
                                               const std::function<void(const std::string&)>& log);

/// Whether whole-image patch groups and the prior step pay on the domain: measured on up to
/// 8 training items (as stored, uniform order) with Gaussian noise σ 25 from (seed, item),
/// the filter told σ with and without kLearnedGlobalCandidates (kept above
/// kLearnedGainThresholdDb), then with and without the prior step of model.prior and, with
/// model.class_priors, of the class priors mixed by attention at each of kPriorAttentionTaus:
/// the one that gains most is kept if it gains over kLearnedPriorGainThresholdDb. The result
/// and its time go to `log`.
LearnedDenoising learn_denoising(const Model& model, const Dataset& dataset,
                                 const std::function<void(const std::string&)>& log);

/// PSNR capped at 100 dB so identical images give a finite figure in metrics.
double capped_psnr(const Image& a, const Image& b);

}  // namespace lidecm::detail
