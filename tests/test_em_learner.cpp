// The seed's learner rules (DESIGN §4) against hand-computed values, and the
// four head scores against images whose answer is known.
#include <cmath>

#include <gtest/gtest.h>

#include "lidecm/learner/em_learner.hpp"
#include "lidecm/core/error.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

using L = EMParameterLearner;

PatchSet patches_of(const Image& img) { return extract_patches(img, 8, 5); }

TEST(Attention, UniformScoresGiveUniformWeights) {
    const AttentionWeights w = L::compute_attention_weights({0.3, 0.3, 0.3, 0.3});
    EXPECT_DOUBLE_EQ(w.texture, 0.25);
    EXPECT_DOUBLE_EQ(w.spatial, 0.25);
}

TEST(Attention, IsASoftmaxOfTwiceTheScores) {
    const AttentionWeights w = L::compute_attention_weights({1.0, 0.0, 0.0, 0.0});
    const double e2 = std::exp(2.0);
    EXPECT_NEAR(w.texture, e2 / (e2 + 3), 1e-12);  // 0.711235
    EXPECT_NEAR(w.structure, 1 / (e2 + 3), 1e-12);
    const AttentionWeights v = L::compute_attention_weights({0.1, 0.2, 0.3, 0.4});
    const double z = std::exp(0.2) + std::exp(0.4) + std::exp(0.6) + std::exp(0.8);
    EXPECT_NEAR(v.color, std::exp(0.6) / z, 1e-12);
    EXPECT_NEAR(v.texture + v.structure + v.color + v.spatial, 1.0, 1e-12);
}

TEST(Attention, ClipsScoresToTheUnitIntervalAsThePrototypeDid) {
    const AttentionWeights clipped = L::compute_attention_weights({1.7, -0.2, 0.6, 0.5});
    const AttentionWeights inside = L::compute_attention_weights({1.0, 0.0, 0.6, 0.5});
    EXPECT_DOUBLE_EQ(clipped.texture, inside.texture);
    EXPECT_DOUBLE_EQ(clipped.structure, inside.structure);
    EXPECT_DOUBLE_EQ(clipped.spatial, inside.spatial);
}

TEST(WeightedUpdate, LossUpShrinksSigmaAndTau) {
    const AttentionWeights w{0.1, 0.2, 0.3, 0.4};
    const GraphParams p = L::weighted_parameter_update(GraphParams{}, w, +0.01);
    EXPECT_NEAR(p.sigma, 0.3 * (1 - 0.02 * 0.4), 1e-15);  // 0.2976
    EXPECT_NEAR(p.tau, 0.1 * (1 - 0.05 * 0.6), 1e-15);    // 0.097
    EXPECT_EQ(p.radius, 10.0);
}

TEST(WeightedUpdate, LossDownOrFlatGrowsThemUpToTheCaps) {
    const AttentionWeights w{0.1, 0.2, 0.3, 0.4};
    for (double delta : {-0.5, 0.0}) {
        const GraphParams p = L::weighted_parameter_update(GraphParams{}, w, delta);
        EXPECT_NEAR(p.sigma, 0.3 * 1.008, 1e-15);
        EXPECT_NEAR(p.tau, 0.1 * 1.03, 1e-15);
    }
    GraphParams high;
    high.sigma = 0.499;
    high.tau = 0.299;
    const GraphParams p = L::weighted_parameter_update(high, w, -1);
    EXPECT_EQ(p.sigma, 0.5);
    EXPECT_EQ(p.tau, 0.3);
}

TEST(LossProxy, IsReconPlusPercepMinusATenthOfSmoothness) {
    EXPECT_NEAR(L::compute_loss_proxy(0.2, 0.3, 0.5), 0.45, 1e-15);
}

TEST(GlobalUpdate, FirstCallOnlyRecordsThenDeltasDrive) {
    L learner;
    learner.update_global_params(0.5, 0.6);
    EXPECT_EQ(learner.get_parameters().sigma, 0.3);  // one loss: no delta yet
    EXPECT_TRUE(learner.attention_history().empty());  // uniform weights are not recorded
    learner.update_global_params(0.7, 0.6);  // up: uniform weights, w_t + w_c = 0.5, w_s + w_st = 0.5
    EXPECT_NEAR(learner.get_parameters().sigma, 0.3 * 0.99, 1e-15);
    EXPECT_NEAR(learner.get_parameters().tau, 0.1 * 0.975, 1e-15);
    learner.update_global_params(0.6, 0.6);  // down
    EXPECT_NEAR(learner.get_parameters().sigma, 0.3 * 0.99 * 1.01, 1e-15);
    EXPECT_EQ(learner.loss_history(), (std::vector<double>{0.5, 0.7, 0.6}));
    ASSERT_EQ(learner.sigma_history().size(), 3u);
    EXPECT_NEAR(learner.tau_history()[2], 0.1 * 0.975 * 1.025, 1e-15);
}

