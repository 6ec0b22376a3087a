// The attention over class priors (issue 22): keys are the classes' mean standardised head
// statistics, the weights a softmax over −τ · squared distance, and the mixture they give.
#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

#include "lidecm/codebook/prior_attention.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

using Stats = std::array<double, 4>;

TEST(PriorAttention, KeysAreTheClassMeansOfTheStandardisedStatistics) {
    // Statistic 0: class 0 at 1 and 3, class 1 at 5 and 7 (mean 4, deviation √5); the rest equal.
    const std::vector<Stats> s = {{1, 2, 0, 0.5}, {3, 2, 0, 0.5}, {5, 2, 0, 0.5}, {7, 2, 0, 0.5}};
    const PriorAttention a = fit_prior_attention(s, {0, 0, 1, 1}, 2);
    EXPECT_DOUBLE_EQ(a.mean[0], 4.0);
    EXPECT_DOUBLE_EQ(a.scale[0], std::sqrt(5.0));
    EXPECT_DOUBLE_EQ(a.scale[1], 1e-6);  // constant statistics do not divide by zero
    EXPECT_NEAR(a.keys[0][0], -2.0 / std::sqrt(5.0), 1e-12);
    EXPECT_NEAR(a.keys[1][0], 2.0 / std::sqrt(5.0), 1e-12);
    EXPECT_DOUBLE_EQ(a.keys[0][1], 0.0);
}

TEST(PriorAttention, WeightsAreASoftmaxOfTheDistances) {
    const PriorAttention a = fit_prior_attention({{1, 0, 0, 0}, {3, 0, 0, 0}, {5, 0, 0, 0}, {7, 0, 0, 0}}, {0, 0, 1, 1}, 2);
    const Stats near_0 = {2, 0, 0, 0};  // class 0's mean: z = key 0, distance² to key 1 = (4/√5)² = 3.2
    const std::vector<double> uniform = a.weights(near_0, 0.0);
    EXPECT_DOUBLE_EQ(uniform[0], 0.5);
    EXPECT_DOUBLE_EQ(uniform[1], 0.5);
    const std::vector<double> w = a.weights(near_0, 1.0);
    EXPECT_NEAR(w[0], 1.0 / (1.0 + std::exp(-3.2)), 1e-12);
    EXPECT_NEAR(w[0] + w[1], 1.0, 1e-15);
    const std::vector<double> sharp = a.weights({6, 0, 0, 0}, 16.0);
    EXPECT_GT(sharp[1], 0.999);
    EXPECT_THROW((void)a.weights(near_0, -1.0), InvalidArgument);
}

TEST(PriorAttention, BadItemsAreRefused) {
    EXPECT_THROW(fit_prior_attention({{0, 0, 0, 0}}, {0, 1}, 2), InvalidArgument);     // sizes differ
    EXPECT_THROW(fit_prior_attention({{0, 0, 0, 0}}, {2}, 2), InvalidArgument);        // label out of range
    EXPECT_THROW(fit_prior_attention({{0, 0, 0, 0}, {1, 1, 1, 1}}, {0, 0}, 2), InvalidArgument);  // a class without items
}

TEST(PriorAttention, HeadStatisticsTellTextureFromSmoothness) {
    const Stats smooth = head_statistics(test::gradient(64, 64, 3), 8);
    const Stats noisy = head_statistics(test::noise_texture(64, 64, 3, 5), 8);
    EXPECT_GT(noisy[0], smooth[0]);
}

PatchPrior random_prior(std::uint64_t seed, float scale) {
    RandomStream rng{seed};
    std::vector<float> patches(200 * 16);
    for (float& v : patches) v = float(rng.uniform()) * scale;
    PatchPriorOptions o;
    o.components = 2;
    o.iterations = 3;
    return fit_patch_prior(patches.data(), 200, 4, 1, o).prior;
}

TEST(PriorAttention, AnImageLikeOneClassGetsMostlyItsPrior) {
    const Image smooth = test::gradient(64, 64, 1), rough = test::noise_texture(64, 64, 1, 3);
    ClassPriors cp;
    cp.priors = {random_prior(1, 0.1f), random_prior(2, 1.0f)};
    cp.attention = fit_prior_attention({head_statistics(smooth, 4), head_statistics(rough, 4)}, {0, 1}, 2);
    std::vector<double> w;
    const PatchPrior mixed = cp.for_image(rough, 4.0, &w);
    ASSERT_EQ(w.size(), 2U);
    EXPECT_GT(w[1], 0.99);
    EXPECT_EQ(mixed.size(), 4);  // both priors' components, class 0's weighted down
    double from_0 = 0;
    for (int k = 0; k < 2; ++k) from_0 += mixed.components()[std::size_t(k)].weight;
    EXPECT_NEAR(from_0, w[0], 1e-9);
    cp.attention.keys.pop_back();
    EXPECT_THROW((void)cp.for_image(rough, 1.0), InvalidArgument);  // a prior without a key
}

}  // namespace
}  // namespace lidecm
