// denoise_image: the one call behind `lidecm denoise` and lidecm.denoise (denoise_image.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "lidecm/core/error.hpp"
#include "lidecm/image/noise.hpp"
#include "lidecm/learner/denoise_image.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

Image noisy_image(int channels = 3) { return add_gaussian_noise(test::textured(48, 48, channels), 20 / 255.0, 5, false); }

DenoiseRequest given(double sigma, DenoiseMethod method = DenoiseMethod::Collaborative, bool adapt = false) {
    DenoiseRequest r;
    r.method = method;
    r.noise_sigma = sigma;
    r.adapt = adapt;
    return r;
}

// The message of the InvalidArgument that validate() throws ("" when it accepts).
std::string refusal(const DenoiseRequest& r) {
    try {
        r.validate();
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "";
}

TEST(DenoiseRequest, DefaultsAreTheCommandsAndValid) {
    const DenoiseRequest r;
    EXPECT_EQ(r.method, DenoiseMethod::Collaborative);
    EXPECT_FALSE(r.noise_sigma.has_value());
    EXPECT_EQ(r.strength, 1.0);
    EXPECT_TRUE(r.adapt);
    EXPECT_EQ(r.iterations, AdaptOptions{}.iterations);
    EXPECT_EQ(refusal(r), "");
}

TEST(DenoiseRequest, ValidateRefusesAStrengthOutsideZeroToTenNamingIt) {
    for (const double strength : {0.0, 11.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
        DenoiseRequest r;
        r.strength = strength;
        EXPECT_EQ(refusal(r), "strength: must be in (0, 10]") << strength;
    }
    DenoiseRequest top;
    top.strength = 10.0;
    EXPECT_EQ(refusal(top), "");
}

TEST(DenoiseRequest, ValidateRefusesTheOtherRangesNamingThem) {
    DenoiseRequest sigma;
    sigma.noise_sigma = -0.1;
    EXPECT_EQ(refusal(sigma), "noise_sigma: must be a finite number >= 0");
    DenoiseRequest rounds;
    rounds.iterations = 0;
    EXPECT_EQ(refusal(rounds), "iterations: must be >= 1, got 0");
    DenoiseRequest tune;
    tune.self_tune.eval_step = 0;
    EXPECT_EQ(refusal(tune), "eval_step: must be in [1, 16]");
}

TEST(DenoiseImage, RefusesABadRequestBeforeFiltering) {
    DenoiseRequest r = given(0.1);
    r.strength = 0;
    EXPECT_THROW(denoise_image(noisy_image(), r), InvalidArgument);
}

TEST(DenoiseImage, WithAGivenSigmaIsTheCollaborativeFilter) {
    const Image noisy = noisy_image();
    DenoiseRequest r = given(0.08);
    r.strength = 1.3;
    const DenoisedImage d = denoise_image(noisy, r);
    CollaborativeOptions o;
    o.noise_sigma = 0.08;
    o.strength = 1.3;
    const CollaborativeResult direct = collaborative_denoise(noisy, o);
    EXPECT_EQ(d.image.data, direct.image.data);
    EXPECT_EQ(d.noise_sigma, 0.08);
    EXPECT_FALSE(d.noise_sigma_estimated);
    EXPECT_DOUBLE_EQ(d.sigma_assumed, 0.08 * 1.3);
    EXPECT_EQ(d.collaborative.groups, direct.groups);
    EXPECT_FALSE(d.self_tune.has_value());
    EXPECT_FALSE(d.adaptation.has_value());
}

TEST(DenoiseImage, WithoutASigmaEstimatesItOnce) {
    const Image noisy = noisy_image();
    DenoiseRequest r;
    r.adapt = false;
    const DenoisedImage d = denoise_image(noisy, r);
    EXPECT_TRUE(d.noise_sigma_estimated);
    EXPECT_EQ(d.noise_sigma, estimate_noise_sigma(noisy));
    EXPECT_EQ(d.image.data, denoise_image(noisy, given(d.noise_sigma)).image.data);
}

TEST(DenoiseImage, AdaptSelfTunesTheCollaborativeFilter) {
    const Image noisy = noisy_image();
    const DenoisedImage d = denoise_image(noisy, given(20 / 255.0, DenoiseMethod::Collaborative, true));
    CollaborativeOptions o;
    o.noise_sigma = 20 / 255.0;
    const SelfTuneResult direct = self_tuned_denoise(noisy, o);
    ASSERT_TRUE(d.self_tune.has_value());
    EXPECT_EQ(d.self_tune->strength, direct.strength);
    EXPECT_EQ(d.self_tune->evaluations.size(), direct.evaluations.size());
    EXPECT_EQ(d.image.data, direct.result.image.data);
    EXPECT_DOUBLE_EQ(d.sigma_assumed, direct.result.sigma_used);
}

TEST(DenoiseImage, GraphStartsFromTheParametersForSigmaTimesStrength) {
    const Image noisy = noisy_image(1);
    DenoiseRequest r = given(0.08, DenoiseMethod::Graph);
    r.strength = 1.5;
    const DenoisedImage d = denoise_image(noisy, r);
    const GraphParams p = recommended_params(0.08 * 1.5);
    EXPECT_EQ(d.initial_params.sigma, p.sigma);
    EXPECT_EQ(d.params.sigma, p.sigma);
    EXPECT_DOUBLE_EQ(d.sigma_assumed, 0.08 * 1.5);
    const DenoiseResult direct = denoise(noisy, p);
    EXPECT_EQ(d.image.data, direct.image.data);
    EXPECT_EQ(d.graph.patches, direct.patches);
    EXPECT_EQ(d.collaborative.groups, 0u);  // the other filter did not run
}

TEST(DenoiseImage, GraphTakesTheCallersParametersForTheNoiseLevel) {
    const Image noisy = noisy_image(1);
    DenoiseRequest r = given(0.08, DenoiseMethod::Graph);
    double asked = 0;
    r.graph_params = [&asked](double sigma) {
        asked = sigma;
        GraphParams p = recommended_params(sigma);
        p.tau = 0.05;
        return p;
    };
    const DenoisedImage d = denoise_image(noisy, r);
    EXPECT_EQ(asked, 0.08);
    EXPECT_EQ(d.params.tau, 0.05);
}

TEST(DenoiseImage, GraphAdaptRunsTheLearnerFromTheStart) {
    const Image noisy = noisy_image(3);
    DenoiseRequest r = given(0.08, DenoiseMethod::Graph, true);
    r.iterations = 2;
    int rounds = 0;
    r.progress = [&rounds](int, int) { ++rounds; };
    const DenoisedImage d = denoise_image(noisy, r);
    ASSERT_TRUE(d.adaptation.has_value());
    EXPECT_EQ(rounds, 2);
    EXPECT_EQ(d.adaptation->iterations.size(), 2u);
    EXPECT_EQ(d.adaptation->iterations.front().params.sigma, d.initial_params.sigma);
    EXPECT_EQ(d.params.sigma, d.adaptation->best_params.sigma);
    EXPECT_EQ(d.image.data, denoise(noisy, d.params).image.data);
}

}  // namespace
}  // namespace lidecm