TEST(GlobalUpdate, PatchesSetAndRecordTheAttention) {
    const PatchSet grey_stripes = patches_of(test::stripes(32, 32, 1, 4, 0.45f, 0.55f));
    L learner;
    learner.update_global_params(1.0, 0.5, &grey_stripes);
    learner.update_global_params(2.0, 0.5, &grey_stripes);
    ASSERT_EQ(learner.attention_history().size(), 2u);
    const AttentionWeights w = L::compute_attention_weights(L::compute_patch_features(grey_stripes));
    EXPECT_DOUBLE_EQ(learner.attention_history()[1].texture, w.texture);
    EXPECT_NEAR(learner.get_parameters().sigma, 0.3 * (1 - 0.02 * (w.texture + w.color)), 1e-15);
    EXPECT_NEAR(learner.get_parameters().tau, 0.1 * (1 - 0.05 * (w.spatial + w.structure)), 1e-15);
}

TEST(GlobalUpdate, ClampsToTheSeedRanges) {
    LearnerOptions o;
    o.initial.sigma = 0.05;
    o.initial.tau = 0.9;
    o.initial.radius = 30;
    o.initial.sigma_s = 1;
    o.initial.sigma_f = 0.7;
    L learner(o);
    learner.update_global_params(1.0, 0.5);
    const GraphParams p = learner.get_parameters();
    EXPECT_EQ(p.sigma, 0.1);
    EXPECT_EQ(p.tau, 0.3);
    EXPECT_EQ(p.radius, 20.0);
    EXPECT_EQ(p.sigma_s, 5.0);
    EXPECT_EQ(p.sigma_f, 0.5);
}

TEST(GlobalUpdate, RejectsNonFiniteLoss) {
    L learner;
    EXPECT_THROW(learner.update_global_params(std::nan(""), 0.5), InvalidArgument);
    EXPECT_THROW(learner.update_global_params(INFINITY, 0.5), InvalidArgument);
    EXPECT_TRUE(learner.loss_history().empty());
}

TEST(ClassUpdate, SmoothStepsFollowTheMeanOfTheLastFiveLosses) {
    L learner;
    const double losses[] = {0.6, 0.15, 0.15, 0.15, 0.15, 0.15, 0.15};
    // avg: 0.6 (this loss) → 6; 0.15 → 5, 4, 3; then mean of five: 0.24 → 3; 0.15 → 2; 0.15 → 2 (floor)
    const int expected[] = {6, 5, 4, 3, 3, 2, 2};
    for (int k = 0; k < 7; ++k) {
        learner.update_class_params(3, losses[k], 0.5);
        EXPECT_EQ(learner.get_parameters(3).smooth_steps, expected[k]) << "call " << k;
    }
    EXPECT_EQ(learner.class_params(3).loss_history.size(), 7u);
    EXPECT_EQ(learner.class_params(3).param_history.size(), 7u);
    EXPECT_EQ(learner.get_parameters(2).smooth_steps, 5);  // other classes untouched
    for (int k = 0; k < 6; ++k) learner.update_class_params(1, 0.9, 0.5);
    EXPECT_EQ(learner.get_parameters(1).smooth_steps, 10);  // 5 + 6 capped at 10
}

TEST(ClassUpdate, SmoothnessScalesSigmaAndTauWithinCaps) {
    L learner;
    learner.update_class_params(0, 0.3, 0.8);
    EXPECT_NEAR(learner.get_parameters(0).sigma, 0.306, 1e-15);
    EXPECT_NEAR(learner.get_parameters(0).tau, 0.102, 1e-15);
    learner.update_class_params(0, 0.3, 0.5);  // between 0.3 and 0.7: unchanged
    EXPECT_NEAR(learner.get_parameters(0).sigma, 0.306, 1e-15);
    learner.update_class_params(1, 0.3, 0.1);
    EXPECT_NEAR(learner.get_parameters(1).sigma, 0.294, 1e-15);
    EXPECT_NEAR(learner.get_parameters(1).tau, 0.098, 1e-15);
    for (int k = 0; k < 200; ++k) learner.update_class_params(2, 0.3, 0.9);
    EXPECT_EQ(learner.get_parameters(2).sigma, 0.5);
    EXPECT_EQ(learner.get_parameters(2).tau, 0.3);
    for (int k = 0; k < 200; ++k) learner.update_class_params(2, 0.3, 0.0);
    EXPECT_EQ(learner.get_parameters(2).sigma, 0.1);
    EXPECT_EQ(learner.get_parameters(2).tau, 0.05);
}

