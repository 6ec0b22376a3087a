// Graph weights, similarity, restricted diffusion and denoising (DESIGN §3).
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>
#include <omp.h>

#include "lidecm/core/error.hpp"
#include "lidecm/denoise/graph.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

using Dense = std::vector<std::vector<double>>;

PatchSet small_set() { return extract_patches(test::noise_texture(24, 24, 3, 11, 0.2f, 0.8f), 8, 4); }

double mean_sq(const PatchSet& p, std::size_t i, std::size_t j) {
    double s = 0;
    for (int k = 0; k < p.dim(); ++k) s += std::pow(double(p.patch(i)[k]) - p.patch(j)[k], 2);
    return s / p.dim();
}

Dense dense_of(const PatchGraph& g, const std::vector<float>& values, const std::vector<float>* diag) {
    Dense m(g.n, std::vector<double>(g.n, 0.0));
    for (std::size_t i = 0; i < g.n; ++i) {
        if (diag) m[i][i] = (*diag)[i];
        for (std::size_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) m[i][std::size_t(g.col[p])] = values[p];
    }
    return m;
}

TEST(GraphParams, DefaultsAreTheSeeds) {
    const GraphParams p;
    EXPECT_EQ(p.sigma, 0.3);
    EXPECT_EQ(p.tau, 0.1);
    EXPECT_EQ(p.radius, 10.0);
    EXPECT_EQ(p.sigma_s, 10.0);
    EXPECT_EQ(p.sigma_f, 0.3);
    EXPECT_EQ(p.smooth_steps, 5);
    EXPECT_EQ(p.patch_size, 8);
    EXPECT_EQ(p.stride, 5);
}

TEST(GraphParams, ValidateNamesTheField) {
    auto fails_with = [](GraphParams p, const std::string& field) {
        try {
            p.validate();
            return false;
        } catch (const InvalidArgument& e) {
            return std::string(e.what()).rfind(field + ":", 0) == 0;
        }
    };
    GraphParams p;
    p.sigma = std::nan("");
    EXPECT_TRUE(fails_with(p, "sigma"));
    p = {};
    p.tau = 0;
    EXPECT_TRUE(fails_with(p, "tau"));
    p = {};
    p.sigma_s = -1;
    EXPECT_TRUE(fails_with(p, "sigma_s"));
    p = {};
    p.stride = 9;
    EXPECT_TRUE(fails_with(p, "stride"));
    p = {};
    p.smooth_steps = -1;
    EXPECT_TRUE(fails_with(p, "smooth_steps"));
    EXPECT_NO_THROW(GraphParams{}.validate());
}

TEST(Graph, DistancesAndWeightsFollowTheFormulas) {
    const PatchSet set = small_set();
    GraphParams params;
    params.radius = 6;
    params.sigma_s = 3;
    params.sigma_f = 0.2;
    const PatchGraph g = build_patch_graph(set, params);
    ASSERT_GT(g.nnz(), 0u);
    for (std::size_t i = 0; i < g.n; ++i) {
        double deg = 0;
        for (std::size_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) {
            const auto j = std::size_t(g.col[p]);
            const double d = mean_sq(set, i, j);
            EXPECT_NEAR(g.distance[p], d, 1e-6);
            const double r2 = std::pow(set.center_y(i) - set.center_y(j), 2) + std::pow(set.center_x(i) - set.center_x(j), 2);
            const double w = std::exp(-r2 / (2 * 9.0)) * std::exp(-d / (2 * 0.04));
            EXPECT_NEAR(g.weight[p], w, 1e-6);
            deg += g.weight[p];
        }
        EXPECT_NEAR(g.degree[i], deg, 1e-9);
    }
}

TEST(Graph, SimilarityIsOneOnTheDiagonal) {
    const PatchSet set = small_set();
    const PatchGraph g = build_patch_graph(set, GraphParams{});
    const Similarity s = similarity(g, 0.2);
    for (float v : s.diag) EXPECT_EQ(v, 1.0f);
    for (std::size_t p = 0; p < g.nnz(); ++p) EXPECT_NEAR(s.off[p], std::exp(-g.distance[p] / 0.08), 1e-6);
}

