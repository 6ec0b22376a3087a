// Self-tuning of the collaborative filter by SURE (self_tune.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/denoise/self_tune.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

CollaborativeOptions assuming(double sigma) {
    CollaborativeOptions o;
    o.noise_sigma = sigma;
    return o;
}

// A strength far from right (the user's --strength, or a σ̂ that reads low or
// high) is corrected: SURE uses the noise level itself, not the strength.
TEST(SelfTune, CorrectsAStrengthThatIsTooWeak) {
    const Image clean = test::textured(96, 96, 3);
    const double sigma = 20 / 255.0;  // below SelfTuneOptions::max_sigma: tuned
    const Image noisy = add_gaussian_noise(clean, sigma, 21, false);
    CollaborativeOptions weak = assuming(sigma);
    weak.strength = 1 / 1.6;
    const double untuned = psnr(collaborative_denoise(noisy, weak).image, clean);
    const SelfTuneResult r = self_tuned_denoise(noisy, weak);
    EXPECT_TRUE(r.tuned);
    EXPECT_GT(r.strength, 0.8);
    EXPECT_GT(psnr(r.result.image, clean), untuned + 0.3);
    EXPECT_LE(int(r.evaluations.size()), SelfTuneOptions{}.max_evaluations);
}

TEST(SelfTune, CorrectsAStrengthThatIsTooStrong) {
    const Image clean = test::textured(96, 96, 1);
    const double sigma = 20 / 255.0;
    const Image noisy = add_gaussian_noise(clean, sigma, 22, false);
    CollaborativeOptions strong = assuming(sigma);
    strong.strength = 2.0;
    const SelfTuneResult r = self_tuned_denoise(noisy, strong);
    EXPECT_LT(r.strength, 1.7);  // below the lowest first candidate (2 × 0.85): it stepped outward
    EXPECT_GT(psnr(r.result.image, clean), psnr(collaborative_denoise(noisy, strong).image, clean) + 0.3);
}

TEST(SelfTune, ChosenStrengthIsInsideTheEvaluatedRange) {
    const Image noisy = add_gaussian_noise(test::textured(64, 64, 3), 20 / 255.0, 23, false);
    const SelfTuneResult r = self_tuned_denoise(noisy, assuming(20 / 255.0));
    double lo = 1e9, hi = 0;
    for (const SureEvaluation& e : r.evaluations) {
        lo = std::min(lo, e.strength);
        hi = std::max(hi, e.strength);
        EXPECT_TRUE(std::isfinite(e.sure.risk));
    }
    EXPECT_GE(r.strength, lo);
    EXPECT_LE(r.strength, hi);
    EXPECT_DOUBLE_EQ(r.result.sigma_used, 20 / 255.0 * r.strength);
}

TEST(SelfTune, CleanImageIsNotTuned) {
    const Image clean = test::textured(64, 64, 1);
    const SelfTuneResult r = self_tuned_denoise(clean, assuming(0.1 / 255.0));
    EXPECT_FALSE(r.tuned);
    EXPECT_FALSE(r.skipped_because.empty());
    EXPECT_TRUE(r.evaluations.empty());
    EXPECT_EQ(r.strength, 1.0);
}

