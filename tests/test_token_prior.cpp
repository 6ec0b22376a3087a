// The token prior (issue #24): Witten–Bell back-off over (class, left, up) contexts,
// checked against hand-computed probabilities, for normalisation, for bits = −Σ log2 P,
// for sampling's limits (temperature → 0 is the argmax, top-k 1 likewise), and for bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "lidecm/codebook/token_prior.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {
namespace {

TokenGrid grid(int rows, int cols, int codes, std::vector<std::uint16_t> indices) {
    TokenGrid g;
    g.patch_size = 8;
    g.image_height = rows * 8;
    g.image_width = cols * 8;
    g.channels = 1;
    g.num_codes = codes;
    g.indices = std::move(indices);
    return g;
}

// Class 0 is a checkerboard of tokens 0/1; class 1 is all 2s.
struct TwoClasses {
    TokenGrid checker = grid(4, 4, 4, {0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0});
    TokenGrid flat = grid(4, 4, 4, std::vector<std::uint16_t>(16, 2));
    TokenPrior prior = TokenPrior::fit({{&checker, 0}, {&flat, 1}}, 4, 2);
};

TEST(TokenPrior, UnigramIsWittenBellOverTheUniform) {
    const TokenGrid g = grid(1, 4, 4, {0, 0, 0, 1});
    TokenPriorOptions o;
    o.order = 0;
    const TokenPrior p = TokenPrior::fit({{&g, 0}}, 4, 1, o);
    std::vector<double> d;
    p.distribution(g, 0, 0, 0, d);
    // n = 4 tokens seen, u = 2 distinct: P(t) = (n(t) + 2 · 1/4) / 6.
    EXPECT_DOUBLE_EQ(d[0], (3 + 0.5) / 6);
    EXPECT_DOUBLE_EQ(d[1], (1 + 0.5) / 6);
    EXPECT_DOUBLE_EQ(d[2], 0.5 / 6);
    EXPECT_DOUBLE_EQ(d[3], 0.5 / 6);
    // An escape weight β = 2 doubles the uniform's share: (n(t) + 2 · 2 · 1/4) / (4 + 4).
    o.escape[0] = 2.0;
    TokenPrior::fit({{&g, 0}}, 4, 1, o).distribution(g, 0, 0, 0, d);
    EXPECT_DOUBLE_EQ(d[0], (3 + 1.0) / 8);
    EXPECT_DOUBLE_EQ(d[2], 1.0 / 8);
    o.escape[2] = 0.0;
    EXPECT_THROW((void)TokenPrior::fit({{&g, 0}}, 4, 1, o), InvalidArgument);
}

TEST(TokenPrior, HandComputedBackOffThroughTheLevels) {
    const TokenGrid g = grid(1, 3, 3, {0, 1, 1});
    const TokenPrior p = TokenPrior::fit({{&g, 0}}, 3, 1);
    std::vector<double> d;
    // At (0, 2): left = 1, up = border. Levels: () n 3, {0:1, 1:2}, u 2 (with one class the
    // class level is the same and skipped); (class, left 1) n 1, {1:1}, u 1; (class, left 1,
    // up border) n 1, {1:1}, u 1.
    p.distribution(g, 0, 0, 2, d);
    double q[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
    const auto mix = [&](double n, double u, const std::vector<double>& counts) {
        for (int t = 0; t < 3; ++t) q[t] = (counts[std::size_t(t)] + u * q[t]) / (n + u);
    };
    mix(3, 2, {1, 2, 0});
    mix(1, 1, {0, 1, 0});
    mix(1, 1, {0, 1, 0});
    for (int t = 0; t < 3; ++t) EXPECT_NEAR(d[std::size_t(t)], q[t], 1e-15) << t;
}

TEST(TokenPrior, UpFirstConditionsLevelTwoOnTheUpperNeighbour) {
    // Three equal rows 0 1 2 0: the left neighbour decides every token (the border before
    // a 0, then 0 → 1 → 2 → 0); the upper one all but the first row's (border above 0, 1, 2).
    const TokenGrid rows = grid(3, 4, 3, {0, 1, 2, 0, 0, 1, 2, 0, 0, 1, 2, 0});
    TokenPriorOptions left, up;
    left.order = up.order = 2;
    up.up_first = true;
    const TokenPrior by_left = TokenPrior::fit({{&rows, 0}}, 3, 1, left);
    const TokenPrior by_up = TokenPrior::fit({{&rows, 0}}, 3, 1, up);
    EXPECT_TRUE(by_up.up_first());
    EXPECT_LT(by_left.bits(rows, 0), by_up.bits(rows, 0));
    std::vector<double> d;
    by_up.distribution(rows, 0, 1, 2, d);  // up = 2: below a 2 there was always a 2
    EXPECT_GT(d[2], 0.5);
    by_left.distribution(rows, 0, 1, 2, d);  // left = 1: after a 1 there was always a 2
    EXPECT_GT(d[2], 0.5);
}

TEST(TokenPrior, EveryDistributionSumsToOne) {
    const TwoClasses m;
    std::vector<double> d;
    for (int label : {0, 1}) {
        for (const TokenGrid* g : {&m.checker, &m.flat}) {
            for (int y = 0; y < 4; ++y) {
                for (int x = 0; x < 4; ++x) {
                    m.prior.distribution(*g, label, y, x, d);
                    EXPECT_NEAR(std::accumulate(d.begin(), d.end(), 0.0), 1.0, 1e-12);
                    for (const double v : d) EXPECT_GT(v, 0.0) << "every token keeps some probability";
                }
            }
        }
    }
}

TEST(TokenPrior, BitsAreMinusTheLogOfTheProductOfTheDistributions) {
    const TwoClasses m;
    std::vector<double> d;
    double expected = 0;
    for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 4; ++x) {
            m.prior.distribution(m.checker, 0, y, x, d);
            expected -= std::log2(d[m.checker.indices[std::size_t(y * 4 + x)]]);
        }
    }
    EXPECT_NEAR(m.prior.bits(m.checker, 0), expected, 1e-9);
    // The class that was trained on a grid codes it in fewer bits than the other class.
    EXPECT_LT(m.prior.bits(m.checker, 0), m.prior.bits(m.checker, 1));
    EXPECT_LT(m.prior.bits(m.flat, 1), m.prior.bits(m.flat, 0));
    // Contexts beat frequencies on the checkerboard: left and up decide the token.
    TokenPriorOptions unigram;
    unigram.order = 1;
    const TokenPrior freq = TokenPrior::fit({{&m.checker, 0}, {&m.flat, 1}}, 4, 2, unigram);
    EXPECT_LT(m.prior.bits(m.checker, 0), 0.5 * freq.bits(m.checker, 0));
}

