#pragma once
// Stein's unbiased risk estimate by Monte Carlo (Ramani, Blu & Unser, "Monte-Carlo
// SURE: a black-box optimization of regularization parameters for general denoising
// algorithms", IEEE TIP 2008): the mean squared error of a denoiser's output
// against the clean image, estimated from the noisy image and σ alone.
//
// For y = x + n, n ~ N(0, σ²) on each of N values, and a denoiser f,
//   SURE = |y − f(y)|² / N − σ² + 2σ² · div f(y) / N
// is an unbiased estimate of |f(y) − x|² / N. The divergence (Σ ∂f_i/∂y_i) of a
// black-box filter is estimated with one more run on a perturbed input:
//   div f(y) ≈ bᵀ (f(y + εb) − f(y)) / ε,  b a ±1 probe (E[bbᵀ] = I).
// The same probe for every parameter setting makes the *differences* between
// settings much more precise than each estimate (common random numbers).
#include <cstdint>
#include <functional>

#include "lidecm/image/image.hpp"

namespace lidecm {

/// Options of monte_carlo_sure.
struct SureOptions {
    /// Finite-difference step in [0,1] units; 0 = epsilon_factor · σ.
    double epsilon = 0.0;
    /// Step relative to σ when epsilon is 0. Large enough that float round-off in the
    /// filter stays far below the step, small enough that the filter is locally linear.
    double epsilon_factor = 0.05;
    std::uint64_t seed = 1;  ///< the probe's random stream

    /// Throws InvalidArgument naming the field when a value is out of range.
    void validate() const;
    /// The step used for noise std `sigma`.
    [[nodiscard]] double step(double sigma) const { return epsilon > 0 ? epsilon : epsilon_factor * sigma; }
};

/// A rectangle of pixels [y0, y1) × [x0, x1); all zero means the whole image.
struct PixelRect {
    int y0 = 0, x0 = 0, y1 = 0, x1 = 0;
    [[nodiscard]] bool whole() const { return y0 == 0 && x0 == 0 && y1 == 0 && x1 == 0; }
};

/// One estimate, per value (pixel × channel) of the region.
struct SureEstimate {
    double risk = 0;        ///< estimated MSE of f(y) against the clean image
    double residual = 0;    ///< mean (y − f(y))²
    double divergence = 0;  ///< estimated mean ∂f_i/∂y_i (degrees of freedom per value)
    std::size_t values = 0;
};

/// A ±1 probe of the given shape, from `seed`.
Image sure_probe(int height, int width, int channels, std::uint64_t seed);

/// The estimate from runs the caller made: `denoised` = f(noisy), `perturbed` =
/// f(noisy + epsilon · probe), scored on `region` (whole image by default). Throws
/// InvalidArgument for shapes that differ, a region outside the image, or σ or ε not > 0.
SureEstimate sure_from_runs(const Image& noisy, const Image& denoised, const Image& perturbed, const Image& probe,
                            double epsilon, double sigma, PixelRect region = {});

/// Runs `denoiser` on `noisy` and on its perturbed copy and returns the estimate
/// for the whole image. `sigma` is the noise std in [0,1] units (> 0).
SureEstimate monte_carlo_sure(const Image& noisy, double sigma, const std::function<Image(const Image&)>& denoiser,
                              const SureOptions& options = {});

/// noisy + epsilon · probe, not clipped (the estimate needs the exact step).
Image perturb(const Image& noisy, const Image& probe, double epsilon);

}  // namespace lidecm
