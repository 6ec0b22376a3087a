// Blind noise estimation: both estimators, and the pieces of the patch-PCA one.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "image/noise_pca.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/noise.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

constexpr auto kPca = NoiseEstimator::PatchPca;
constexpr auto kHaar = NoiseEstimator::HaarMad;

TEST(NoiseEstimate, BothRecoverTheNoiseOnSmoothImages) {
    for (double sigma : {0.02, 0.05, 0.1}) {
        for (const Image& clean : {test::gradient(128, 128, 3), test::constant(128, 128, 1, 0.5f)}) {
            const Image noisy = add_gaussian_noise(clean, sigma, 42, false);
            EXPECT_NEAR(estimate_noise_sigma(noisy, kHaar), sigma, 0.08 * sigma) << sigma;
            EXPECT_NEAR(estimate_noise_sigma(noisy, kPca), sigma, 0.03 * sigma) << sigma;
        }
    }
}

// The reason for PatchPca: a fine texture fills the finest wavelet band, which HaarMad
// reads as noise, but only a few dimensions of the 7×7 patch space. The tolerance,
// 10%, is one HaarMad misses at every σ here (it reads 47% to 790% high) and PatchPca
// meets within 1%.
TEST(NoiseEstimate, PatchPcaRecoversTheNoiseOnATexturedImageWhereHaarMadReadsHigh) {
    for (int channels : {1, 3}) {
        for (double sigma255 : {5.0, 15.0, 30.0}) {
            const double sigma = sigma255 / 255.0;
            const Image noisy = add_gaussian_noise(test::textured(192, 160, channels), sigma, 7, false);
            const double pca = estimate_noise_sigma(noisy, kPca), haar = estimate_noise_sigma(noisy, kHaar);
            EXPECT_NEAR(pca, sigma, 0.1 * sigma) << channels << " channels, σ " << sigma255;
            EXPECT_GT(std::fabs(haar - sigma), 0.1 * sigma) << channels << " channels, σ " << sigma255;
        }
    }
}

TEST(NoiseEstimate, PatchPcaIsTheDefault) {
    const Image noisy = add_gaussian_noise(test::textured(64, 64, 3), 0.04, 3, false);
    EXPECT_EQ(estimate_noise_sigma(noisy), estimate_noise_sigma(noisy, kPca));
    EXPECT_NE(estimate_noise_sigma(noisy), estimate_noise_sigma(noisy, kHaar));
}

TEST(NoiseEstimate, IsZeroForAConstantImage) {
    EXPECT_EQ(estimate_noise_sigma(test::constant(16, 16, 3, 0.3f), kHaar), 0.0);
    EXPECT_LT(estimate_noise_sigma(test::constant(16, 16, 3, 0.3f), kPca), 1e-6);
    EXPECT_LT(estimate_noise_sigma(test::constant(40, 30, 1, 0.7f), kPca), 1e-6);
}

TEST(NoiseEstimate, RefusesImagesSmallerThanItsWindowNamingTheirSize) {
    EXPECT_THROW(estimate_noise_sigma(test::constant(1, 16, 1, 0.3f), kHaar), InvalidArgument);
    for (const auto& [h, w] : {std::pair{6, 20}, std::pair{20, 6}}) {
        try {
            estimate_noise_sigma(test::constant(h, w, 3, 0.3f), kPca);
            ADD_FAILURE() << h << "×" << w << " was not refused";
        } catch (const InvalidArgument& e) {
            const std::string size = std::to_string(h) + "×" + std::to_string(w);
            EXPECT_NE(std::string(e.what()).find(size), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("7×7"), std::string::npos) << e.what();
        }
    }
    EXPECT_NO_THROW(estimate_noise_sigma(add_gaussian_noise(test::gradient(7, 7, 3), 0.1, 1, false), kPca));
}

TEST(NoiseEstimate, EdgesBarelyMoveTheHaarMedian) {
    // Piecewise constant with large cells: only cells' borders give non-zero HH.
    const Image noisy = add_gaussian_noise(test::checkerboard(128, 128, 1, 16), 0.05, 1, false);
    EXPECT_NEAR(estimate_noise_sigma(noisy, kHaar), 0.05, 0.006);
}

