// Token refinement: the keep-codewords constraint, the graph refiner being the
// seed's diffusion, the learner mapping, and what bad options get.
#include <omp.h>

#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/codebook/token_refine.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

/// A codebook of K codewords from the tiles of a few synthetic images: small K,
/// so the token reconstructions are coarse and a strong refinement moves tiles.
Codebook small_codebook(int channels, int patch, int k) {
    std::vector<float> values;
    for (const Image& img : {test::noise_texture(64, 64, channels, 7), test::gradient(64, 64, channels),
                             test::checkerboard(64, 64, channels, 5)}) {
        const Tiles t = extract_tiles(img, patch);
        values.insert(values.end(), t.values.begin(), t.values.end());
    }
    CodebookOptions o;
    o.num_codes = k;
    const int dim = patch * patch * channels;
    return Codebook::kmeans_plus_plus(values.data(), values.size() / std::size_t(dim), dim, o);
}

/// Something to tokenize that the codebook renders badly: texture over a ramp.
Image scene(int h, int w, int channels) {
    Image img = test::gradient(h, w, channels);
    const Image tex = test::noise_texture(h, w, channels, 11, 0.0f, 0.3f);
    for (std::size_t i = 0; i < img.data.size(); ++i) img.data[i] = std::min(1.0f, img.data[i] * 0.7f + tex.data[i]);
    return img;
}

/// One fixed strength (the ladder has its own test).
RefineOptions collaborative(double strength, bool keep) {
    RefineOptions o;
    o.strength = strength;
    o.strength_steps = 1;
    o.keep_codewords = keep;
    return o;
}

TEST(TokenRefine, KeepCodewordsNeverMovesATilesNearestCodeword) {
    bool moved_without = false;
    for (const int channels : {1, 3}) {
        const Codebook cb = small_codebook(channels, 8, 12);
        // 61×45: the last row and column of tiles are partial (reflected padding).
        for (const auto& [h, w] : {std::pair{64, 64}, {61, 45}}) {
            const Image token = decode(cb, encode(cb, scene(h, w, channels), 8));
            const auto own = encode(cb, token, 8).indices;
            for (const double strength : {1.0, 5.0, 10.0}) {
                SCOPED_TRACE(std::to_string(channels) + " ch, " + std::to_string(h) + "x" + std::to_string(w) +
                             ", strength " + std::to_string(strength));
                const RefineResult kept = refine_tokens(token, cb, 8, collaborative(strength, true), 0.1, {});
                EXPECT_EQ(encode(cb, kept.image, 8).indices, own);
                const RefineResult free = refine_tokens(token, cb, 8, collaborative(strength, false), 0.1, {});
                if (encode(cb, free.image, 8).indices != own) {
                    moved_without = true;
                    EXPECT_GT(kept.tiles_pulled_back, 0u);
                }
            }
        }
    }
    // Otherwise the constraint above had nothing to hold back.
    EXPECT_TRUE(moved_without);
}

TEST(TokenRefine, LadderTakesTheStrongestRungWithinThePullBackLimit) {
    const Codebook cb = small_codebook(3, 8, 12);
    const Image token = decode(cb, encode(cb, scene(64, 64, 3), 8));
    const std::size_t tiles = 64;
    RefineOptions o;
    o.strength = 8.0;
    o.strength_steps = 6;
    o.max_pulled_back = 0.1;
    const RefineResult chosen = refine_tokens(token, cb, 8, o, 0.1, {});
    // Every rung on its own, strongest first.
    std::vector<RefineResult> rungs;
    RefineOptions fixed = o;
    fixed.strength_steps = 1;
    for (int i = 0; i < o.strength_steps; ++i) {
        fixed.strength = o.strength * std::pow(2.0, -0.5 * i);
        rungs.push_back(refine_tokens(token, cb, 8, fixed, 0.1, {}));
    }
    ASSERT_GT(rungs.front().tiles_pulled_back, std::size_t(0.1 * tiles)) << "the top rung must break the limit here";
    std::size_t first_fit = rungs.size() - 1;
    for (std::size_t i = 0; i < rungs.size(); ++i) {
        if (double(rungs[i].tiles_pulled_back) <= 0.1 * double(tiles)) {
            first_fit = i;
            break;
        }
    }
    EXPECT_DOUBLE_EQ(chosen.strength_used, rungs[first_fit].strength_used);
    EXPECT_EQ(chosen.image.data, rungs[first_fit].image.data);
    // One rung: the strength itself.
    EXPECT_DOUBLE_EQ(rungs.front().strength_used, 8.0);
}

