#pragma once
// Which learned prior counts for which image (issue 22). A training set with classes gets
// one patch prior per class, and the attention learner's four heads weigh them per image:
// the image's head statistics (texture, structure, colour, spatial: EMParameterLearner::
// compute_head_stats of its tiles), standardised as over the training items, are the query;
// each class's mean standardised statistics is its key; the weights are
//     w_c = softmax_c(−τ ‖z − key_c‖²)
// and the image is denoised with mix_priors(class priors, w). τ = 0 weighs every class
// alike; large τ picks the nearest class. Training chooses τ by the measured PSNR on noisy
// copies of training images (train_denoising.cpp), as the learner's objective is measured.
#include <array>
#include <vector>

#include "lidecm/codebook/patch_prior.hpp"
#include "lidecm/image/image.hpp"

namespace lidecm {

/// The temperatures training measures (τ = 0: the equal mixture).
inline constexpr std::array<double, 5> kPriorAttentionTaus = {0.0, 0.25, 1.0, 4.0, 16.0};
/// Class priors are fitted when a training set has from 2 to this many classes by default
/// (`train --class-priors`): each costs a prior's fit and its share of the file.
inline constexpr int kDefaultClassPriorsUpTo = 8;
/// The most class priors a model holds (`train --class-priors` accepts 0 … this).
inline constexpr int kMaxClassPriors = 64;

/// The four head statistics of an image's non-overlapping patch_size² tiles, in the order
/// texture, structure, colour, spatial.
std::array<double, 4> head_statistics(ImageView image, int patch_size);

/// Keys and standardisation of the attention over class priors.
struct PriorAttention {
    std::array<double, 4> mean{};   ///< of each statistic over the training items
    std::array<double, 4> scale{};  ///< their standard deviation (at least 1e-6: grey images have no colour)
    std::vector<std::array<double, 4>> keys;  ///< per class, the mean standardised statistics of its items

    /// softmax_c(−τ ‖z − key_c‖²) for the statistics `stats` of an image; sums to 1.
    [[nodiscard]] std::vector<double> weights(const std::array<double, 4>& stats, double tau) const;
};

/// The attention of items with statistics `stats` and class `labels` (0 … classes − 1).
/// Throws InvalidArgument when the sizes differ, a label is out of range or a class has no item.
PriorAttention fit_prior_attention(const std::vector<std::array<double, 4>>& stats, const std::vector<int>& labels,
                                   int classes);

/// One prior per class and the attention that mixes them.
struct ClassPriors {
    std::vector<PatchPrior> priors;  ///< in the order of the model's class names
    PriorAttention attention;        ///< one key per prior

    /// The priors mixed by the attention weights of `pilot` (an estimate of the clean image,
    /// the filter's output) at temperature tau; the weights are stored in `weights` if given.
    [[nodiscard]] PatchPrior for_image(ImageView pilot, double tau, std::vector<double>* weights = nullptr) const;
};

}  // namespace lidecm
