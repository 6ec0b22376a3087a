// The learner's part of a training step behind one interface: the factory picks the rule
// each learner mode names, and a rule's update on a hand-made step equals the learner
// calls it stands for.
#include <gtest/gtest.h>

#include "lidecm/learner/training_rule.hpp"

using namespace lidecm;

namespace {

StepOutcome two_images() {
    StepOutcome o;
    o.loss = 0.42;
    o.smoothness = 0.8;
    ScoredImage a, b;
    a.class_index = 1;
    a.loss = 0.6;
    a.smoothness = 0.75;
    b.class_index = EMParameterLearner::kAnyClass;  // one-class data updates class 0
    b.loss = 0.1;
    b.smoothness = 0.2;
    o.images = {a, b};
    return o;
}

EMParameterLearner learner_with(LearnerRule rule) {
    LearnerOptions options;
    options.num_classes = 3;
    options.rule = rule;
    return EMParameterLearner(options);
}

}  // namespace

TEST(TrainingRule, TheFactoryGivesTheRuleEachModeNames) {
    EXPECT_EQ(make_training_rule(LearnerRule::seed, LearnerMode::attention)->name(), "seed");
    EXPECT_EQ(make_training_rule(LearnerRule::seed, LearnerMode::plain)->name(), "seed-plain");
    EXPECT_EQ(make_training_rule(LearnerRule::seed, LearnerMode::fixed)->name(), "fixed");
    EXPECT_EQ(make_training_rule(LearnerRule::risk, LearnerMode::attention)->name(), "attention");
    EXPECT_EQ(make_training_rule(LearnerRule::risk, LearnerMode::plain)->name(), "plain");
    EXPECT_EQ(make_training_rule(LearnerRule::risk, LearnerMode::fixed)->name(), "fixed");
    // The seed rule with attention needs the batch's tiles; without, nothing.
    const EMParameterLearner seed = learner_with(LearnerRule::seed);
    EXPECT_TRUE(make_training_rule(LearnerRule::seed, LearnerMode::attention)->needs(seed, 1).batch_patches);
    EXPECT_FALSE(make_training_rule(LearnerRule::seed, LearnerMode::plain)->needs(seed, 1).batch_patches);
    EXPECT_EQ(make_training_rule(LearnerRule::seed, LearnerMode::fixed)->needs(seed, 1).paired_images, 0);
}

TEST(TrainingRule, TheSeedRulesUpdateIsTheSeedLearnersCalls) {
    const StepOutcome outcome = two_images();
    EMParameterLearner by_rule = learner_with(LearnerRule::seed), by_hand = learner_with(LearnerRule::seed);
    const auto rule = make_training_rule(LearnerRule::seed, LearnerMode::plain);
    for (int step = 0; step < 3; ++step) {
        rule->update(by_rule, rule->needs(by_rule, 1), outcome);
        by_hand.update_global_params(outcome.loss, outcome.smoothness, nullptr);
        by_hand.update_class_params(1, 0.6, 0.75);
        by_hand.update_class_params(0, 0.1, 0.2);
    }
    const LearnerState a = by_rule.state(), b = by_hand.state();
    EXPECT_EQ(a.loss_history, b.loss_history);
    EXPECT_EQ(a.sigma_history, b.sigma_history);
    EXPECT_EQ(a.global.tau, b.global.tau);
    for (int c = 0; c < 3; ++c) {
        EXPECT_EQ(a.classes[std::size_t(c)].sigma, b.classes[std::size_t(c)].sigma) << c;
        EXPECT_EQ(a.classes[std::size_t(c)].smooth_steps, b.classes[std::size_t(c)].smooth_steps) << c;
    }
    EXPECT_NE(a.classes[1].sigma, 0.3);  // smoothness 0.75 > 0.7 moved class 1
}

TEST(TrainingRule, TheFixedRuleNeverMovesTheLearner) {
    for (LearnerRule r : {LearnerRule::seed, LearnerRule::risk}) {
        EMParameterLearner learner = learner_with(r);
        const LearnerState before = learner.state();
        const auto rule = make_training_rule(r, LearnerMode::fixed);
        rule->update(learner, rule->needs(learner, 1), two_images());
        const LearnerState after = learner.state();
        EXPECT_EQ(after.loss_history, before.loss_history);
        EXPECT_EQ(after.global.sigma, before.global.sigma);
        EXPECT_EQ(after.classes[1].sigma, before.classes[1].sigma);
        EXPECT_EQ(after.paired_updates, before.paired_updates);
    }
}
