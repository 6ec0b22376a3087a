// The one random stream: its generator is the published splitmix64, its draws
// have the distributions they claim, and the noise of add_gaussian_noise comes
// from it (so it is the same with every standard library).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "lidecm/image/image.hpp"
#include "lidecm/core/random.hpp"
#include "synthetic.hpp"

namespace {

using lidecm::RandomStream;

// The constructor starts from the state "lidecm" and XORs each key word into it
// before a step, so this key gives state 0 before its single step.
constexpr std::uint64_t kZeroState = 0x6C69646563'6D0000ULL;

TEST(RandomStream, IsSplitmix64) {
    // splitmix64 from state 0 gives e220a8397b1dcdaf, 6e789e6aa1b965f4,
    // 06c45d188009454f (Vigna's reference code); the key's step used the first.
    RandomStream rng{kZeroState};
    EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
    EXPECT_EQ(rng.next(), 0x06c45d188009454fULL);
}

TEST(RandomStream, KeysGiveIndependentReproducibleStreams) {
    RandomStream a{1, 2, 3}, b{1, 2, 3}, swapped{1, 3, 2}, shorter{1, 2};
    const std::uint64_t first = a.next();
    EXPECT_EQ(first, b.next());
    EXPECT_NE(first, swapped.next());
    EXPECT_NE(first, shorter.next());
}

TEST(RandomStream, UniformAndBelowCoverTheirRangesEvenly) {
    RandomStream rng{7};
    constexpr int kDraws = 60000, kBins = 6;
    std::vector<int> bins(kBins, 0);
    double lo = 1, hi = 0;
    for (int i = 0; i < kDraws; ++i) {
        const double u = rng.uniform();
        lo = std::min(lo, u);
        hi = std::max(hi, u);
        ++bins[rng.below(kBins)];
    }
    EXPECT_GE(lo, 0.0);
    EXPECT_LT(hi, 1.0);
    EXPECT_LT(lo, 1e-3);
    EXPECT_GT(hi, 1 - 1e-3);
    double chi2 = 0;
    for (const int b : bins) chi2 += std::pow(b - kDraws / double(kBins), 2) / (kDraws / double(kBins));
    EXPECT_LT(chi2, 20.5);  // 5 degrees of freedom: p = 0.001
}

TEST(RandomStream, NormalHasTheMomentsOfAStandardNormal) {
    RandomStream rng{11};
    constexpr int kDraws = 200000;
    double sum = 0, sq = 0, fourth = 0;
    int within_one = 0;
    for (int i = 0; i < kDraws; ++i) {
        const double x = rng.normal();
        sum += x;
        sq += x * x;
        fourth += x * x * x * x;
        within_one += std::fabs(x) < 1.0;
    }
    const double mean = sum / kDraws, var = sq / kDraws - mean * mean;
    EXPECT_NEAR(mean, 0.0, 0.01);          // standard error 0.0022
    EXPECT_NEAR(var, 1.0, 0.015);          // standard error 0.0032
    EXPECT_NEAR(fourth / kDraws, 3.0, 0.06);  // kurtosis of a normal
    EXPECT_NEAR(within_one / double(kDraws), 0.6827, 0.005);
}

TEST(RandomStream, ShuffleIsAPermutationThatDependsOnTheStream) {
    std::vector<int> v(50), w;
    std::iota(v.begin(), v.end(), 0);
    w = v;
    RandomStream a{3}, b{4};
    lidecm::shuffle(v, a);
    lidecm::shuffle(w, b);
    EXPECT_NE(v, w);
    std::sort(v.begin(), v.end());
    for (int i = 0; i < 50; ++i) EXPECT_EQ(v[std::size_t(i)], i);
}

TEST(GaussianNoise, IsDrawnFromTheRandomStream) {
    const lidecm::Image clean = lidecm::test::colour_blobs(9, 7);
    const double sigma = 0.1;
    const lidecm::Image noisy = lidecm::add_gaussian_noise(clean, sigma, 42, false);
    RandomStream rng{42};
    for (std::size_t i = 0; i < clean.size(); ++i) {
        ASSERT_EQ(noisy.data[i], float(clean.data[i] + sigma * rng.normal())) << "value " << i;
    }
}

}  // namespace
