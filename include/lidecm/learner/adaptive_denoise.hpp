#pragma once
// Per-image online adaptation of the denoiser's parameters with the EM learner
// (`lidecm denoise --adapt`).
#include <functional>
#include <optional>
#include <vector>

#include "lidecm/learner/em_learner.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"

namespace lidecm {

/// Options of adaptive_denoise. A default-constructed one holds the training
/// path's parameters and clamp ranges (GraphParams{}, ParamBounds{}, ten classes),
/// which cost about 4 dB on photos (BENCHMARKS.md): per-image denoising starts
/// from for_noise (σ known or estimated by the caller) or for_image (blind).
struct AdaptOptions {
    int iterations = 4;  ///< denoise/update rounds; the best round's result is kept
    /// Noise std in [0,1] units that recon targets; unset = estimate_noise_sigma(noisy).
    std::optional<double> noise_sigma;
    /// noise_sigma is the caller's estimate, not a known value: only reported
    /// (AdaptResult::noise_sigma_estimated). Set it together with noise_sigma.
    bool noise_sigma_estimated = false;
    /// Add percep = 1 − SSIM(denoised, noisy) to the loss. Off by default: SSIM
    /// against the *noisy* image is highest when nothing is removed, so it pulls
    /// against the discrepancy term.
    bool perceptual = false;
    LearnerOptions learner;  ///< learner.initial holds the starting parameters

    /// The per-image defaults for noise std `noise_sigma` ([0,1] units): noise_sigma,
    /// learner.initial = recommended_params(noise_sigma) with its adapt_bounds, one class.
    static AdaptOptions for_noise(double noise_sigma, int iterations = 4);
    /// for_noise(estimate_noise_sigma(noisy)), marked as estimated.
    static AdaptOptions for_image(ImageView noisy, int iterations = 4);
    /// Start at `initial` (e.g. recommended_params with the user's flags): the clamp
    /// ranges follow the start (adapt_bounds).
    void start_from(const GraphParams& initial);
};

/// What one iteration did.
struct AdaptIteration {
    GraphParams params;  ///< parameters this round denoised with
    double recon = 0, percep = 0, smoothness = 0, loss = 0;
    AttentionWeights attention;
    double seconds = 0;
};

struct AdaptResult {
    DenoiseResult best;                  ///< result of the round with the lowest loss
    GraphParams best_params;
    int best_iteration = 0;
    double noise_sigma = 0;              ///< the σ̂ used (given or estimated)
    bool noise_sigma_estimated = false;
    PatchFeatures features;              ///< head scores of the noisy image
    std::vector<AdaptIteration> iterations;
    LearnerStatus status;                ///< learner status at the end
};

/// Called after every iteration with (iteration index, iteration count).
using ProgressCallback = std::function<void(int, int)>;

/// Each round denoises with the learner's current parameters, computes
/// recon = |MSE(denoised, noisy) − σ̂²|, percep (see AdaptOptions), smoothness from
/// the graph, loss = compute_loss_proxy(recon, percep, smoothness), and calls
/// update_global_params(loss, smoothness, patches of the noisy image).
AdaptResult adaptive_denoise(ImageView noisy, const AdaptOptions& options,
                             const ProgressCallback& progress = {});

}  // namespace lidecm

namespace lidecm {
/// Clamp ranges for adapting one image that starts at `initial`: sigma and tau
/// within [½, 2]× their start, radius, sigma_s and sigma_f held at their start.
/// The seed's ranges (ParamBounds{}) were made for the training path; at the
/// denoising defaults they would force sigma_s ≥ 5, which costs about 4 dB at σ = 25
/// (BENCHMARKS.md), and the learner never moves radius, sigma_s or sigma_f anyway.
ParamBounds adapt_bounds(const GraphParams& initial);
}  // namespace lidecm
