// The Gaussian-mixture patch prior: EM's objective never decreases, one Gaussian's
// covariance is recovered from its samples, posteriors and likelihoods are what the
// formulas say, the thread count changes nothing, and bad input is refused by name.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "lidecm/codebook/patch_prior.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"

using namespace lidecm;

namespace {

// n draws of mean + A z (z standard normal) in `dim` dimensions, A lower-triangular dim × dim.
std::vector<float> gaussian_draws(std::size_t n, const std::vector<double>& mean, const std::vector<double>& a,
                                  std::uint64_t seed) {
    const std::size_t d = mean.size();
    RandomStream rng({seed, 27});
    std::vector<float> out(n * d);
    std::vector<double> z(d);
    for (std::size_t i = 0; i < n; ++i) {
        for (double& v : z) v = rng.normal();
        for (std::size_t r = 0; r < d; ++r) {
            double v = mean[r];
            for (std::size_t c = 0; c <= r; ++c) v += a[r * d + c] * z[c];
            out[i * d + r] = float(v);
        }
    }
    return out;
}

// Three separated clusters of 2×2 grey patches with different shapes.
std::vector<float> three_clusters(std::size_t per_cluster) {
    std::vector<float> all;
    const std::vector<std::vector<double>> means = {{0.2, 0.2, 0.2, 0.2}, {0.8, 0.1, 0.8, 0.1}, {0.5, 0.5, 0.9, 0.9}};
    for (std::size_t c = 0; c < means.size(); ++c) {
        std::vector<double> a(16, 0.0);
        for (int j = 0; j < 4; ++j) a[std::size_t(j * 4 + j)] = 0.02 * double(c + 1);
        a[4] = 0.01;
        const std::vector<float> part = gaussian_draws(per_cluster, means[c], a, 100 + c);
        all.insert(all.end(), part.begin(), part.end());
    }
    return all;
}

PatchPriorOptions plain(int components) {
    PatchPriorOptions o;
    o.components = components;
    o.remove_mean = false;
    o.tolerance = 0.0;
    return o;
}

}  // namespace

TEST(PatchPrior, EmObjectiveNeverDecreases) {
    const std::vector<float> x = three_clusters(200);
    PatchPriorOptions o = plain(5);  // more components than clusters: EM has to share them out
    o.iterations = 40;
    o.kmeans_iterations = 1;
    const PatchPriorFit fit = fit_patch_prior(x.data(), x.size() / 4, 2, 1, o);
    ASSERT_EQ(fit.objective.size(), 40u);
    for (std::size_t i = 1; i < fit.objective.size(); ++i) {
        EXPECT_GE(fit.objective[i], fit.objective[i - 1] - 1e-9 * std::abs(fit.objective[i - 1])) << "iteration " << i;
    }
    EXPECT_GT(fit.objective.back(), fit.objective.front());
    // With ν = 0 the objective is the log-likelihood plus the weights' Σ log π alone.
    o.floor_weight = 0.0;
    const PatchPriorFit ml = fit_patch_prior(x.data(), x.size() / 4, 2, 1, o);
    for (std::size_t i = 1; i < ml.objective.size(); ++i) {
        EXPECT_GE(ml.objective[i], ml.objective[i - 1] - 1e-9 * std::abs(ml.objective[i - 1])) << "iteration " << i;
    }
    EXPECT_GT(ml.log_likelihood.back(), ml.log_likelihood.front());
}

TEST(PatchPrior, OneGaussianRecoversItsCovariance) {
    const std::vector<double> mean = {0.5, 0.4, 0.3, 0.6};
    const std::vector<double> a = {0.10, 0, 0, 0,   //
                                   0.05, 0.08, 0, 0,  //
                                   -0.02, 0.03, 0.06, 0,  //
                                   0.01, 0.0, 0.02, 0.04};
    const std::size_t n = 40'000;
    const std::vector<float> x = gaussian_draws(n, mean, a, 7);
    PatchPriorOptions o = plain(1);
    o.iterations = 2;
    const PatchPriorFit fit = fit_patch_prior(x.data(), n, 2, 1, o);
    ASSERT_EQ(fit.prior.size(), 1);
    const GaussianComponent& c = fit.prior.components()[0];
    EXPECT_DOUBLE_EQ(c.weight, 1.0);
    for (std::size_t r = 0; r < 4; ++r) {
        EXPECT_NEAR(c.mean[r], mean[r], 3e-3) << r;
        for (std::size_t q = 0; q < 4; ++q) {
            double want = 0.0;  // (A Aᵀ)_rq
            for (std::size_t k = 0; k < 4; ++k) want += a[r * 4 + k] * a[q * 4 + k];
            double got = 0.0;  // (U Λ Uᵀ)_rq from the stored eigen-decomposition
            for (std::size_t j = 0; j < 4; ++j) got += c.eigenvalues[j] * c.eigenvectors[j * 4 + r] * c.eigenvectors[j * 4 + q];
            EXPECT_NEAR(got, want, 0.03 * 0.01 + 1e-4 / n) << r << "," << q;
        }
    }
    for (std::size_t j = 1; j < 4; ++j) EXPECT_GE(c.eigenvalues[j - 1], c.eigenvalues[j]);
}