// Issue #26: at strong noise SURE misranks the strengths (clipping), so from max_sigma up
// nothing is evaluated and the base's strength (the table's) is used, whatever it is.
TEST(SelfTune, StrongNoiseFallsBackToTheTable) {
    const double sigma = SelfTuneOptions{}.max_sigma;
    const Image noisy = add_gaussian_noise(test::textured(64, 64, 3), sigma, 25, true);
    for (const double strength : {1.0, 0.6}) {
        CollaborativeOptions base = assuming(sigma);
        base.strength = strength;
        const SelfTuneResult r = self_tuned_denoise(noisy, base);
        EXPECT_FALSE(r.tuned);
        EXPECT_TRUE(r.evaluations.empty());
        EXPECT_EQ(r.strength, strength);
        EXPECT_NE(r.skipped_because.find("table"), std::string::npos) << r.skipped_because;
        EXPECT_EQ(r.result.image.data, collaborative_denoise(noisy, base).image.data);
    }
    // With whole-image groups SURE still decides whether they pay, at the base's strength.
    CollaborativeOptions global = assuming(sigma);
    global.global_candidates = 8;
    const SelfTuneResult r = self_tuned_denoise(noisy, global);
    EXPECT_FALSE(r.tuned);
    EXPECT_EQ(r.strength, 1.0);
    ASSERT_EQ(r.evaluations.size(), 1u);
    EXPECT_EQ(r.evaluations[0].strength, 1.0);
    ASSERT_TRUE(r.global_check.has_value());
    EXPECT_EQ(r.global_check->strength, 1.0);
    const bool pays = r.global_check->sure.risk < r.evaluations[0].sure.risk;
    EXPECT_EQ(r.global_candidates, pays ? 8 : 0);
    global.global_candidates = r.global_candidates;
    EXPECT_EQ(r.result.image.data, collaborative_denoise(noisy, global).image.data);
}

TEST(SelfTune, NoiseJustBelowTheLimitIsTunedAndTheLimitCanBeLifted) {
    const double limit = SelfTuneOptions{}.max_sigma;
    const Image noisy = add_gaussian_noise(test::textured(64, 64, 1), limit, 26, true);
    const SelfTuneResult below = self_tuned_denoise(noisy, assuming(limit * 0.99));
    EXPECT_TRUE(below.tuned);
    EXPECT_TRUE(below.skipped_because.empty());
    EXPECT_GE(below.evaluations.size(), SelfTuneOptions{}.strengths.size());
    SelfTuneOptions lifted;
    lifted.max_sigma = std::numeric_limits<double>::infinity();
    EXPECT_TRUE(self_tuned_denoise(noisy, assuming(50 / 255.0), lifted).tuned);
}

TEST(SelfTune, LargeImagesAreEvaluatedOnCropsWithinTheBudget) {
    const Image noisy = add_gaussian_noise(test::textured(200, 150, 1), 20 / 255.0, 24, false);
    SelfTuneOptions o;
    o.max_eval_pixels = 64 * 64 * 3;
    o.crop_side = 64;
    const SelfTuneResult r = self_tuned_denoise(noisy, assuming(20 / 255.0), o);
    EXPECT_TRUE(r.tuned);
    EXPECT_LE(r.eval_pixels, o.max_eval_pixels);
    EXPECT_GE(r.eval_pixels, std::size_t(64 * 64));
    EXPECT_EQ(r.result.image.height, 200);
}

TEST(SelfTune, BadOptionsNameTheField) {
    const Image noisy = test::constant(32, 32, 1, 0.5f);
    auto message = [&](SelfTuneOptions o) {
        try {
            self_tuned_denoise(noisy, assuming(0.1), o);
        } catch (const InvalidArgument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    SelfTuneOptions o;
    o.strengths = {1.0, 0.8};
    EXPECT_NE(message(o).find("strengths"), std::string::npos);
    o = {};
    o.strengths = {};
    EXPECT_NE(message(o).find("strengths"), std::string::npos);
    o = {};
    o.max_evaluations = 2;
    EXPECT_NE(message(o).find("max_evaluations"), std::string::npos);
    o = {};
    o.eval_step = 0;
    EXPECT_NE(message(o).find("eval_step"), std::string::npos);
    o = {};
    o.min_sigma = std::nan("");
    EXPECT_NE(message(o).find("min_sigma"), std::string::npos);
    o = {};
    o.max_sigma = std::nan("");
    EXPECT_NE(message(o).find("max_sigma"), std::string::npos);
    o = {};
    o.max_sigma = o.min_sigma;
    EXPECT_NE(message(o).find("max_sigma"), std::string::npos);
}

}  // namespace
}  // namespace lidecm