// Edges and corners are rare but strong patterns, and each patch position of a corner
// is a pattern of its own: in grey they fill all 49 dimensions of a 7×7 patch, as much
// more as they are dense (the limit lidecm/image/noise.hpp states). In RGB with noise drawn
// per channel, the differences between channels hold only noise and the estimate holds.
TEST(NoiseEstimate, PatchPcaOnEdgesHoldsInRgbAndInGreyWhenTheyAreSparse) {
    for (int cell : {8, 16, 64}) {
        const Image rgb = add_gaussian_noise(test::checkerboard(128, 128, 3, cell), 0.05, 1, false);
        EXPECT_NEAR(estimate_noise_sigma(rgb, kPca), 0.05, 0.001) << cell;
    }
    const Image grey = add_gaussian_noise(test::checkerboard(128, 128, 1, 64), 0.05, 1, false);
    EXPECT_NEAR(estimate_noise_sigma(grey, kPca), 0.05, 0.0015);
}

// Three equal channels are a grey picture: taken as RGB, two thirds of the patch space
// would hold nothing at all, not even the noise, and the estimate would be 0.
TEST(NoiseEstimate, PatchPcaReadsAGreyImageStoredAsRgbAsGrey) {
    const Image grey = add_gaussian_noise(test::textured(96, 96, 1), 0.06, 5, false);
    const Image rgb = to_rgb(grey);
    EXPECT_NEAR(estimate_noise_sigma(rgb, kPca), 0.06, 0.003);
    EXPECT_EQ(estimate_noise_sigma(rgb, kPca), estimate_noise_sigma(grey, kPca));
}

// Above 512×512 pixels the estimate reads tiles; it must still see the noise.
TEST(NoiseEstimate, PatchPcaOnALargeImageReadsTiles) {
    const Image noisy = add_gaussian_noise(test::textured(700, 900, 3), 0.03, 11, false);
    EXPECT_NEAR(estimate_noise_sigma(noisy, kPca), 0.03, 0.0015);
    const Image wide = add_gaussian_noise(test::textured(40, 5000, 1), 0.03, 12, false);
    EXPECT_NEAR(estimate_noise_sigma(wide, kPca), 0.03, 0.0015);
}

// The covariance from shifted products against the definition: every patch listed.
TEST(NoisePca, PatchCovarianceEqualsTheCovarianceOfTheListedPatches) {
    for (const auto& [h, w, c, side] : {std::tuple{11, 13, 3, 7}, std::tuple{20, 17, 1, 7}, std::tuple{9, 30, 3, 4}}) {
        const int r = side;  // a variable, not a binding: clang before 16 cannot capture bindings
        const Image image = test::noise_texture(h + 3, w + 2, c, 99);
        const int y0 = 2, x0 = 1;  // a window inside the image
        const int d = r * r * c, ny = h - r + 1, nx = w - r + 1;
        std::vector<double> mean(std::size_t(d), 0.0), expected(std::size_t(d) * d, 0.0);
        const auto value = [&](int y, int x, int k) {
            const int ch = k / (r * r), dy = k / r % r, dx = k % r;
            return double(image.at(y0 + y + dy, x0 + x + dx, ch));
        };
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                for (int k = 0; k < d; ++k) mean[std::size_t(k)] += value(y, x, k) / (ny * nx);
        for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
                for (int k = 0; k < d; ++k)
                    for (int l = 0; l < d; ++l)
                        expected[std::size_t(k) * d + l] += (value(y, x, k) - mean[std::size_t(k)]) *
                                                            (value(y, x, l) - mean[std::size_t(l)]) / (ny * nx);
        const std::vector<double> got = detail::patch_covariance(image, y0, x0, h, w, r);
        ASSERT_EQ(got.size(), expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            ASSERT_NEAR(got[i], expected[i], 1e-12) << h << "×" << w << " entry " << i;
        }
    }
}

TEST(NoisePca, TailRuleDropsTheLargeEigenvaluesAndAveragesTheRest) {
    // 33 eigenvalues spread symmetrically around 2 (what noise alone gives) and four
    // large ones from the picture, in no order; multiples of 1/64 keep the sums exact.
    std::vector<double> eigenvalues = {90.0, 2.0, 35.0, 7.0};
    for (int i = 1; i <= 16; ++i) {
        eigenvalues.push_back(2.0 + i / 64.0);
        eigenvalues.push_back(2.0 - i / 64.0);
    }
    eigenvalues.push_back(12.0);
    EXPECT_EQ(detail::tail_noise_variance(eigenvalues), 2.0);
    // One picture eigenvalue barely above the noise ones is kept: 2.5 does not pull the mean past the median.
    eigenvalues = {2.5, 1.0, 1.5, 2.0};
    EXPECT_EQ(detail::tail_noise_variance(eigenvalues), 1.75);
    EXPECT_EQ(detail::tail_noise_variance({3.0, 3.0, 3.0}), 3.0);
    EXPECT_EQ(detail::tail_noise_variance({5.0}), 5.0);
}

}  // namespace
}  // namespace lidecm