TEST(TokenRefine, KeepCodewordBlendStopsAtTheCellBorder) {
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    const int k = 8, dim = 12;
    std::vector<float> values(std::size_t(k * dim));
    for (float& v : values) v = u(rng);
    const Codebook cb(k, dim, values);
    auto nearest = [&](const std::vector<float>& x) { return cb.assign(x.data(), 1).index[0]; };
    int inside = 0;
    for (int trial = 0; trial < 200; ++trial) {
        const int own = trial % k;
        const std::vector<float> token(cb.codeword(own), cb.codeword(own) + dim);
        auto refined = std::vector<float>(std::size_t(dim));
        for (float& v : refined) v = u(rng);
        const double t = keep_codeword_blend(cb, own, token.data(), refined.data());
        auto at = [&](double s) {
            auto x = std::vector<float>(std::size_t(dim));
            for (int e = 0; e < dim; ++e) x[std::size_t(e)] = token[std::size_t(e)] + float(s) * (refined[std::size_t(e)] - token[std::size_t(e)]);
            return x;
        };
        ASSERT_GE(t, 0.0);
        ASSERT_LE(t, 1.0);
        EXPECT_EQ(nearest(at(t)), own) << "trial " << trial;
        if (t < 1.0) {
            EXPECT_NE(nearest(at(t * 1.01)), own) << "trial " << trial << ": t " << t << " stopped short of the border";
        } else {
            ++inside;
        }
    }
    EXPECT_LT(inside, 200);  // some rays must leave their cell for the test to mean anything
}

TEST(TokenRefine, OneThreadEqualsTwoThreads) {
    const Codebook cb = small_codebook(3, 8, 12);
    const Image token = decode(cb, encode(cb, scene(72, 56, 3), 8));
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const RefineResult one = refine_tokens(token, cb, 8, RefineOptions{}, 0.1, {});
    omp_set_num_threads(2);
    const RefineResult two = refine_tokens(token, cb, 8, RefineOptions{}, 0.1, {});
    omp_set_num_threads(threads);
    EXPECT_EQ(one.image.data, two.image.data);
    EXPECT_EQ(one.strength_used, two.strength_used);
    EXPECT_EQ(one.tiles_pulled_back, two.tiles_pulled_back);
}

TEST(TokenRefine, GraphRefinerIsTheSeedDiffusion) {
    const Codebook cb = small_codebook(3, 8, 12);
    const Image token = decode(cb, encode(cb, scene(48, 40, 3), 8));
    GraphParams p;
    p.sigma = 0.12;
    p.smooth_steps = 1;
    RefineOptions o;
    o.refiner = Refiner::graph;
    o.keep_codewords = false;
    const RefineResult r = refine_tokens(token, cb, 8, o, 0.1, p);
    const DenoiseResult d = denoise(token, p);
    EXPECT_EQ(r.image.data, d.image.data);
    EXPECT_EQ(r.smoothness, d.smoothness);
}

TEST(TokenRefine, LearnerMappingScalesStrengthAndThreshold) {
    const RefineOptions base;
    GraphParams start, learned;
    const RefineOptions same = learner_mapped(base, start, start);
    EXPECT_DOUBLE_EQ(same.strength, base.strength);
    EXPECT_DOUBLE_EQ(same.filter.lambda_hard, base.filter.lambda_hard);
    learned.sigma = start.sigma * 1.5;
    learned.tau = start.tau * 0.5;
    const RefineOptions moved = learner_mapped(base, learned, start);
    EXPECT_DOUBLE_EQ(moved.strength, base.strength * 1.5);
    EXPECT_DOUBLE_EQ(moved.filter.lambda_hard, base.filter.lambda_hard * 0.5);
    EXPECT_EQ(moved.keep_codewords, base.keep_codewords);
}

TEST(TokenRefine, NoQuantisationErrorOrTooSmallImageChangesNothing) {
    const Codebook cb = small_codebook(3, 8, 12);
    const Image token = decode(cb, encode(cb, scene(32, 32, 3), 8));
    EXPECT_EQ(refine_tokens(token, cb, 8, RefineOptions{}, 0.0, {}).image.data, token.data);
    // A 4×4 tokenizer on a 6×6 image: smaller than the filter's 8×8 patch.
    const Codebook small = small_codebook(1, 4, 6);
    const Image tiny = decode(small, encode(small, scene(6, 6, 1), 4));
    EXPECT_EQ(refine_tokens(tiny, small, 4, RefineOptions{}, 0.1, {}).image.data, tiny.data);
}

TEST(TokenRefine, BadOptionsAreRefusedNamingTheField) {
    const Codebook cb = small_codebook(1, 8, 6);
    const Image token = decode(cb, encode(cb, scene(16, 16, 1), 8));
    RefineOptions o;
    o.strength = 0.0;
    EXPECT_THROW(refine_tokens(token, cb, 8, o, 0.1, {}), InvalidArgument);
    try {
        (void)refine_tokens(token, cb, 8, RefineOptions{}, std::nan(""), {});
        FAIL() << "a NaN level was accepted";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("quant_rms"), std::string::npos) << e.what();
    }
    o = RefineOptions{};
    o.filter.step = 0;
    EXPECT_THROW(refine_tokens(token, cb, 8, o, 0.1, {}), InvalidArgument);
}

}  // namespace
}  // namespace lidecm