TEST(Graph, DiffusionEqualsTheDenseProductRestrictedToThePattern) {
    const PatchSet set = small_set();
    GraphParams params;
    params.radius = 6;  // sparse: the restriction matters
    const PatchGraph g = build_patch_graph(set, params);
    Similarity s = similarity(g, 0.25);
    Dense S = dense_of(g, s.off, &s.diag);
    const Dense W = dense_of(g, g.weight, nullptr);
    const double tau = 0.07;
    const int steps = 3;
    for (int step = 0; step < steps; ++step) {
        Dense next = S;
        for (std::size_t i = 0; i < g.n; ++i) {
            double deg = 0;
            for (std::size_t k = 0; k < g.n; ++k) deg += W[i][k];
            for (std::size_t j = 0; j < g.n; ++j) {
                const bool on_pattern = i == j || W[i][j] != 0.0 || S[i][j] != 0.0;
                if (!on_pattern) continue;
                double ls = deg * S[i][j];
                for (std::size_t k = 0; k < g.n; ++k) ls -= W[i][k] * S[k][j];
                next[i][j] = std::tanh(S[i][j] - tau * ls);
            }
        }
        S = next;
    }
    diffuse(s, g, tau, steps);
    const Dense got = dense_of(g, s.off, &s.diag);
    for (std::size_t i = 0; i < g.n; ++i)
        for (std::size_t j = 0; j < g.n; ++j) EXPECT_NEAR(got[i][j], S[i][j], 2e-6) << i << "," << j;
}

TEST(Graph, DenoisePatchesIsTheWeightedMean) {
    PatchSet set = extract_patches(test::constant(4, 12, 1, 0.0f), 4, 4);  // 3 patches in a row
    for (std::size_t i = 0; i < 3; ++i) std::fill(set.patch(i), set.patch(i) + 16, float(i + 1));
    const PatchGraph g = radius_graph(set, 4.0);  // 0–1 and 1–2 are neighbours
    Similarity s;
    s.diag = {1.0f, 0.5f, 1.0f};
    s.off.assign(g.nnz(), 0.0f);
    // Row 1 has neighbours 0 and 2 at positions row_ptr[1], row_ptr[1] + 1.
    s.off[g.row_ptr[1]] = 0.25f;
    s.off[g.row_ptr[1] + 1] = -3.0f;  // negative weights count as 0
    const PatchSet out = denoise_patches(set, g, s);
    EXPECT_FLOAT_EQ(out.patch(1)[0], float((0.5 * 2 + 0.25 * 1) / 0.75));
    EXPECT_FLOAT_EQ(out.patch(0)[0], 1.0f);  // its only neighbour weight is 0
    s.diag[2] = 0.0f;                       // Σ a = 0: the patch is kept
    EXPECT_FLOAT_EQ(denoise_patches(set, g, s).patch(2)[0], 3.0f);
}

TEST(Graph, SmoothnessFollowsTheSeedFormula) {
    const PatchSet set = small_set();
    const PatchGraph g = build_patch_graph(set, GraphParams{});
    Similarity s = similarity(g, 0.3);
    double sum = 0;
    for (float v : s.diag) sum += v;
    for (float v : s.off) sum += v;
    const double mean = sum / double(s.diag.size() + s.off.size());
    const double expected = 0.5 * std::min(1.0, mean) + 0.5 * std::min(1.0, double(g.nnz()) / (5.0 * double(g.n)));
    EXPECT_NEAR(smoothness(g, s), expected, 1e-12);
    EXPECT_EQ(smoothness(PatchGraph{}, Similarity{}), 0.0);
    EXPECT_EQ(smoothness_score(mean, g.nnz(), g.n), smoothness(g, s));  // the same formula from its inputs
    EXPECT_DOUBLE_EQ(smoothness_score(2.0, 100, 10), 1.0);             // both halves capped at 1
    EXPECT_DOUBLE_EQ(smoothness_score(0.4, 10, 10), 0.5 * 0.4 + 0.5 * 0.2);
    EXPECT_EQ(smoothness_score(0.4, 0, 0), 0.0);
}

