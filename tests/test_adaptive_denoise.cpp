// `denoise --adapt` as a library call.
#include <gtest/gtest.h>

#include "lidecm/learner/adaptive_denoise.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/noise.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

Image noisy_blobs() { return add_gaussian_noise(test::colour_blobs(64, 64), 0.1, 7); }

AdaptOptions options_for(const Image& noisy) { return AdaptOptions::for_image(noisy, 5); }

TEST(AdaptiveDenoise, KeepsTheLowestLossIteration) {
    const Image noisy = noisy_blobs();
    int calls = 0;
    const AdaptResult r = adaptive_denoise(noisy, options_for(noisy), [&](int done, int total) {
        ++calls;
        EXPECT_EQ(total, 5);
        EXPECT_EQ(done, calls);
    });
    EXPECT_EQ(calls, 5);
    ASSERT_EQ(r.iterations.size(), 5u);
    for (const AdaptIteration& it : r.iterations) {
        EXPECT_LE(r.iterations[std::size_t(r.best_iteration)].loss, it.loss);
        EXPECT_NEAR(it.loss, EMParameterLearner::compute_loss_proxy(it.recon, it.percep, it.smoothness), 1e-12);
        EXPECT_EQ(it.percep, 0.0);
    }
    EXPECT_TRUE(r.noise_sigma_estimated);
    EXPECT_NEAR(r.noise_sigma, 0.1, 0.02);
    // The kept image is the one denoised with the kept parameters.
    const DenoiseResult again = denoise(noisy, r.best_params);
    EXPECT_EQ(again.image.data, r.best.image.data);
}

TEST(AdaptiveDenoise, LearnerMovesSigmaFromTheSecondIterationOn) {
    const Image noisy = noisy_blobs();
    const AdaptResult r = adaptive_denoise(noisy, options_for(noisy));
    EXPECT_EQ(r.iterations[0].params.sigma, r.iterations[1].params.sigma);  // one loss: no delta yet
    EXPECT_NE(r.iterations[1].params.sigma, r.iterations[2].params.sigma);
    const AttentionWeights& w = r.iterations[0].attention;
    EXPECT_NEAR(w.texture + w.structure + w.color + w.spatial, 1.0, 1e-12);
    EXPECT_NE(w.color, 0.25);  // weights come from the image's patches
}

TEST(AdaptiveDenoise, UsesAGivenNoiseLevelAndThePerceptualTerm) {
    const Image noisy = noisy_blobs();
    AdaptOptions o = AdaptOptions::for_noise(0.2);
    o.perceptual = true;
    o.iterations = 2;
    const AdaptResult r = adaptive_denoise(noisy, o);
    EXPECT_FALSE(r.noise_sigma_estimated);
    EXPECT_EQ(r.noise_sigma, 0.2);
    EXPECT_GT(r.iterations[0].percep, 0.0);
}

TEST(AdaptiveDenoise, ImprovesANoisyImage) {
    const Image clean = test::colour_blobs(64, 64);
    const Image noisy = add_gaussian_noise(clean, 0.1, 3);
    const AdaptResult r = adaptive_denoise(noisy, options_for(noisy));
    EXPECT_GT(psnr(r.best.image, clean), psnr(noisy, clean) + 5.0);
}

TEST(AdaptiveDenoise, RejectsBadOptions) {
    const Image noisy = noisy_blobs();
    AdaptOptions o = options_for(noisy);
    o.iterations = 0;
    EXPECT_THROW(adaptive_denoise(noisy, o), InvalidArgument);
    o = options_for(noisy);
    o.noise_sigma = -1.0;
    EXPECT_THROW(adaptive_denoise(noisy, o), InvalidArgument);
}

TEST(AdaptOptions, ForNoiseFillsThePerImageDefaults) {
    const AdaptOptions o = AdaptOptions::for_noise(0.1, 3);
    EXPECT_EQ(o.iterations, 3);
    ASSERT_TRUE(o.noise_sigma.has_value());
    EXPECT_EQ(*o.noise_sigma, 0.1);
    EXPECT_FALSE(o.noise_sigma_estimated);
    EXPECT_EQ(o.learner.num_classes, 1);
    const GraphParams p = recommended_params(0.1);
    EXPECT_EQ(o.learner.initial.sigma, p.sigma);
    EXPECT_EQ(o.learner.initial.stride, p.stride);
    EXPECT_EQ(o.learner.bounds.sigma_min, adapt_bounds(p).sigma_min);
    EXPECT_EQ(o.learner.bounds.sigma_s_max, p.sigma_s);
    EXPECT_EQ(AdaptOptions::for_noise(0.1).iterations, AdaptOptions{}.iterations);
    EXPECT_THROW(AdaptOptions::for_noise(-0.1), InvalidArgument);
}

TEST(AdaptOptions, ForImageIsForNoiseAtTheEstimateMarkedAsEstimated) {
    const Image noisy = noisy_blobs();
    const AdaptOptions o = AdaptOptions::for_image(noisy);
    EXPECT_EQ(o.noise_sigma, estimate_noise_sigma(noisy));
    EXPECT_TRUE(o.noise_sigma_estimated);
    EXPECT_EQ(o.learner.initial.sigma, AdaptOptions::for_noise(*o.noise_sigma).learner.initial.sigma);
    EXPECT_TRUE(adaptive_denoise(noisy, o).noise_sigma_estimated);
}

// The factory replaces the assembly the CLI, tests and benchmarks repeated: same images, bit for bit.
TEST(AdaptOptions, ForNoiseDenoisesAsTheHandAssembledOptions) {
    const Image noisy = noisy_blobs();
    const double sigma_hat = estimate_noise_sigma(noisy);
    AdaptOptions by_hand;
    by_hand.noise_sigma = sigma_hat;
    by_hand.learner.initial = recommended_params(sigma_hat);
    by_hand.learner.bounds = adapt_bounds(by_hand.learner.initial);
    by_hand.learner.num_classes = 1;
    const AdaptResult a = adaptive_denoise(noisy, by_hand);
    const AdaptResult b = adaptive_denoise(noisy, AdaptOptions::for_noise(sigma_hat));
    EXPECT_EQ(a.best.image.data, b.best.image.data);
    EXPECT_EQ(a.best_iteration, b.best_iteration);
    ASSERT_EQ(a.iterations.size(), b.iterations.size());
    for (std::size_t i = 0; i < a.iterations.size(); ++i) {
        EXPECT_EQ(a.iterations[i].params.sigma, b.iterations[i].params.sigma);
        EXPECT_EQ(a.iterations[i].loss, b.iterations[i].loss);
    }
    // The blind path as it was (σ̂ left to the library) gives the same image too.
    AdaptOptions blind = by_hand;
    blind.noise_sigma.reset();
    EXPECT_EQ(adaptive_denoise(noisy, blind).best.image.data, adaptive_denoise(noisy, AdaptOptions::for_image(noisy)).best.image.data);
}

TEST(AdaptBounds, HoldTheUntunedParametersAndBracketTheTunedOnes) {
    const GraphParams p = recommended_params(0.1);
    const ParamBounds b = adapt_bounds(p);
    EXPECT_EQ(b.sigma_s_min, p.sigma_s);
    EXPECT_EQ(b.sigma_s_max, p.sigma_s);
    EXPECT_EQ(b.sigma_min, p.sigma / 2);
    EXPECT_EQ(b.tau_max, p.tau * 2);
    EXPECT_NO_THROW(p.validate());
}

}  // namespace
}  // namespace lidecm
