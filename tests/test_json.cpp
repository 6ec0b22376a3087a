// lidecm/train/json.hpp: the keys files and summaries rely on, and round trips.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lidecm/train/json.hpp"

namespace lidecm {
namespace {

TEST(JsonMappings, TrainConfigKeepsKAtTheTopLevel) {
    TrainConfig c;
    c.codebook.num_codes = 64;
    c.codebook.block_rows = 7;  // not stored: a speed setting, not part of the run
    c.learner_mode = LearnerMode::plain;
    c.dataset.format = DatasetFormat::cifar10;
    const nlohmann::json j = c;
    EXPECT_EQ(j.at("num_codes"), 64);
    EXPECT_FALSE(j.contains("codebook"));
    EXPECT_EQ(j.at("learner_mode"), "plain");
    EXPECT_EQ(j.at("dataset").at("format"), "cifar10");

    const auto back = j.get<TrainConfig>();
    EXPECT_EQ(back.codebook.num_codes, 64);
    EXPECT_EQ(back.codebook.block_rows, CodebookOptions{}.block_rows);
    EXPECT_EQ(back.learner_mode, LearnerMode::plain);
    EXPECT_EQ(nlohmann::json(back), j);
    EXPECT_EQ(to_json(back), j.dump());
}

TEST(JsonMappings, MissingFieldsKeepTheDefaults) {
    const auto c = nlohmann::json::parse(R"({"epochs": 3})").get<TrainConfig>();
    EXPECT_EQ(c.epochs, 3);
    EXPECT_EQ(c.codebook.num_codes, CodebookOptions{}.num_codes);
    // Without "refine" the config predates the choice of refiner: the graph's, with its learner start.
    EXPECT_EQ(c.refine.refiner, Refiner::graph);
    EXPECT_FALSE(c.refine.keep_codewords);
    EXPECT_EQ(c.refine_per_batch, 0u);
    EXPECT_EQ(c.learner.initial.sigma, training_learner_options(Refiner::graph).initial.sigma);
    // With it, every missing field keeps TrainConfig{}'s value.
    const auto n = nlohmann::json::parse(R"({"epochs": 3, "refine": {"strength": 4}})").get<TrainConfig>();
    EXPECT_EQ(n.refine.refiner, Refiner::collaborative);
    EXPECT_EQ(n.refine.strength, 4.0);
    EXPECT_EQ(n.refine.strength_steps, RefineOptions{}.strength_steps);
    EXPECT_EQ(n.refine.filter.lambda_hard, RefineOptions{}.filter.lambda_hard);
    EXPECT_EQ(n.refine_per_batch, TrainConfig{}.refine_per_batch);
    EXPECT_EQ(n.learner.initial.sigma, training_learner_options().initial.sigma);
    EXPECT_EQ(nlohmann::json::object().get<GraphParams>().stride, GraphParams{}.stride);
}

TEST(JsonMappings, RefineOptionsRoundTrip) {
    TrainConfig c;
    select_refiner(c, Refiner::graph);
    c.refine.max_pulled_back = 0.05;
    c.refine.filter.search_radius = 12;
    const TrainConfig back = nlohmann::json(c).get<TrainConfig>();
    EXPECT_EQ(back.refine.refiner, Refiner::graph);
    EXPECT_EQ(back.refine.max_pulled_back, 0.05);
    EXPECT_EQ(back.refine.filter.search_radius, 12);
    EXPECT_EQ(nlohmann::json(Refiner::collaborative), "collaborative");
}

TEST(JsonMappings, PlainStructsRoundTrip) {
    GraphParams p;
    p.sigma = 0.125;
    p.stride = 3;
    const nlohmann::json jp = p;
    EXPECT_EQ(jp.size(), 8u);
    EXPECT_EQ(jp.get<GraphParams>().sigma, 0.125);
    EXPECT_EQ(jp.get<GraphParams>().stride, 3);

    const nlohmann::json jw = AttentionWeights{0.1, 0.2, 0.3, 0.4};
    EXPECT_EQ(jw, nlohmann::json::parse(R"({"texture":0.1,"structure":0.2,"color":0.3,"spatial":0.4})"));
    const nlohmann::json jf = PatchFeatures{0.5, 0.25, 0.0, 1.0};
    EXPECT_EQ(jf.get<PatchFeatures>().structure, 0.25);
}

// Configs written before the risk rule have no "rule": they keep the seed's learner,
// so an old model refines and resumes as it did.
TEST(JsonMappings, LearnerWithoutARuleIsTheSeeds) {
    TrainConfig c;
    EXPECT_EQ(c.learner.rule, LearnerRule::risk);  // training's default
    nlohmann::json j = c;
    j["learner"].erase("rule");
    j["learner"].erase("risk");
    EXPECT_EQ(j.get<TrainConfig>().learner.rule, LearnerRule::seed);
    EXPECT_EQ(learner_variant(j.get<TrainConfig>()), "seed");
}

TEST(JsonMappings, WrongTypesThrow) {
    EXPECT_THROW((void)nlohmann::json::parse(R"({"num_codes": "many"})").get<TrainConfig>(), nlohmann::json::exception);
}

}  // namespace
}  // namespace lidecm
