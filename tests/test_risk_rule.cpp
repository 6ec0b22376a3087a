// The risk rule of EMParameterLearner (issue #13): paired sign-SPSA over per-head
// parameter vectors mixed by each image's attention.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "lidecm/learner/em_learner.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/denoise/patches.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

LearnerOptions risk_options(bool heads = true) {
    LearnerOptions o;
    o.num_classes = 1;
    o.rule = LearnerRule::risk;
    o.risk.heads = heads;
    return o;
}

HeadStats stats_of(const Image& image) { return EMParameterLearner::compute_head_stats(extract_patches(image, 8, 8)); }

// A quadratic bowl in log space around (sigma*, tau*), the loss a paired update sees.
double bowl(const GraphParams& p, double sigma_star, double tau_star) {
    const double a = std::log(p.sigma / sigma_star), b = std::log(p.tau / tau_star);
    return 0.01 + a * a + 0.5 * b * b;
}

// One paired update on `images` (each with its own weights and optimum).
struct Case {
    AttentionWeights weights;
    double sigma_star, tau_star;
};
void step(EMParameterLearner& l, const std::vector<Case>& cases, std::uint64_t seed) {
    const std::array<int, 2> d = l.paired_direction(seed);
    std::vector<PairedSample> samples;
    double loss = 0;
    for (const Case& c : cases) {
        const GraphParams p = l.parameters_for(0, c.weights);
        samples.push_back({0, c.weights, bowl(l.perturbed(p, d, +1), c.sigma_star, c.tau_star),
                           bowl(l.perturbed(p, d, -1), c.sigma_star, c.tau_star)});
        loss += bowl(p, c.sigma_star, c.tau_star) / double(cases.size());
    }
    l.update_paired(samples, d, loss);
}

// From the seed's start (0.3, 0.1) to an optimum at (0.2, 0.15) inside the bounds:
// within 3 % of it in 400 updates (a_k from 5 % down to 0.7 %).
TEST(RiskRule, ReachesAKnownOptimum) {
    EMParameterLearner l(risk_options());
    for (int k = 0; k < 400; ++k) step(l, {{AttentionWeights{}, 0.2, 0.15}}, 1);
    EXPECT_NEAR(std::log(l.get_parameters().sigma / 0.2), 0.0, 0.03);
    EXPECT_NEAR(std::log(l.get_parameters().tau / 0.15), 0.0, 0.03);
    EXPECT_EQ(l.loss_history().size(), 400u);
    EXPECT_EQ(l.sigma_history().size(), 400u);
}

TEST(RiskRule, StopsAtTheBoundsWhenTheOptimumLiesOutside) {
    EMParameterLearner l(risk_options());
    for (int k = 0; k < 300; ++k) step(l, {{AttentionWeights{}, 0.9, 0.01}}, 2);
    EXPECT_DOUBLE_EQ(l.get_parameters().sigma, ParamBounds{}.sigma_max);
    EXPECT_DOUBLE_EQ(l.get_parameters().tau, ParamBounds{}.tau_min);
}

// With the same weights on every image the heads move together: the mix is plain's one θ.
TEST(RiskRule, EqualHeadsEqualPlain) {
    EMParameterLearner attention(risk_options(true)), plain(risk_options(false));
    const AttentionWeights skewed{0.55, 0.25, 0.15, 0.05};
    for (int k = 0; k < 50; ++k) {
        step(attention, {{skewed, 0.2, 0.15}, {skewed, 0.25, 0.12}}, 3);
        step(plain, {{AttentionWeights{}, 0.2, 0.15}, {AttentionWeights{}, 0.25, 0.12}}, 3);
    }
    const GraphParams a = attention.parameters_for(0, skewed), p = plain.parameters_for(0, AttentionWeights{});
    EXPECT_NEAR(a.sigma, p.sigma, 1e-12);
    EXPECT_NEAR(a.tau, p.tau, 1e-12);
    for (int h = 1; h < 4; ++h) {
        for (int k = 0; k < 2; ++k) {
            EXPECT_NEAR(attention.head_parameters(0, h)[std::size_t(k)], attention.head_parameters(0, 0)[std::size_t(k)], 1e-12);
        }
    }
}

// Two kinds of image wanting different parameters: the heads split, each kind gets
// nearer its own optimum than one θ can, and plain settles between the two.
TEST(RiskRule, HeadsGiveImagesTheirOwnParameters) {
    const AttentionWeights textured{0.7, 0.1, 0.1, 0.1}, flat{0.1, 0.1, 0.1, 0.7};
    const std::vector<Case> attention_cases = {{textured, 0.4, 0.1}, {flat, 0.15, 0.1}};
    const std::vector<Case> plain_cases = {{AttentionWeights{}, 0.4, 0.1}, {AttentionWeights{}, 0.15, 0.1}};
    EMParameterLearner attention(risk_options(true)), plain(risk_options(false));
    for (int k = 0; k < 400; ++k) {
        step(attention, attention_cases, 4);
        step(plain, plain_cases, 4);
    }
    const double s_textured = attention.parameters_for(0, textured).sigma, s_flat = attention.parameters_for(0, flat).sigma;
    const double s_plain = plain.get_parameters().sigma;
    EXPECT_GT(s_textured, s_plain * 1.2);
    EXPECT_LT(s_flat, s_plain / 1.2);
    double loss_attention = 0, loss_plain = 0;
    for (std::size_t i = 0; i < 2; ++i) {
        loss_attention += bowl(attention.parameters_for(0, attention_cases[i].weights), attention_cases[i].sigma_star, 0.1);
        loss_plain += bowl(plain.get_parameters(), plain_cases[i].sigma_star, 0.1);
    }
    EXPECT_LT(loss_attention, 0.7 * loss_plain);
}

