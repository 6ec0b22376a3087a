// Monte-Carlo SURE (sure.hpp) against the true MSE, which the tests can compute
// because they make the noise themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/denoise/sure.hpp"
#include "sure_accuracy.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

// A 3×3 box blur (edges repeated): linear, with a known divergence.
Image box_blur(const Image& in) {
    Image out(in.height, in.width, in.channels);
    for (int y = 0; y < in.height; ++y) {
        for (int x = 0; x < in.width; ++x) {
            for (int c = 0; c < in.channels; ++c) {
                float s = 0;
                for (int dy = -1; dy <= 1; ++dy) {
                    for (int dx = -1; dx <= 1; ++dx) {
                        s += in.at(std::clamp(y + dy, 0, in.height - 1), std::clamp(x + dx, 0, in.width - 1), c);
                    }
                }
                out.at(y, x, c) = s / 9.0f;
            }
        }
    }
    return out;
}

TEST(Sure, LinearFilterWithinFivePercentOfTheTrueMse) {
    const test::SureAccuracy a = test::sure_accuracy(test::textured(64, 64, 1), 0.1, box_blur, 20);
    EXPECT_LT(a.mean_abs_error, 0.05 * a.mean_mse) << "MSE " << a.mean_mse;
}

TEST(Sure, DivergenceOfTheBoxBlurIsANinth) {
    // Away from the edges every output value depends on its input value with weight 1/9.
    const Image noisy = add_gaussian_noise(test::textured(96, 96, 1), 0.1, 3, false);
    const SureEstimate e = monte_carlo_sure(noisy, 0.1, box_blur);
    EXPECT_NEAR(e.divergence, 1.0 / 9.0, 0.01);
}

TEST(Sure, RanksStrengthsAsTheTrueMseDoes) {
    const Image clean = test::textured(64, 64, 3);
    const double sigma = 25 / 255.0;
    const Image noisy = add_gaussian_noise(clean, sigma, 11, false);
    std::vector<double> sure, truth;
    for (const double strength : {0.5, 1.0, 2.5}) {
        CollaborativeOptions o;
        o.noise_sigma = sigma;
        o.strength = strength;
        auto f = [&](const Image& y) { return collaborative_denoise(y, o).image; };
        sure.push_back(monte_carlo_sure(noisy, sigma, f).risk);
        truth.push_back(mse(f(noisy), clean));
    }
    for (std::size_t i = 0; i < sure.size(); ++i) {
        for (std::size_t j = 0; j < sure.size(); ++j) {
            if (truth[i] < 0.9 * truth[j]) {
                EXPECT_LT(sure[i], sure[j]) << i << " vs " << j;
            }
        }
    }
}

TEST(Sure, RegionScoresOnlyItsPixels) {
    const Image noisy = add_gaussian_noise(test::textured(32, 32, 1), 0.1, 5, false);
    const Image probe = sure_probe(32, 32, 1, 9);
    const Image out = box_blur(noisy), out_p = box_blur(perturb(noisy, probe, 0.005));
    const SureEstimate left = sure_from_runs(noisy, out, out_p, probe, 0.005, 0.1, {0, 0, 32, 16});
    const SureEstimate right = sure_from_runs(noisy, out, out_p, probe, 0.005, 0.1, {0, 16, 32, 32});
    const SureEstimate whole = sure_from_runs(noisy, out, out_p, probe, 0.005, 0.1);
    EXPECT_EQ(left.values + right.values, whole.values);
    EXPECT_NEAR((left.risk + right.risk) / 2, whole.risk, 1e-12);
}

TEST(Sure, ProbeIsBalancedSignsAndRepeatable) {
    const Image a = sure_probe(50, 40, 3, 1), b = sure_probe(50, 40, 3, 1), c = sure_probe(50, 40, 3, 2);
    EXPECT_EQ(a.data, b.data);
    EXPECT_NE(a.data, c.data);
    double sum = 0;
    for (const float v : a.data) {
        ASSERT_TRUE(v == 1.0f || v == -1.0f);
        sum += v;
    }
    EXPECT_LT(std::fabs(sum) / double(a.size()), 0.05);
}

TEST(Sure, BadInputIsRefused) {
    const Image a = test::constant(8, 8, 1, 0.5f), b = test::constant(8, 9, 1, 0.5f);
    EXPECT_THROW(sure_from_runs(a, b, a, a, 0.01, 0.1), InvalidArgument);
    EXPECT_THROW(sure_from_runs(a, a, a, a, 0.01, 0.0), InvalidArgument);
    EXPECT_THROW(sure_from_runs(a, a, a, a, 0.0, 0.1), InvalidArgument);
    EXPECT_THROW(sure_from_runs(a, a, a, a, 0.01, 0.1, {0, 0, 9, 8}), InvalidArgument);
    EXPECT_THROW(monte_carlo_sure(a, std::nan(""), box_blur), InvalidArgument);
    SureOptions o;
    o.epsilon_factor = 0;
    EXPECT_THROW(monte_carlo_sure(a, 0.1, box_blur, o), InvalidArgument);
}

}  // namespace
}  // namespace lidecm
