#pragma once
// Everything that defines a training run: the data, the tokenizer, the loop and
// the learner. Saved in every model file, so a run can be resumed and a model
// explained without the command line that made it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lidecm/codebook/codebook.hpp"
#include "lidecm/codebook/patch_prior.hpp"      // kMaxPriorComponents, kMaxPriorIterations
#include "lidecm/codebook/prior_attention.hpp"  // kDefaultClassPriorsUpTo
#include "lidecm/data/dataset.hpp"
#include "lidecm/learner/em_learner.hpp"
#include "lidecm/learner/training_rule.hpp"  // LearnerMode
#include "lidecm/codebook/token_refine.hpp"

namespace lidecm {

/// Where training starts the learner for `refiner`.
///  - graph: sigma 0.10, tau 0.05, radius 8, sigma_s 5, no diffusion step,
///    stride 5 (all inside the seed's bounds). The seed's GraphParams defaults
///    blur token reconstructions (−1.0 dB on held-out photos, BENCHMARKS.md);
///    these gain about +0.5 dB.
///  - collaborative: the seed's LearnerOptions{} (sigma 0.3, tau 0.1, the middle
///    of its ranges), which learner_mapped (token_refine.hpp) turns into the
///    measured strength and threshold; the learner may then scale them either way.
/// Both with the risk rule (LearnerRule::risk); select_learner picks another.
LearnerOptions training_learner_options(Refiner refiner = Refiner::collaborative);

struct TrainConfig {
    std::string data = "samples";       ///< dataset source: folder, CIFAR file/folder, image, or "samples"
    DatasetOptions dataset;             ///< resolution (64), channels, validation split, augmentation
    /// K and the E-step's block rows. Its seed and kmeans_iterations are not used:
    /// k-means++ is seeded from `seed` below, and training refines the codebook by
    /// mini-batch updates, not Lloyd iterations. Model files store only K.
    CodebookOptions codebook;
    int patch_size = 8;                 ///< side of the tokenizer's non-overlapping tiles
    int epochs = 10;                    ///< passes over the training split
    std::size_t batch_size = 32;        ///< images per batch (one learner update per batch)
    std::size_t max_batches = 0;        ///< batches per epoch at most; 0 = the whole split
    std::uint64_t seed = 1234;          ///< every random draw derives from it (split, order, augmentation, init)
    std::size_t init_images = 256;      ///< training images whose tiles seed the codebook (k-means++)
    double input_noise = 0.0;           ///< σ (0–1 units) of Gaussian noise added to the inputs; targets stay clean
    /// When above input_noise: each input's σ is drawn uniformly from [input_noise,
    /// input_noise_max] (from seed, epoch and item, like the noise itself); 0 = off.
    double input_noise_max = 0.0;
    int checkpoint_every = 0;           ///< also keep epoch_N.lidecm every N epochs; 0 = only last and best
    std::size_t validation_images = 256;  ///< validation images scored each epoch at most (0 = all), spread evenly
    std::size_t sample_images = 8;      ///< validation images shown in samples.png, spread evenly
    std::size_t prefetch = 2;           ///< batches assembled ahead of the training step
    int decode_threads = 0;             ///< threads decoding image files; 0 = one per hardware thread
    /// How token reconstructions are refined (training's losses, validation,
    /// samples.png and `detokenize --refine`). Change it with select_refiner.
    RefineOptions refine;
    /// Images of each training batch refined and scored (losses, the learner's
    /// updates, the batch's PSNR figures); 0 = all. The collaborative refiner costs
    /// ~4 filter runs per image, and the learner needs a sample, not the batch.
    std::size_t refine_per_batch = 4;
    LearnerOptions learner = training_learner_options();  ///< start and bounds (num_classes is set from the data)
    LearnerMode learner_mode = LearnerMode::attention;    ///< the learner variant
    /// The learner's paired evaluation (two more refinements of its images at θ ± δΔ) runs
    /// on every learner_every-th batch, 1 … 1000: at 8 it is 4.6 % of a `make demo` step
    /// instead of 27.6 %, validation PSNR unchanged (BENCHMARKS.md). A config stored before
    /// it existed reads 1, as every batch was evaluated then.
    int learner_every = 8;
    /// Gaussians of the patch prior (patch_prior.hpp) fitted to the training tiles when the
    /// run finishes: 0 … kMaxPriorComponents, 0 = no prior. A config stored before priors
    /// existed reads as 0: its run fitted none.
    int prior_components = 20;
    int prior_iterations = 30;  ///< the prior's EM iterations: 1 … kMaxPriorIterations
    /// A training set of 2 … class_priors classes also gets one prior per class, which
    /// `denoise --model` mixes per image by attention (prior_attention.hpp); 0 = the pooled
    /// prior alone. 0 … kMaxClassPriors. A config stored before class priors reads as 0.
    int class_priors = kDefaultClassPriorsUpTo;
    /// Fit the token prior (token_prior.hpp) to the training items' token grids when the run
    /// finishes, for `generate` and compact token files. A config stored before it reads false.
    bool token_prior = true;

    /// Throws InvalidArgument naming the first field out of range.
    void validate() const;
};

/// Makes `config` refine with `refiner` as training does: collaborative gives
/// RefineOptions{}, refine_per_batch 4 and the seed's learner start; graph gives
/// the seed's diffusion without keep_codewords, every image of a batch refined and
/// training_learner_options(graph) — exactly what training did before the
/// collaborative refiner existed.
void select_refiner(TrainConfig& config, Refiner refiner);

/// The learner variants by name (`train --learner`, the ablation): "attention" (the
/// risk rule with four heads, the default), "plain" (the risk rule with one θ),
/// "seed" (the seed's rule with attention, DESIGN §4) or "fixed" (no learner). Sets
/// learner_mode, learner.rule and learner.risk.heads; call after select_refiner.
/// Throws InvalidArgument naming `flag` for another name.
void select_learner(TrainConfig& config, const std::string& variant, const std::string& flag = "learner");
/// The name select_learner takes for `config`'s learner ("seed-plain" for the seed's
/// rule without attention, which only old model files hold).
std::string learner_variant(const TrainConfig& config);

/// The config as a JSON object (what model files store) and back. from_json
/// throws IoError naming `name` for malformed JSON or missing/mistyped fields.
/// A config without "refine" was written before refinement was selectable and
/// reads as select_refiner(graph) with its stored learner options: such a model
/// refines and resumes as it did when it was written. One without "prior_components"
/// predates patch priors and reads as 0 (none), for the same reason.
std::string to_json(const TrainConfig& config);
TrainConfig train_config_from_json(const std::string& json, const std::string& name);

}  // namespace lidecm
