// Blind noise estimation.
#include <gtest/gtest.h>

#include "lidecm/error.hpp"
#include "lidecm/noise.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

TEST(NoiseEstimate, RecoversTheNoiseOnSmoothImages) {
    for (double sigma : {0.02, 0.05, 0.1}) {
        for (const Image& clean : {test::gradient(128, 128, 3), test::constant(128, 128, 1, 0.5f)}) {
            const Image noisy = add_gaussian_noise(clean, sigma, 42, false);
            EXPECT_NEAR(estimate_noise_sigma(noisy), sigma, 0.08 * sigma) << sigma;
        }
    }
}

TEST(NoiseEstimate, IsZeroForAConstantImageAndRejectsTinyOnes) {
    EXPECT_EQ(estimate_noise_sigma(test::constant(16, 16, 3, 0.3f)), 0.0);
    EXPECT_THROW(estimate_noise_sigma(test::constant(1, 16, 1, 0.3f)), InvalidArgument);
}

TEST(NoiseEstimate, EdgesBarelyMoveTheMedian) {
    // Piecewise constant with large cells: only cells' borders give non-zero HH.
    const Image noisy = add_gaussian_noise(test::checkerboard(128, 128, 1, 16), 0.05, 1, false);
    EXPECT_NEAR(estimate_noise_sigma(noisy), 0.05, 0.006);
}

}  // namespace
}  // namespace lidecm