double distance_from_uniform(const AttentionWeights& w) {
    return std::fabs(w.texture - 0.25) + std::fabs(w.structure - 0.25) + std::fabs(w.color - 0.25) +
           std::fabs(w.spatial - 0.25);
}

// Standardised against the images seen, the heads tell noisy images apart; the seed's
// /0.1-and-clip scores give all of them about 0.25 each.
TEST(RiskRule, AttentionTellsNoisyImagesApart) {
    const double sigma = 25 / 255.0;
    const Image flat = add_gaussian_noise(test::constant(64, 64, 3, 0.5f), sigma, 1);
    const Image edges = add_gaussian_noise(test::checkerboard(64, 64, 3, 5), sigma, 2);
    const Image texture = add_gaussian_noise(test::noise_texture(64, 64, 3, 9, 0.3f, 0.7f), sigma, 3);
    const Image colour = add_gaussian_noise(test::colour_blobs(64, 64), sigma, 4);
    EMParameterLearner l(risk_options());
    for (const Image* im : {&flat, &edges, &texture, &colour}) l.observe(stats_of(*im));
    const AttentionWeights wf = l.image_attention(stats_of(flat)), we = l.image_attention(stats_of(edges)),
                           wt = l.image_attention(stats_of(texture)), wc = l.image_attention(stats_of(colour));
    EXPECT_GT(we.texture + we.structure, 0.6);
    EXPECT_LT(wf.texture + wf.structure, 0.35);
    EXPECT_GT(wt.structure, 1.5 * wf.structure);
    EXPECT_GT(wc.color, std::max({wc.texture, wc.structure, wc.spatial}));
    double risk_spread = 0, seed_spread = 0;
    for (const Image* im : {&flat, &edges, &texture, &colour}) {
        risk_spread += distance_from_uniform(l.image_attention(stats_of(*im))) / 4;
        seed_spread += distance_from_uniform(EMParameterLearner::compute_attention_weights(
                           EMParameterLearner::compute_patch_features(extract_patches(*im, 8, 8)))) / 4;
    }
    EXPECT_GT(risk_spread, 0.4);
    EXPECT_LT(seed_spread, 0.15);
}

TEST(RiskRule, UniformBeforeTwoImagesAndWithoutHeads) {
    EMParameterLearner l(risk_options());
    const HeadStats s = stats_of(test::textured(32, 32, 3));
    EXPECT_EQ(l.image_attention(s).texture, 0.25);
    l.observe(s);
    EXPECT_EQ(l.image_attention(s).texture, 0.25);
    EMParameterLearner plain(risk_options(false));
    plain.observe(s);
    plain.observe(stats_of(test::constant(32, 32, 3, 0.5f)));
    EXPECT_EQ(plain.image_attention(s).color, 0.25);
}

TEST(RiskRule, RestoredLearnerContinuesExactly) {
    EMParameterLearner a(risk_options());
    for (int k = 0; k < 10; ++k) step(a, {{AttentionWeights{0.4, 0.3, 0.2, 0.1}, 0.2, 0.15}}, 5);
    a.observe(stats_of(test::textured(32, 32, 3)));
    EMParameterLearner b(risk_options());
    b.restore(a.state());
    for (EMParameterLearner* l : {&a, &b}) step(*l, {{AttentionWeights{0.4, 0.3, 0.2, 0.1}, 0.2, 0.15}}, 5);
    EXPECT_EQ(a.state().theta, b.state().theta);
    EXPECT_EQ(a.state().paired_updates, 11u);
    EXPECT_EQ(b.state().paired_updates, 11u);
    EXPECT_EQ(a.paired_direction(5), b.paired_direction(5));
}

TEST(RiskRule, BadInputIsRefused) {
    EMParameterLearner seed_rule;
    EXPECT_THROW(seed_rule.update_paired({{0, {}, 0.1, 0.2}}, {1, 1}, 0.1), InvalidArgument);
    EMParameterLearner l(risk_options());
    EXPECT_THROW(l.update_paired({}, {1, 1}, 0.1), InvalidArgument);
    EXPECT_THROW(l.update_paired({{0, {}, std::nan(""), 0.2}}, {1, 1}, 0.1), InvalidArgument);
    EXPECT_THROW(l.update_paired({{1, {}, 0.1, 0.2}}, {1, 1}, 0.1), InvalidArgument);
    EXPECT_THROW(l.update_paired({{0, {}, 0.1, 0.2}}, {1, 1}, INFINITY), InvalidArgument);
    EXPECT_THROW(l.observe(HeadStats{std::nan(""), 0, 0, 0}), InvalidArgument);
    LearnerOptions o = risk_options();
    o.risk.delta = 0;
    EXPECT_THROW(EMParameterLearner{o}, InvalidArgument);
    LearnerState wrong = l.state();
    wrong.theta.resize(3);
    EXPECT_THROW(l.restore(wrong), InvalidArgument);
}

}  // namespace
}  // namespace lidecm
