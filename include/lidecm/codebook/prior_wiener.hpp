#pragma once
// Denoising with a patch prior in one pass: the first step of EPLL's half-quadratic
// splitting (Zoran & Weiss, ICCV 2011) with a denoised copy of the image (the pilot, e.g.
// the collaborative filter's output) as the current estimate. Every patch of the noisy
// image takes the Gaussian of the prior under which the pilot's patch is most likely
// (PriorWienerOptions::choice_rank), and
// that Gaussian's MMSE estimate
//   x̂ = m + μ_k + U_k diag(λ / (λ + σ²)) U_kᵀ (y − m − μ_k),   m = the pilot patch's per-channel mean
// (m = 0 for a prior of whole patches); the overlapping estimates are averaged per pixel.
// The pilot chooses the Gaussian because a noisy patch at σ 25 is most likely under the
// broadest one, whatever it shows; its mean is the pilot's because the noisy patch's mean
// carries σ/8 of noise that the prior, which never saw brightness, cannot remove.
#include "lidecm/codebook/patch_prior.hpp"
#include "lidecm/image/image.hpp"

namespace lidecm {

/// Options of prior_wiener.
struct PriorWienerOptions {
    /// Reference patches every `step` px (the last row and column always): 1 estimates every
    /// patch; 2 does a quarter of the work (on the dev set's first photos, 0.1 dB worse).
    int step = 1;
    /// The Gaussian is chosen under its rank-`choice_rank` approximation (its leading
    /// directions kept, the other variances replaced by their mean; ≥ dim: exact). The pilot
    /// is smoother than the clean patches the Gaussians' smallest variances were fitted to,
    /// and the exact choice over-trusts them: on brick at σ 25 the prior's estimate gained
    /// +0.04 / +0.12 dB with rank 16 / 8 over the exact choice, on grass and gravel +0.05 /
    /// +0.13, on a document page +1.3 / +1.1; and the choice costs rank/dim of the exact one.
    int choice_rank = 16;

    /// Throws InvalidArgument naming the field when a value is out of range.
    void validate() const;
};

/// The estimate above for `noisy` with noise std `sigma` ([0,1] units, > 0). `pilot` has
/// noisy's shape, and the prior's channel count is the image's. Throws InvalidArgument for
/// shapes that differ, an image smaller than the prior's patch, or σ not > 0.
Image prior_wiener(ImageView noisy, ImageView pilot, const PatchPrior& prior, double sigma,
                   const PriorWienerOptions& options = {});

}  // namespace lidecm
