// Denoising with a patch prior (issue 22): prior_wiener is the closed-form Gaussian MMSE
// estimate of each patch under the Gaussian its pilot chose, and denoise_with_model's
// SURE-chosen blend uses a prior of the image's own kind and falls back on a far-off image.
#include <gtest/gtest.h>

#include <cmath>

#include "lidecm/codebook/prior_wiener.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/train/model_denoising.hpp"
#include "model_files.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

// Rows: an orthonormal basis of 2×2 patches (the Walsh–Hadamard patterns), so that a
// mistake in the rotation shows.
const std::vector<double> kBasis = {0.5, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, -0.5, 0.5, 0.5, -0.5, -0.5, 0.5, -0.5, -0.5, 0.5};

GaussianComponent component(double weight, std::vector<double> mean, std::vector<double> eigenvalues) {
    return GaussianComponent{weight, std::move(mean), std::move(eigenvalues), kBasis};
}

Image grey(int h, int w, std::vector<float> values) {
    Image out(h, w, 1);
    out.data = std::move(values);
    return out;
}

TEST(PriorWiener, OnePatchIsTheGaussiansMmseEstimate) {
    const std::vector<double> mu = {0.1, -0.1, 0.05, -0.05}, lambda = {0.04, 0.01, 0.0025, 0.0001};
    const PatchPrior prior(2, 1, true, {component(1.0, mu, lambda)});
    const Image noisy = grey(2, 2, {0.6f, 0.4f, 0.7f, 0.3f});
    const Image pilot = grey(2, 2, {0.3f, 0.5f, 0.6f, 0.6f});  // mean 0.5
    const double sigma = 0.1, m = 0.5;
    const Image out = prior_wiener(noisy, pilot, prior, sigma);
    for (int i = 0; i < 4; ++i) {
        double expected = m + mu[std::size_t(i)];
        for (int j = 0; j < 4; ++j) {  // Σ_j u_j,i g_j (u_j · (y − m − μ))
            double c = 0;
            for (int k = 0; k < 4; ++k) c += kBasis[std::size_t(j * 4 + k)] * (noisy.data[std::size_t(k)] - m - mu[std::size_t(k)]);
            const double g = lambda[std::size_t(j)] / (lambda[std::size_t(j)] + sigma * sigma);
            expected += kBasis[std::size_t(j * 4 + i)] * g * c;
        }
        EXPECT_NEAR(out.data[std::size_t(i)], expected, 1e-6) << "pixel " << i;
    }
}

TEST(PriorWiener, ThePilotChoosesTheGaussian) {
    // Two narrow Gaussians: a +pattern and a −pattern around the patch mean.
    const std::vector<double> tight = {1e-5, 1e-5, 1e-5, 1e-5};
    const PatchPrior prior(2, 1, true,
                           {component(0.5, {0.2, -0.2, 0.2, -0.2}, tight), component(0.5, {-0.2, 0.2, -0.2, 0.2}, tight)});
    const Image flat = test::constant(2, 2, 1, 0.5f);
    const Image plus = prior_wiener(flat, grey(2, 2, {0.7f, 0.3f, 0.7f, 0.3f}), prior, 0.1);
    const Image minus = prior_wiener(flat, grey(2, 2, {0.3f, 0.7f, 0.3f, 0.7f}), prior, 0.1);
    EXPECT_NEAR(plus.data[0], 0.7, 1e-3);
    EXPECT_NEAR(plus.data[1], 0.3, 1e-3);
    EXPECT_NEAR(minus.data[0], 0.3, 1e-3);
    EXPECT_NEAR(minus.data[1], 0.7, 1e-3);
}

TEST(PriorWiener, AtFullRankTheChoiceIsThePriorsMostProbableGaussian) {
    // Two Gaussians that differ in mean and in every variance; random pilots of one patch.
    const PatchPrior prior(2, 1, true,
                           {component(0.3, {0.05, -0.02, 0.01, -0.04}, {0.02, 0.004, 0.001, 0.0002}),
                            component(0.7, {-0.03, 0.01, 0.02, 0.0}, {0.006, 0.003, 0.002, 0.0015})});
    RandomStream rng{42};
    PriorWienerOptions full;
    full.choice_rank = 4;
    int first = 0;
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<float> p(4);
        for (float& v : p) v = float(0.5 + 0.08 * rng.normal());
        const Image pilot = grey(2, 2, p);
        const std::vector<double> post = prior.responsibilities(pilot.data.data(), 1);
        const int k = post[0] > post[1] ? 0 : 1;
        first += k == 0;
        // With tiny noise the estimate is the pilot's patch itself whatever the Gaussian, so
        // denoise a flat patch instead: its estimate is m + μ_k + G (−μ_k), which tells k.
        const Image flat = test::constant(2, 2, 1, 0.5f);
        const Image out = prior_wiener(flat, pilot, prior, 0.05, full);
        GaussianComponent alone = prior.components()[std::size_t(k)];
        alone.weight = 1.0;
        const Image mine = prior_wiener(flat, pilot, PatchPrior(2, 1, true, {alone}), 0.05, full);
        for (int i = 0; i < 4; ++i) ASSERT_NEAR(out.data[std::size_t(i)], mine.data[std::size_t(i)], 1e-6) << "trial " << trial;
    }
    EXPECT_GE(first, 10);  // both Gaussians are chosen by some pilots (20 of 200 pick the first)
    EXPECT_LE(first, 190);
}

