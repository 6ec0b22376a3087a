// Monte-Carlo SURE (sure.hpp) against the true MSE, which the tests can compute
// because they make the noise themselves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "lidecm/collaborative.hpp"
#include "lidecm/error.hpp"
#include "lidecm/image.hpp"
#include "lidecm/samples.hpp"
#include "lidecm/sure.hpp"
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

struct Accuracy {
    double mean_abs_error = 0, mean_mse = 0;
};

// SURE and the true MSE of `f` over `draws` noise draws of `clean` at `sigma`.
Accuracy accuracy(const Image& clean, double sigma, const std::function<Image(const Image&)>& f, int draws) {
    Accuracy a;
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

TEST(Sure, LinearFilterWithinFivePercentOfTheTrueMse) {
    const Accuracy a = accuracy(test::textured(64, 64, 1), 0.1, box_blur, 20);
    EXPECT_LT(a.mean_abs_error, 0.05 * a.mean_mse) << "MSE " << a.mean_mse;
}

TEST(Sure, DivergenceOfTheBoxBlurIsANinth) {
    // Away from the edges every output value depends on its input value with weight 1/9.
    const Image noisy = add_gaussian_noise(test::textured(96, 96, 1), 0.1, 3, false);
    const SureEstimate e = monte_carlo_sure(noisy, 0.1, box_blur);
    EXPECT_NEAR(e.divergence, 1.0 / 9.0, 0.01);
}

// The filter's hard thresholds and block matching are discontinuous, so each
// estimate scatters around the truth (jumps that the probe happens to cross) while
// its mean stays within ~1 %: over 20 draws on photos of 256×256 the mean absolute
// error is 3 % of the MSE at σ 10 and up to 5.7 % at σ 25 (camera), hence 5 % and 7 %.
TEST(Sure, CollaborativeFilterNearTheTrueMse) {
    for (const char* name : {"camera", "astronaut"}) {
        const Image photo = load_image(resolve_image_argument(std::string("samples:") + name));
        const Image clean = center_crop(resize_shorter_side(photo, 256), 256, 256);
        for (const double sigma : {10 / 255.0, 25 / 255.0}) {
            CollaborativeOptions o;
            o.noise_sigma = sigma;
            const Accuracy a =
                accuracy(clean, sigma, [&](const Image& y) { return collaborative_denoise(y, o).image; }, 20);
            const double bound = sigma < 15 / 255.0 ? 0.05 : 0.07;
            EXPECT_LT(a.mean_abs_error, bound * a.mean_mse) << name << ", sigma " << sigma * 255 << ": MSE " << a.mean_mse;
        }
    }
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