TEST(Denoise, ConstantImageComesOutUnchanged) {
    const Image flat = test::constant(40, 33, 3, 0.42f);
    const DenoiseResult r = denoise(flat, GraphParams{});
    for (float v : r.image.data) ASSERT_NEAR(v, 0.42f, 1e-6);
}

TEST(Denoise, RemovesNoiseFromAPiecewiseConstantImage) {
    const Image clean = test::checkerboard(64, 64, 3, 16);
    const Image noisy = add_gaussian_noise(clean, 0.1, 3, false);
    GraphParams p;
    p.stride = 2;
    p.radius = 8;
    p.sigma_s = 2;
    p.tau = 0.05;
    p.smooth_steps = 1;
    p.sigma = 0.1;
    const DenoiseResult r = denoise(noisy, p);
    EXPECT_GT(psnr(r.image, clean), psnr(noisy, clean) + 6.0);
    EXPECT_GT(r.smoothness, 0.0);
    EXPECT_LE(r.smoothness, 1.0);
}

TEST(Denoise, SameResultForOneAndTwoThreads) {
    const Image noisy = add_gaussian_noise(test::colour_blobs(48, 40), 0.1, 5);
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    const DenoiseResult one = denoise(noisy, GraphParams{});
    omp_set_num_threads(2);
    const DenoiseResult two = denoise(noisy, GraphParams{});
    omp_set_num_threads(saved);
    EXPECT_EQ(one.image.data, two.image.data);
    EXPECT_EQ(one.smoothness, two.smoothness);
}

TEST(Denoise, ReadingPatchesFromTheImageEqualsTheExtractedSet) {
    // denoise() reads patch rows from the image instead of an extracted copy;
    // both paths give the same graph and the same image up to float rounding
    // (the packed path sums each distance in one run, the image path row by row).
    const Image noisy = add_gaussian_noise(test::colour_blobs(41, 37), 0.1, 9);
    GraphParams p;
    p.stride = 3;
    const PatchSet packed = extract_patches(noisy, p.patch_size, p.stride);
    const PatchSet grid = patch_grid(noisy, p.patch_size, p.stride);
    EXPECT_TRUE(grid.values.empty());
    EXPECT_EQ(grid.corner_y, packed.corner_y);
    EXPECT_EQ(grid.corner_x, packed.corner_x);
    const PatchGraph a = build_patch_graph(packed, p);
    const PatchGraph b = build_patch_graph(noisy, grid, p);
    EXPECT_EQ(a.col, b.col);
    ASSERT_EQ(a.distance.size(), b.distance.size());
    for (std::size_t k = 0; k < a.distance.size(); ++k) {
        ASSERT_NEAR(a.distance[k], b.distance[k], 1e-6f * std::max(1.0f, a.distance[k])) << k;
        ASSERT_NEAR(a.weight[k], b.weight[k], 1e-6f) << k;
    }
    const DenoiseResult from_set = denoise_on_graph(packed, a, p);
    const DenoiseResult from_image = denoise_on_graph(noisy, grid, b, p);
    const DenoiseResult whole = denoise(noisy, p);
    for (std::size_t k = 0; k < from_set.image.size(); ++k) {
        ASSERT_NEAR(from_set.image.data[k], from_image.image.data[k], 1e-5f) << k;
        ASSERT_EQ(whole.image.data[k], from_image.image.data[k]) << k;  // denoise() is the image path
    }
}

TEST(Denoise, PatchGridNeedsItsOwnImage) {
    const Image img = test::gradient(32, 32, 3);
    const PatchSet grid = patch_grid(img, 8, 4);
    EXPECT_THROW(build_patch_graph(grid, GraphParams{}), InvalidArgument);  // no values to read
    EXPECT_THROW(build_patch_graph(test::gradient(32, 40, 3), grid, GraphParams{}), InvalidArgument);
}

TEST(Denoise, RefusesPatchLargerThanImage) {
    GraphParams p;
    p.patch_size = 16;
    p.stride = 4;
    EXPECT_THROW(denoise(test::constant(10, 40, 1, 0.5f), p), InvalidArgument);
}

}  // namespace
}  // namespace lidecm
