#pragma once
// SURE against the true MSE over noise draws the test makes itself (test_sure and
// test_sure_accuracy).
#include <cmath>
#include <cstdint>
#include <functional>

#include "lidecm/image/image.hpp"
#include "lidecm/denoise/sure.hpp"

namespace lidecm::test {

struct SureAccuracy {
    double mean_abs_error = 0, mean_mse = 0;
};

// SURE and the true MSE of `f` over `draws` noise draws of `clean` at `sigma`.
inline SureAccuracy sure_accuracy(const Image& clean, double sigma, const std::function<Image(const Image&)>& f, int draws) {
    SureAccuracy a;
    for (int d = 0; d < draws; ++d) {
        const Image noisy = add_gaussian_noise(clean, sigma, 100 + std::uint64_t(d), false);
        SureOptions o;
        o.seed = 7 + std::uint64_t(d);
        const SureEstimate e = monte_carlo_sure(noisy, sigma, f, o);
        const double truth = mse(f(noisy), clean);
        a.mean_abs_error += std::fabs(e.risk - truth) / draws;
        a.mean_mse += truth / draws;
    }
    return a;
}

}  // namespace lidecm::test