TEST(ClassUpdate, ClassOutsideTheRangeIsAnError) {
    L learner;  // 10 classes by default
    EXPECT_EQ(learner.num_classes(), 10);
    EXPECT_THROW(learner.update_class_params(10, 0.3, 0.5), InvalidArgument);
    EXPECT_THROW(learner.update_class_params(-1, 0.3, 0.5), InvalidArgument);
    EXPECT_THROW((void)learner.get_parameters(10), InvalidArgument);
    EXPECT_NO_THROW(learner.update_class_params(9, 0.3, 0.5));
}

TEST(Status, FormatsLikeTheSeed) {
    L learner;
    LearnerStatus s = learner.get_status();
    EXPECT_EQ(s.sigma, "0.3000");
    EXPECT_EQ(s.tau, "0.1000");
    EXPECT_EQ(s.radius, "10.00");
    EXPECT_EQ(s.recent_loss, "N/A");
    for (double loss : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}) learner.update_global_params(loss, 0.5);
    EXPECT_EQ(learner.get_status().recent_loss, "4.0000");
}

TEST(Options, AreValidated) {
    LearnerOptions o;
    o.num_classes = 0;
    EXPECT_THROW(L{o}, InvalidArgument);
    o = {};
    o.initial.sigma = -1;
    EXPECT_THROW(L{o}, InvalidArgument);
}

// --- the four heads carry information -------------------------------------------------

TEST(Features, ColourIsZeroOnGreyImagesWhateverTheirTexture) {
    for (const Image& grey : {test::noise_texture(32, 32, 1, 1), test::stripes(32, 32, 1, 3),
                              to_rgb(test::checkerboard(32, 32, 1, 4))}) {
        EXPECT_EQ(L::compute_patch_features(patches_of(grey)).color, 0.0);
    }
    EXPECT_GT(L::compute_patch_features(patches_of(test::colour_blobs(40, 40))).color, 0.3);
}

TEST(Features, HandComputedValuesOnOnePatch) {
    // 8×8 stripes 0.45/0.55 of period 4: one transition in each row of 7 differences.
    const PatchFeatures s = L::compute_patch_features(patches_of(test::stripes(8, 8, 1, 4, 0.45f, 0.55f)));
    EXPECT_NEAR(s.texture, 0.05 / 0.1, 1e-6);
    EXPECT_NEAR(s.structure, (0.1 / 7) / 2 / 0.1, 1e-6);
    EXPECT_EQ(s.spatial, 0.5);  // a single patch has no spread to compare
    // Constant colour (0.5, 0.5, 0.56): std across channels = sqrt(0.0008).
    Image tint(8, 8, 3);
    for (std::size_t i = 0; i < tint.pixels(); ++i) {
        tint.data[3 * i] = tint.data[3 * i + 1] = 0.5f;
        tint.data[3 * i + 2] = 0.56f;
    }
    const PatchFeatures t = L::compute_patch_features(patches_of(tint));
    EXPECT_NEAR(t.color, std::sqrt(0.0008) / 0.1, 1e-5);
    EXPECT_EQ(t.texture, 0.0);
    EXPECT_EQ(t.structure, 0.0);
}

TEST(Features, TextureAndStructureTellStripesFromNoise) {
    const PatchFeatures stripes = L::compute_patch_features(patches_of(test::stripes(48, 48, 1, 4, 0.45f, 0.55f)));
    const PatchFeatures noise = L::compute_patch_features(patches_of(test::noise_texture(48, 48, 1, 2, 0.45f, 0.55f)));
    // Stripes: large per-patch spread, few edges. Uniform noise: smaller spread (0.1/√12), an edge everywhere.
    EXPECT_GT(stripes.texture, noise.texture + 0.15);
    EXPECT_LT(stripes.structure, noise.structure - 0.15);
}

TEST(Features, SpatialIsLowForDetailInOneCornerAndHighWhenSpread) {
    Image corner = test::constant(96, 96, 1, 0.5f);
    const Image tex = test::noise_texture(96, 96, 1, 9);
    for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) corner.at(y, x, 0) = tex.at(y, x, 0);
    EXPECT_LT(L::compute_patch_features(patches_of(corner)).spatial, 0.35);
    EXPECT_GT(L::compute_patch_features(patches_of(tex)).spatial, 0.95);
    EXPECT_EQ(L::compute_patch_features(patches_of(test::constant(32, 32, 3, 0.2f))).spatial, 0.5);
}

