#pragma once
// Blind estimate of additive white Gaussian noise.
#include "lidecm/image/image.hpp"

namespace lidecm {

/// Which blind estimator estimate_noise_sigma runs.
enum class NoiseEstimator {
    /// Chen, Zhu & Heng, "An Efficient Statistical Method for Image Noise Level
    /// Estimation" (ICCV 2015). The covariance of every overlapping 7×7 patch
    /// (7×7×3 values per patch for RGB: the channels are taken together) is computed
    /// exactly; its eigenvalues are sorted, and the noise variance is the mean of the
    /// largest set of smallest eigenvalues whose mean does not exceed its median: the
    /// eigenvalues that only noise fills are spread symmetrically around σ², the ones
    /// the picture adds are few and large. An RGB image whose three channels are equal
    /// is estimated as grey. Images of more than 512×512 pixels are estimated on up to
    /// 16 tiles of 128×128 spread evenly over them.
    ///
    /// Accuracy on the dev set (`build/experiments/noise_estimate /work/shared/eval/dev`: 15
    /// photos 256×256, 8-bit, Gaussian noise clipped to [0, 255]), mean absolute / worst
    /// error against the noise actually present (std of noisy − clean), 0-255 scale:
    /// σ 10: 0.06 / 0.23, σ 25: 0.13 / 0.35, σ 50: 0.42 / 2.3 (HaarMad: 1.29 / 5.6,
    /// 0.71 / 3.0, 1.17 / 3.5); grass at σ 10 reads 9.96. About 7 ms for 256×256 RGB
    /// (11 ms on a loaded machine), under 1 ms for grey, 35-80 ms for 12 MP RGB (tiles,
    /// two threads).
    ///
    /// Limits. RGB gains most from the joint patches, when the noise is drawn per channel:
    /// the differences between channels then hold little picture and all the noise (8
    /// of the 15 photos are grey photos copied to three channels). Grey images gain
    /// less: on the first channel alone (`--grey`) the errors are 1.25 / 6.2, 0.59 / 2.6,
    /// 0.56 / 2.4 (HaarMad 1.38 / 5.6, 0.79 / 2.5, 1.21 / 3.9): grass at σ 10 reads 16.
    /// Dense strong edges fill every dimension of a grey patch: a checkerboard of 8 px
    /// cells, contrast 0.8, σ = 0.05 reads 0.092 (HaarMad 0.051); the noise-free grey
    /// photos (8-bit rounding, σ 0.29) read up to 12.7 (grass; HaarMad 11.1). Noise
    /// shared between channels (camera noise after demosaicing, noise added before a
    /// colour conversion) is not seen, only the part drawn per channel: chelsea with σ 10
    /// common to R, G and B plus σ 2 of each channel's own reads 2.1 (true 10.2; HaarMad
    /// 10.7). Pixels clipped at 0 or 255 count with what is left of their noise.
    PatchPca,
    /// Donoho & Johnstone's robust median estimator (Biometrika 1994): median(|HH|) /
    /// 0.6745 over the finest diagonal Haar wavelet coefficients of each channel,
    /// averaged over channels (scikit-image's estimate_sigma, with Haar for db2).
    /// Textures read high (grass at σ 10 reads 15.6), clipped dark images low, and the
    /// median of 8-bit data moves in steps.
    HaarMad,
};

/// Estimates the standard deviation (in [0,1] units) of additive white Gaussian noise.
/// Throws InvalidArgument for images smaller than the estimator's window: 7×7 for
/// PatchPca, 2×2 for HaarMad.
double estimate_noise_sigma(ImageView image, NoiseEstimator estimator = NoiseEstimator::PatchPca);

}  // namespace lidecm