TEST(TokenPrior, ColdSamplingIsTheArgmaxAndTopOneToo) {
    const TwoClasses m;
    RandomStream rng{7};
    const TokenGrid cold = m.prior.sample(m.checker, 0, 1e-6, 4, rng);
    const TokenGrid top1 = m.prior.sample(m.checker, 0, 1.0, 1, rng);
    // The argmax, placed token by token.
    TokenGrid argmax = m.checker;
    std::vector<double> d;
    for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 4; ++x) {
            m.prior.distribution(argmax, 0, y, x, d);
            argmax.indices[std::size_t(y * 4 + x)] = std::uint16_t(std::max_element(d.begin(), d.end()) - d.begin());
        }
    }
    EXPECT_EQ(cold.indices, argmax.indices);
    EXPECT_EQ(top1.indices, argmax.indices);
    EXPECT_EQ(m.prior.sample(m.flat, 1, 1e-6, 4, rng).indices, m.flat.indices) << "class 1 is all 2s";
}

TEST(TokenPrior, SamplingIsReproducibleBySeedAndFollowsTheClass) {
    const TwoClasses m;
    RandomStream a{3}, b{3};
    const TokenGrid s1 = m.prior.sample(m.checker, 1, 1.0, 4, a), s2 = m.prior.sample(m.checker, 1, 1.0, 4, b);
    EXPECT_EQ(s1.indices, s2.indices);
    const auto twos = std::count(s1.indices.begin(), s1.indices.end(), 2);
    EXPECT_GE(twos, 12) << "class 1's samples are mostly its only token";
}

TEST(TokenPrior, TablesRoundTripExactly) {
    const TwoClasses m;
    const TokenPriorTables t = m.prior.tables();
    EXPECT_EQ(t.keys.size(), m.prior.contexts());
    const TokenPrior back = TokenPrior::from_tables(t, "model.lidecm");
    EXPECT_EQ(back.tables().keys, t.keys);
    EXPECT_EQ(back.tables().counts, t.counts);
    for (const TokenGrid* g : {&m.checker, &m.flat}) {
        for (int label : {0, 1}) EXPECT_EQ(back.bits(*g, label), m.prior.bits(*g, label));
    }
}

TEST(TokenPrior, DamagedTablesAreRefusedNamingTheFile) {
    const TwoClasses m;
    const TokenPriorTables good = m.prior.tables();
    const auto refused = [](TokenPriorTables t) {
        try {
            (void)TokenPrior::from_tables(t, "m.lidecm");
            return false;
        } catch (const InvalidArgument& e) {
            return std::string(e.what()).rfind("m.lidecm: ", 0) == 0;
        }
    };
    TokenPriorTables t = good;
    t.tokens[0] = 4;  // ≥ K
    EXPECT_TRUE(refused(t));
    t = good;
    t.counts[1] = 0;
    EXPECT_TRUE(refused(t));
    t = good;
    std::swap(t.keys[0], t.keys[1]);
    EXPECT_TRUE(refused(t));
    t = good;
    t.offsets.back() += 1;
    EXPECT_TRUE(refused(t));
    t = good;
    t.keys.back() |= std::uint64_t(5) << 48;  // no level 5... or 7
    EXPECT_TRUE(refused(t));
    t = good;
    t.order = 4;
    EXPECT_TRUE(refused(t));
    t = good;
    t.escape[1] = -1;
    EXPECT_TRUE(refused(t));
    t = good;
    t.counts.pop_back();
    EXPECT_TRUE(refused(t));
    EXPECT_FALSE(refused(good));
}

TEST(TokenPrior, BadInputIsRefusedNamingIt) {
    const TwoClasses m;
    RandomStream rng{1};
    const TokenGrid other = grid(2, 2, 8, {0, 1, 2, 3});
    EXPECT_THROW((void)TokenPrior::fit({{&other, 0}}, 4, 1), InvalidArgument);
    EXPECT_THROW((void)TokenPrior::fit({{&m.flat, 2}}, 4, 2), InvalidArgument);
    EXPECT_THROW((void)m.prior.bits(other, 0), InvalidArgument);
    EXPECT_THROW((void)m.prior.sample(m.flat, 0, 0.0, 4, rng), InvalidArgument);
    EXPECT_THROW((void)m.prior.sample(m.flat, 0, 1.0, 0, rng), InvalidArgument);
    EXPECT_THROW((void)m.prior.sample(m.flat, 0, 1.0, 5, rng), InvalidArgument);
    EXPECT_THROW((void)m.prior.sample(m.flat, 2, 1.0, 4, rng), InvalidArgument);
    try {
        (void)m.prior.sample(m.flat, 0, -1.0, 4, rng);
        FAIL() << "no error";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("temperature"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace lidecm
