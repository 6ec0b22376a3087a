#pragma once
// Model files (DESIGN §6): a trained codebook, the learner's state and
// histories, the config and the training counters, in the safetensors layout
// (see tensor_file.hpp). A model file is also the training checkpoint: it holds
// everything a resumed run needs to continue exactly as if never stopped.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "lidecm/codebook/codebook.hpp"
#include "lidecm/codebook/patch_prior.hpp"
#include "lidecm/codebook/prior_attention.hpp"
#include "lidecm/codebook/token_prior.hpp"
#include "lidecm/learner/em_learner.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/metrics.hpp"
#include "lidecm/train/train_config.hpp"

namespace lidecm {

/// Where a run stands. Every random draw of training derives from
/// (config.seed, epoch, item), so these counters are also the RNG state.
struct TrainProgress {
    int epoch = 0;                 ///< current epoch (== config.epochs when finished)
    std::uint64_t batch = 0;       ///< next batch within the epoch
    std::uint64_t step = 0;        ///< batches done since the start of the run
    std::uint64_t images = 0;      ///< training images seen
    double best_validation_psnr = -1.0;  ///< refined PSNR of the best epoch so far (-1: none yet)
    int best_epoch = -1;
    bool finished = false;
    EpochSums epoch_sums;  ///< over the current epoch's batches done so far (`batch` of them)
};

/// The worst-reconstructed tiles of the current epoch: candidates for
/// re-seeding codewords that were not used during it.
struct ReseedPool {
    std::vector<float> tiles;   ///< count × dim values
    std::vector<float> errors;  ///< squared quantisation error of each tile
};

/// How to denoise images of the training domain, measured on training images when the run
/// finishes (issue 22): the filter told σ 25 with and without whole-image groups, then with
/// and without the prior step (model_denoising.hpp), on the same noisy copies.
/// `lidecm denoise --model` uses it.
struct LearnedDenoising {
    int global_candidates = 0;  ///< CollaborativeOptions::global_candidates that won (0 or kLearnedGlobalCandidates)
    double gain_db = 0.0;       ///< mean PSNR of whole-image groups minus the window's alone, dB
    int images = 0;             ///< training images it was measured on
    /// Mean PSNR of the prior step minus the filter alone (with the groups chosen above), dB.
    /// The prior saw these images, so this leans high; it only decides whether the step runs.
    double prior_gain_db = 0.0;
    /// Whether `--model` runs the prior step: prior_gain_db > kLearnedPriorGainThresholdDb.
    /// Files from before the step was measured read true (SURE still decides per image).
    bool use_prior = true;
    /// Which prior the step uses: < 0 the pooled prior; else the class priors mixed per image
    /// by attention at this temperature (one of kPriorAttentionTaus), whichever gained most.
    double prior_tau = -1.0;
    /// The pooled prior's gain, measured as prior_gain_db (equal to it when prior_tau < 0).
    double pooled_gain_db = 0.0;
};

/// The whole-image candidates per group training tries (32: +3.1 dB on text pages at
/// σ 25, 64 only 0.1 dB more for 1.3x the time; BENCHMARKS.md).
inline constexpr int kLearnedGlobalCandidates = 32;
/// Whole-image groups are kept when they gain more than this on the training images.
inline constexpr double kLearnedGainThresholdDb = 0.1;
/// The prior step runs when it gains more than this on the training images: where it gains
/// nothing (document pages: +0.00 dB) it would only cost time (a filter run and three of the prior).
inline constexpr double kLearnedPriorGainThresholdDb = 0.02;

struct Model {
    TrainConfig config;
    std::vector<std::string> class_names;
    /// Empty only while a run is set up (training makes it by k-means++ before the
    /// first checkpoint): every saved or loaded model has one.
    std::optional<Codebook> codebook;
    LearnerState learner;
    TrainProgress progress;
    ReseedPool reseed_pool;
    /// RMS quantisation error of the codebook, [0, 1] units: the noise level the
    /// collaborative refiner assumes (`detokenize --refine`). Training sets it at
    /// every epoch's end: the validation split's token error, or without one the
    /// epoch's mean training quant_mse. 0 = unknown (a model file written before
    /// the field existed); refinement then uses kFallbackQuantRms.
    double quant_rms = 0.0;
    /// The Gaussian-mixture patch prior training fits to the training tiles when the run
    /// finishes (config.prior_components of them). Empty before then, with
    /// --prior-components 0, and in model files written before priors existed.
    std::optional<PatchPrior> prior;
    /// One prior per class and the attention mixing them (train --class-priors), fitted with
    /// `prior`; empty for a set of one class or of more than config.class_priors.
    std::optional<ClassPriors> class_priors;
    /// Measured with the prior when the run finishes; empty before then and in older files.
    std::optional<LearnedDenoising> denoising;
    /// The class-conditioned model of this codebook's token grids (issue #24), fitted to the
    /// training items' grids when the run finishes (config.token_prior); empty before then
    /// and in older files. It belongs to this codebook: best.lidecm gets its own.
    std::optional<TokenPrior> token_prior;

    /// A learner with the model's options and state.
    [[nodiscard]] EMParameterLearner make_learner() const;
};

/// The quantisation RMS refinement assumes for a model that does not know its
/// own (quant_rms 0, files written before it was stored): the held-out level of
/// the demo's configuration (K 512, 8×8 RGB tiles), measured in BENCHMARKS.md.
inline constexpr double kFallbackQuantRms = 0.08;

/// The model's quant_rms, or kFallbackQuantRms when it has none.
double refine_level(const Model& model);

/// Bytes the model's priors (pooled and per class) add to its file (tensors, their header
/// entries and metadata); 0 without one.
std::size_t prior_file_bytes(const Model& model);

/// Writes the model atomically (temporary file, fsync, rename).
void save_model(const Model& model, const std::filesystem::path& path);
/// The model file as bytes (what save_model writes).
std::vector<unsigned char> serialize_model(const Model& model);
/// Reads and validates a model file: IoError naming the file for a missing,
/// truncated, altered or wrong-version file, or tensors that do not fit together.
Model load_model(const std::filesystem::path& path);
/// The same for a model file held in memory (`name` is what errors call it).
Model parse_model(std::vector<unsigned char> bytes, const std::string& name);

/// `image` with the model's channel count, what its tokenizer encodes: luma for a grey
/// model, grey replicated for a colour one, otherwise a copy.
Image model_input(const Model& model, ImageView image);

/// A decoded token image cleaned as training refined it: the model's refiner (collaborative
/// or graph) with the learner's parameters for this image, at the model's quantisation level
/// (what `detokenize --refine` writes).
Image refine_reconstruction(const Model& model, const Image& decoded);

/// The model's token prior; InvalidArgument "<who> has no token prior (…)" saying why a
/// model may lack one when it has none (`who` names the file or flag for the message).
const TokenPrior& token_prior_of(const Model& model, const std::string& who);

}  // namespace lidecm