TEST(PatchPrior, LikelihoodAndPosteriorsFollowTheFormulas) {
    // Two components in 1×1×2 "patches": diagonal covariances, by hand.
    GaussianComponent a{0.25, {0.0, 0.0}, {0.04, 0.01}, {1, 0, 0, 1}};
    GaussianComponent b{0.75, {1.0, 1.0}, {0.09, 0.09}, {0, 1, 1, 0}};
    const PatchPrior prior(1, 2, false, {a, b});
    const std::vector<float> x = {0.1f, -0.05f, 0.9f, 1.2f};
    const auto density = [](const GaussianComponent& c, double x0, double x1) {
        // Component a's eigenvectors are the axes in order; b's are swapped, but its λ are equal.
        const double v0 = c.eigenvectors[0] == 1 ? c.eigenvalues[0] : c.eigenvalues[1];
        const double v1 = c.eigenvectors[0] == 1 ? c.eigenvalues[1] : c.eigenvalues[0];
        const double q = (x0 - c.mean[0]) * (x0 - c.mean[0]) / v0 + (x1 - c.mean[1]) * (x1 - c.mean[1]) / v1;
        return c.weight * std::exp(-0.5 * q) / (2 * std::numbers::pi * std::sqrt(v0 * v1));
    };
    const std::vector<double> ll = prior.log_likelihood(x.data(), 2);
    const std::vector<double> post = prior.responsibilities(x.data(), 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const double pa = density(a, x[2 * i], x[2 * i + 1]), pb = density(b, x[2 * i], x[2 * i + 1]);
        EXPECT_NEAR(ll[i], std::log(pa + pb), 1e-6) << i;
        EXPECT_NEAR(post[2 * i], pa / (pa + pb), 1e-6) << i;
        EXPECT_NEAR(post[2 * i] + post[2 * i + 1], 1.0, 1e-12);
    }
    EXPECT_GT(post[0], 0.99);  // the first point sits on a, the second near b
    EXPECT_GT(post[3], 0.99);
}

TEST(PatchPrior, RemovingTheMeanIgnoresBrightness) {
    const std::vector<float> x = three_clusters(100);
    PatchPriorOptions o;
    o.components = 3;
    o.iterations = 5;
    const PatchPriorFit fit = fit_patch_prior(x.data(), x.size() / 4, 2, 1, o);
    EXPECT_TRUE(fit.prior.mean_removed());
    std::vector<float> brighter = x;
    for (float& v : brighter) v += 0.125f;
    const std::vector<double> l0 = fit.prior.log_likelihood(x.data(), 10);
    const std::vector<double> l1 = fit.prior.log_likelihood(brighter.data(), 10);
    for (std::size_t i = 0; i < 10; ++i) EXPECT_NEAR(l0[i], l1[i], 1e-3) << i;
}

TEST(PatchPrior, TheThreadCountChangesNothing) {
    const std::vector<float> x = three_clusters(400);  // 1,200 patches: several E-step blocks
    PatchPriorOptions o = plain(4);
    o.iterations = 6;
    const int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    const PatchPriorFit one = fit_patch_prior(x.data(), x.size() / 4, 2, 1, o);
    omp_set_num_threads(std::max(2, threads));
    const PatchPriorFit many = fit_patch_prior(x.data(), x.size() / 4, 2, 1, o);
    omp_set_num_threads(threads);
    EXPECT_EQ(one.objective, many.objective);
    for (int k = 0; k < 4; ++k) {
        EXPECT_EQ(one.prior.components()[std::size_t(k)].mean, many.prior.components()[std::size_t(k)].mean);
        EXPECT_EQ(one.prior.components()[std::size_t(k)].eigenvalues, many.prior.components()[std::size_t(k)].eigenvalues);
    }
}

TEST(PatchPrior, BadInputIsRefusedByName) {
    const std::vector<float> x = three_clusters(2);  // 6 patches
    const auto message = [&](PatchPriorOptions o, std::size_t n = 6) {
        try {
            fit_patch_prior(x.data(), n, 2, 1, o);
        } catch (const InvalidArgument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    PatchPriorOptions o = plain(7);
    EXPECT_EQ(message(o), "patches: need at least as many patches as components (7), got 6");
    o.components = 0;
    EXPECT_EQ(message(o), "components: must be in [1, 512], got 0");
    o = plain(2);
    o.variance_floor = 0.0;
    EXPECT_EQ(message(o), "variance_floor: must be in (0, 1], got 0");
    o = plain(2);
    o.floor_weight = -1;
    EXPECT_EQ(message(o), "floor_weight: must be >= 0, got -1");
    std::vector<float> nan = x;
    nan[9] = std::nanf("");
    EXPECT_THROW(
        {
            try {
                fit_patch_prior(nan.data(), 6, 2, 1, plain(2));
            } catch (const InvalidArgument& e) {
                EXPECT_STREQ(e.what(), "patches: patch 2 has a non-finite value");
                throw;
            }
        },
        InvalidArgument);
    GaussianComponent c{0.5, {0.0}, {1.0}, {1.0}};
    EXPECT_THROW(PatchPrior(1, 1, false, {c}), InvalidArgument);  // weights sum to 0.5
    c.weight = 1.0;
    c.eigenvalues = {0.0};
    EXPECT_THROW(PatchPrior(1, 1, false, {c}), InvalidArgument);
    EXPECT_THROW(PatchPrior(1, 1, false, {}), InvalidArgument);
}
