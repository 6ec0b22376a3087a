// GraphParams: what a valid set is, and the set to denoise an image with.
#include <algorithm>
#include <cmath>
#include <string>

#include "lidecm/core/error.hpp"
#include "lidecm/denoise/graph.hpp"

namespace lidecm {

void GraphParams::validate() const {
    require_positive(sigma, "sigma");
    require_positive(tau, "tau");
    require_positive(radius, "radius");
    require_positive(sigma_s, "sigma_s");
    require_positive(sigma_f, "sigma_f");
    require(smooth_steps >= 0, "smooth_steps", "must be >= 0, got " + std::to_string(smooth_steps));
    require(patch_size >= 1, "patch_size", "must be >= 1, got " + std::to_string(patch_size));
    require(stride >= 1, "stride", "must be >= 1, got " + std::to_string(stride));
    require(stride <= patch_size, "stride",
            std::to_string(stride) + " is larger than patch_size " + std::to_string(patch_size) +
                " (pixels between patches would never be seen)");
}

GraphParams recommended_params(double noise_sigma) {
    require(std::isfinite(noise_sigma) && noise_sigma >= 0, "noise sigma", "must be a finite number >= 0");
    GraphParams p;
    // Denser patches and more candidates than the training path: stride 2 and a
    // radius of 8 px give ~50 neighbours per patch (NL-means needs many).
    p.stride = 2;
    p.radius = 8;
    // Explicit diffusion is stable only while tau · degree < 1; with sigma_s = 2 the
    // degree is ~10, and one step of tau 0.02 is as good as none (BENCHMARKS.md):
    // larger steps or more of them blur.
    p.sigma_s = 2;
    p.tau = 0.02;
    p.smooth_steps = 1;
    // S = exp(-d / 2 sigma²) with d ≈ 2 noise² between equal patches: sigma must
    // track the noise. The harness's best factor falls from 0.8 at σ=10 to 0.7 at σ=50.
    const double factor = std::clamp(0.85 - 0.9 * noise_sigma, 0.6, 0.85);
    p.sigma = std::max(0.005, factor * noise_sigma);
    return p;
}

}  // namespace lidecm