TEST(PriorWiener, BadArgumentsAreRefusedByName) {
    const PatchPrior prior(2, 1, true, {component(1.0, {0, 0, 0, 0}, {1, 1, 1, 1})});
    const Image image = test::constant(4, 4, 1, 0.5f);
    const auto message = [&](auto call) {
        try {
            call();
        } catch (const InvalidArgument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message([&] { (void)prior_wiener(image, image, prior, 0.0); }).find("sigma"), std::string::npos);
    EXPECT_NE(message([&] { (void)prior_wiener(image, test::constant(4, 5, 1, 0.5f), prior, 0.1); }).find("pilot"),
              std::string::npos);
    EXPECT_NE(message([&] { (void)prior_wiener(test::constant(4, 4, 3, 0.5f), test::constant(4, 4, 3, 0.5f), prior, 0.1); })
                  .find("prior"),
              std::string::npos);
    EXPECT_NE(message([&] { (void)prior_wiener(test::constant(1, 4, 1, 0.5f), test::constant(1, 4, 1, 0.5f), prior, 0.1); })
                  .find("smaller"),
              std::string::npos);
    PriorWienerOptions o;
    o.step = 0;
    EXPECT_NE(message([&] { (void)prior_wiener(image, image, prior, 0.1, o); }).find("step"), std::string::npos);
    o.step = 1;
    o.choice_rank = 0;
    EXPECT_NE(message([&] { (void)prior_wiener(image, image, prior, 0.1, o); }).find("choice_rank"), std::string::npos);
}

// A stationary Gaussian field (white noise blurred by three box passes): the domain where a
// Gaussian prior of its patches is the true prior and a filter that knows nothing is not.
Image gaussian_field(int side, std::uint64_t seed) {
    RandomStream rng{seed};
    std::vector<double> v(std::size_t(side * side));
    for (double& x : v) x = rng.normal();
    for (int pass = 0; pass < 3; ++pass) {
        for (int axis = 0; axis < 2; ++axis) {
            std::vector<double> b(v.size());
            for (int y = 0; y < side; ++y) {
                for (int x = 0; x < side; ++x) {
                    double s = 0;
                    for (int d = -1; d <= 1; ++d) {
                        const int yy = axis ? (y + d + side) % side : y, xx = axis ? x : (x + d + side) % side;
                        s += v[std::size_t(yy * side + xx)];
                    }
                    b[std::size_t(y * side + x)] = s / 3.0;
                }
            }
            v = b;
        }
    }
    Image out(side, side, 1);
    for (std::size_t i = 0; i < v.size(); ++i) out.data[i] = float(std::clamp(0.5 + 0.5 * v[i], 0.0, 1.0));
    return out;
}

Image with_noise(const Image& clean, double sigma, std::uint64_t seed) {
    RandomStream rng{seed};
    Image out = clean;
    for (float& x : out.data) x = float(x + sigma * rng.normal());
    return out;
}

Model field_model() {
    Model m = test::small_prior_model(1, LearnedDenoising{0, 0.0, 8});
    std::vector<float> patches;
    for (std::uint64_t seed : {1u, 2u}) {
        const Image field = gaussian_field(96, seed);
        for (int y = 0; y + 8 <= 96; y += 2) {
            for (int x = 0; x + 8 <= 96; x += 2) {
                for (int dy = 0; dy < 8; ++dy) {
                    for (int dx = 0; dx < 8; ++dx) patches.push_back(field.at(y + dy, x + dx, 0));
                }
            }
        }
    }
    PatchPriorOptions o;
    o.components = 2;
    o.iterations = 10;
    m.prior = fit_patch_prior(patches.data(), patches.size() / 64, 8, 1, o).prior;
    return m;
}

double psnr_with(const Model& m, const Image& noisy, const Image& clean, bool prior, double* blend = nullptr) {
    PriorStepOptions o;
    o.enabled = prior;
    const ModelDenoised d = denoise_with_model(noisy, m, "field.lidecm", "image", DenoiseRequest{}, false, o);
    if (blend) *blend = d.prior.blend;
    return psnr(clean, d.denoised.image);
}

TEST(PriorWiener, APriorOfTheImagesKindIsChosenAndHelps) {
    const Model m = field_model();
    const Image clean = gaussian_field(96, 7);
    const Image noisy = with_noise(clean, 25.0 / 255.0, 11);
    double blend = 0;
    const double with = psnr_with(m, noisy, clean, true, &blend);
    const double without = psnr_with(m, noisy, clean, false);
    EXPECT_GT(blend, 0.0);
    EXPECT_GT(with, without + 0.2) << "with the prior " << with << " dB, without " << without;
}

TEST(PriorWiener, OnAFarOffImageTheFallbackLosesAtMostATenthOfADecibel) {
    const Model m = field_model();
    for (const Image& clean : {test::checkerboard(96, 96, 1, 6), test::stripes(96, 96, 1, 5)}) {
        const Image noisy = with_noise(clean, 25.0 / 255.0, 3);
        const double with = psnr_with(m, noisy, clean, true);
        const double without = psnr_with(m, noisy, clean, false);
        EXPECT_GE(with, without - 0.1) << "with the prior " << with << " dB, without " << without;
    }
}

}  // namespace
}  // namespace lidecm