TEST(LearnerState, RestoredLearnerContinuesExactlyLikeTheOriginal) {
    const PatchSet patches = patches_of(test::stripes(32, 32, 3, 4));
    EMParameterLearner a;
    for (double loss : {0.5, 0.4, 0.45}) a.update_global_params(loss, 0.3, &patches);
    a.update_class_params(2, 0.3, 0.2);
    a.update_class_params(2, 0.2, 0.2);
    EMParameterLearner b;
    b.restore(a.state());
    EXPECT_EQ(b.get_parameters().sigma, a.get_parameters().sigma);
    EXPECT_EQ(b.get_parameters(2).tau, a.get_parameters(2).tau);
    a.update_global_params(0.3, 0.3, &patches);
    b.update_global_params(0.3, 0.3, &patches);
    a.update_class_params(2, 0.25, 0.2);
    b.update_class_params(2, 0.25, 0.2);
    EXPECT_EQ(b.get_parameters().sigma, a.get_parameters().sigma);
    EXPECT_EQ(b.get_parameters().tau, a.get_parameters().tau);
    EXPECT_EQ(b.get_parameters(2).sigma, a.get_parameters(2).sigma);
    EXPECT_EQ(b.sigma_history(), a.sigma_history());
    EXPECT_EQ(b.attention_history().size(), a.attention_history().size());
}

// Histories are ring buffers: the newest history_cap entries, and the rules (which
// read at most the last 5 losses) give the same parameters as without a cap.
TEST(LearnerState, HistoriesKeepTheNewestEntriesUpToTheCap) {
    LearnerOptions capped;
    capped.history_cap = 5;
    LearnerOptions roomy;
    roomy.history_cap = 100000;
    EMParameterLearner a(capped), b(roomy);
    const PatchSet patches = patches_of(test::stripes(32, 32, 3, 4));
    for (int i = 0; i < 300; ++i) {
        const double loss = 0.3 + 0.25 * std::sin(0.7 * i);
        for (EMParameterLearner* l : {&a, &b}) {
            l->update_global_params(loss, 0.5, &patches);
            l->update_class_params(i % 3, loss, 0.2 + 0.6 * ((i / 7) % 2));
        }
    }
    EXPECT_EQ(a.loss_history().size(), 5u);
    EXPECT_EQ(a.sigma_history().size(), 5u);
    EXPECT_EQ(a.attention_history().size(), 5u);
    EXPECT_EQ(a.class_params(1).loss_history.size(), 5u);
    EXPECT_EQ(a.class_params(1).param_history.size(), 5u);
    EXPECT_EQ(b.loss_history().size(), 300u);
    EXPECT_EQ(a.loss_history().back(), b.loss_history().back());
    EXPECT_EQ(a.sigma_history().front(), b.sigma_history()[295]);
    for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(a.get_parameters(c).sigma, b.get_parameters(c).sigma);
        EXPECT_EQ(a.get_parameters(c).smooth_steps, b.get_parameters(c).smooth_steps);
    }
    EXPECT_EQ(a.get_parameters().tau, b.get_parameters().tau);
    EXPECT_LT(a.state_bytes(true), b.state_bytes(true) / 10);
    // A longer saved state (an older file) is cut to the cap on restore.
    EMParameterLearner c(capped);
    c.restore(b.state());
    EXPECT_EQ(c.loss_history().size(), 5u);
    EXPECT_EQ(c.loss_history(), a.loss_history());
    capped.history_cap = 4;
    EXPECT_THROW(EMParameterLearner{capped}, InvalidArgument);
}

TEST(LearnerState, RefusesAStateThatDoesNotFit) {
    EMParameterLearner learner;
    LearnerState wrong = learner.state();
    wrong.classes.resize(3);
    EXPECT_THROW(learner.restore(wrong), InvalidArgument);
    LearnerState bad = learner.state();
    bad.global.sigma = std::nan("");
    EXPECT_THROW(learner.restore(bad), InvalidArgument);
    LearnerState nan_history = learner.state();
    nan_history.loss_history = {0.3, std::nan("")};
    EXPECT_THROW(learner.restore(nan_history), InvalidArgument);
    EXPECT_EQ(learner.get_parameters().sigma, GraphParams{}.sigma);  // unchanged
}

}  // namespace
}  // namespace lidecm
