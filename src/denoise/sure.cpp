#include "lidecm/denoise/sure.hpp"

#include <cmath>
#include <string>

#include "core/random_salts.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"

namespace lidecm {
namespace {

bool same_shape(const Image& a, const Image& b) {
    return a.height == b.height && a.width == b.width && a.channels == b.channels;
}

}  // namespace

void SureOptions::validate() const {
    require(std::isfinite(epsilon) && epsilon >= 0.0, "epsilon", "must be a finite number >= 0");
    require(std::isfinite(epsilon_factor) && epsilon_factor > 0.0 && epsilon_factor <= 1.0, "epsilon_factor",
            "must be in (0, 1]");
}

Image sure_probe(int height, int width, int channels, std::uint64_t seed) {
    Image probe(height, width, channels);
    RandomStream rng{seed, detail::kSureProbeSalt};
    // 64 signs per draw: the probe of a 12 MP image costs 0.6 M draws, not 36 M.
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < probe.data.size(); ++i) {
        if (i % 64 == 0) bits = rng.next();
        probe.data[i] = (bits >> (i % 64)) & 1U ? 1.0f : -1.0f;
    }
    return probe;
}

Image perturb(const Image& noisy, const Image& probe, double epsilon) {
    require(same_shape(noisy, probe), "perturb", "the probe's shape differs from the image's");
    Image out = noisy;
    const float e = float(epsilon);
    for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] += e * probe.data[i];
    return out;
}

SureEstimate sure_from_runs(const Image& noisy, const Image& denoised, const Image& perturbed, const Image& probe,
                            double epsilon, double sigma, PixelRect region) {
    require(same_shape(noisy, denoised) && same_shape(noisy, perturbed) && same_shape(noisy, probe), "SURE",
            "the noisy image, both outputs and the probe must have one shape");
    require(std::isfinite(sigma) && sigma > 0, "SURE", "sigma must be > 0");
    require(std::isfinite(epsilon) && epsilon > 0, "SURE", "epsilon must be > 0");
    if (region.whole()) region = {0, 0, noisy.height, noisy.width};
    require(region.y0 >= 0 && region.x0 >= 0 && region.y0 < region.y1 && region.x0 < region.x1 &&
                region.y1 <= noisy.height && region.x1 <= noisy.width,
            "SURE", "the region lies outside the image");
    const int c = noisy.channels;
    double residual = 0, divergence = 0;
    for (int y = region.y0; y < region.y1; ++y) {
        const std::size_t first = (std::size_t(y) * std::size_t(noisy.width) + std::size_t(region.x0)) * std::size_t(c);
        const std::size_t last = first + std::size_t(region.x1 - region.x0) * std::size_t(c);
        for (std::size_t i = first; i < last; ++i) {
            const double r = double(noisy.data[i]) - double(denoised.data[i]);
            residual += r * r;
            divergence += double(probe.data[i]) * (double(perturbed.data[i]) - double(denoised.data[i]));
        }
    }
    SureEstimate e;
    e.values = std::size_t(region.y1 - region.y0) * std::size_t(region.x1 - region.x0) * std::size_t(c);
    const double n = double(e.values);
    e.residual = residual / n;
    e.divergence = divergence / epsilon / n;
    e.risk = e.residual - sigma * sigma + 2.0 * sigma * sigma * e.divergence;
    return e;
}

SureEstimate monte_carlo_sure(const Image& noisy, double sigma, const std::function<Image(const Image&)>& denoiser,
                              const SureOptions& options) {
    options.validate();
    require(!noisy.empty(), "SURE", "the image is empty");
    require(std::isfinite(sigma) && sigma > 0, "SURE", "sigma must be > 0");
    const Image probe = sure_probe(noisy.height, noisy.width, noisy.channels, options.seed);
    const double epsilon = options.step(sigma);
    const Image denoised = denoiser(noisy);
    const Image perturbed = denoiser(perturb(noisy, probe, epsilon));
    return sure_from_runs(noisy, denoised, perturbed, probe, epsilon, sigma);
}

}  // namespace lidecm
