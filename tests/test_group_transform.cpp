// Internal pieces of the collaborative filter: the group transforms and the group search.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "denoise/block_matching.hpp"
#include "denoise/group_transform.hpp"
#include "lidecm/core/random.hpp"

namespace lidecm::detail {
namespace {

std::vector<float> random_values(std::size_t n, std::uint64_t seed) {
    RandomStream rng({seed});
    std::vector<float> v(n);
    for (float& x : v) x = float(rng.uniform());
    return v;
}

TEST(GroupTransform, SeparableTransformsInvertExactly) {
    for (const Basis basis : {Basis::Dct, Basis::Bior15}) {
        for (const int k : {4, 8, 16}) {
            const Separable2d t(k, basis);
            const int stride = k + 3;  // the patch is read from a wider plane
            const std::vector<float> plane = random_values(std::size_t(stride) * k, std::uint64_t(k));
            std::vector<float> coef(std::size_t(k) * k), back(std::size_t(k) * k);
            t.forward(plane.data(), stride, coef.data());
            t.inverse(coef.data(), back.data());
            for (int y = 0; y < k; ++y) {
                for (int x = 0; x < k; ++x) {
                    ASSERT_NEAR(back[std::size_t(y * k + x)], plane[std::size_t(y * stride + x)], 1e-5f)
                        << "k " << k << " basis " << int(basis);
                }
            }
        }
    }
}

TEST(GroupTransform, DctOfOddSizesInvertsAndIsOrthonormal) {
    const int k = 11;
    const Separable2d t(k, Basis::Dct);
    const std::vector<float> patch = random_values(std::size_t(k) * k, 3);
    std::vector<float> coef(patch.size()), back(patch.size());
    t.forward(patch.data(), k, coef.data());
    t.inverse(coef.data(), back.data());
    double e_in = 0, e_out = 0;
    for (std::size_t i = 0; i < patch.size(); ++i) {
        ASSERT_NEAR(back[i], patch[i], 1e-5f);
        e_in += patch[i] * patch[i];
        e_out += coef[i] * coef[i];
    }
    EXPECT_NEAR(e_out, e_in, 1e-4 * e_in);  // Parseval
    for (const float g : t.noise_gain()) EXPECT_NEAR(g, 1.0f, 1e-5f);
}

TEST(GroupTransform, ConstantPatchHasOnlyTheFirstCoefficient) {
    for (const Basis basis : {Basis::Dct, Basis::Bior15}) {
        const Separable2d t(8, basis);
        const std::vector<float> flat(64, 0.5f);
        std::vector<float> coef(64);
        t.forward(flat.data(), 8, coef.data());
        EXPECT_GT(std::abs(coef[0]), 1.0f);
        for (std::size_t i = 1; i < coef.size(); ++i) EXPECT_NEAR(coef[i], 0.0f, 1e-5f) << i;
    }
}

TEST(GroupTransform, HadamardIsOrthonormalAndItsOwnInverse) {
    for (const int n : {1, 2, 4, 16, 32}) {
        const int len = 5;
        const std::vector<float> group = random_values(std::size_t(n) * len, std::uint64_t(n) + 100);
        std::vector<float> g = group;
        hadamard(g.data(), n, len);
        double e_in = 0, e_out = 0;
        for (std::size_t i = 0; i < g.size(); ++i) {
            e_in += group[i] * group[i];
            e_out += g[i] * g[i];
        }
        EXPECT_NEAR(e_out, e_in, 1e-4 * e_in) << n;
        hadamard(g.data(), n, len);
        for (std::size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(g[i], group[i], 1e-5f) << n;
    }
}

TEST(GroupTransform, KaiserWindowIsSymmetricPeaksInTheMiddleAndFlatAtZero) {
    const std::vector<float> w = kaiser_window(8, 2.0);
    EXPECT_LT(w[0], w[3 * 8 + 3]);
    for (int y = 0; y < 8; ++y) {
        for (int x = 0; x < 8; ++x) EXPECT_FLOAT_EQ(w[std::size_t(y * 8 + x)], w[std::size_t((7 - y) * 8 + 7 - x)]);
    }
    for (const float v : kaiser_window(8, 0.0)) EXPECT_FLOAT_EQ(v, 1.0f);
}

/// Every candidate of the window, its distance computed in double, sorted the same way.
std::vector<PatchMatch> brute_force(const std::vector<float>& img, int h, int w, int ry, int rx, const MatchParams& p) {
    std::vector<PatchMatch> all;
    for (int y = 0; y + p.patch <= h; ++y) {
        for (int x = 0; x + p.patch <= w; ++x) {
            if (std::abs(y - ry) > p.radius || std::abs(x - rx) > p.radius || (y == ry && x == rx)) continue;
            double d = 0;
            for (int i = 0; i < p.patch; ++i) {
                for (int j = 0; j < p.patch; ++j) {
                    const double e = double(img[std::size_t((ry + i) * w + rx + j)]) - img[std::size_t((y + i) * w + x + j)];
                    d += e * e;
                }
            }
            d /= p.patch * p.patch;
            if (d <= p.max_distance) all.push_back({float(d), y, x});
        }
    }
    std::sort(all.begin(), all.end(), [](const PatchMatch& a, const PatchMatch& b) {
        return a.distance != b.distance ? a.distance < b.distance : (a.y != b.y ? a.y < b.y : a.x < b.x);
    });
    all.insert(all.begin(), PatchMatch{0.0f, ry, rx});
    all.resize(std::min(all.size(), std::size_t(p.max_matches)));
    return all;
}

TEST(BlockMatching, EqualsABruteForceSearch) {
    const int h = 40, w = 53;
    const std::vector<float> img = random_values(std::size_t(h) * w, 9);
    // Patch 8 with a wide window takes the fixed-size path, 6 (or a narrow window) the general one.
    for (const MatchParams p : {MatchParams{6, 7, 16, 0.12f}, MatchParams{8, 12, 16, 0.12f}, MatchParams{8, 3, 8, 0.2f}}) {
        std::vector<PatchMatch> got;
        int compared = 0;
        for (const auto& [ry, rx] : {std::pair{0, 0}, {17, 20}, {h - p.patch, w - p.patch}, {3, w - p.patch}, {20, 2}}) {
            match_patches({img.data(), h, w}, ry, rx, p, got);
            const std::vector<PatchMatch> want = brute_force(img, h, w, ry, rx, p);
            ASSERT_EQ(got.size(), want.size()) << ry << "," << rx << " patch " << p.patch;
            for (std::size_t i = 0; i < got.size(); ++i) {
                EXPECT_EQ(got[i].y, want[i].y) << i;
                EXPECT_EQ(got[i].x, want[i].x) << i;
                EXPECT_NEAR(got[i].distance, want[i].distance, 1e-5f) << i;
            }
            compared += int(got.size());
        }
        EXPECT_GT(compared, 20) << "patch " << p.patch;  // the threshold let real groups through
    }
}

TEST(BlockMatching, ThresholdLeavesOnlyTheReference) {
    const std::vector<float> img = random_values(30 * 30, 4);
    std::vector<PatchMatch> got;
    match_patches({img.data(), 30, 30}, 10, 10, MatchParams{8, 5, 16, 0.0f}, got);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].y, 10);
    EXPECT_EQ(got[0].x, 10);
}

}  // namespace
}  // namespace lidecm::detail
