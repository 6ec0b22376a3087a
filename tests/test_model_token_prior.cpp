// The token prior in model files and training (issue #24): it round-trips exactly, files
// without one still load (configs from before read token_prior false), a damaged one is
// refused naming the file, and a finished run fits one for its codebook and best.lidecm's.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/data/dataset.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/train/trainer.hpp"
#include "model_files.hpp"
#include "report_fixture.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {

class ModelTokenPriorTest : public test::TempFolderTest {
protected:
    ModelTokenPriorTest() : TempFolderTest("model_token_prior") {}
};

// A model of 2×2×3 tiles, K 4, two classes, with a token prior counted on random grids.
Model small_model() {
    Model m;
    m.config.patch_size = 2;
    m.config.codebook.num_codes = 4;
    m.class_names = {"a", "b"};
    m.config.learner.num_classes = 2;
    m.learner = EMParameterLearner(m.config.learner).state();
    RandomStream rng{5};
    std::vector<float> values(4 * 12);
    for (float& v : values) v = float(rng.uniform());
    m.codebook = Codebook(4, 12, values);
    std::vector<TokenGrid> grids(6);
    std::vector<LabelledGrid> labelled;
    for (std::size_t i = 0; i < grids.size(); ++i) {
        grids[i].patch_size = 2;
        grids[i].image_height = grids[i].image_width = 8;
        grids[i].channels = 3;
        grids[i].num_codes = 4;
        for (int t = 0; t < 16; ++t) grids[i].indices.push_back(std::uint16_t(rng.next() % (i % 2 == 0 ? 2 : 4)));
        labelled.push_back({&grids[i], int(i % 2)});
    }
    m.token_prior = TokenPrior::fit(labelled, 4, 2);
    return m;
}

TEST_F(ModelTokenPriorTest, RoundTripsExactly) {
    const Model m = small_model();
    const Model back = parse_model(serialize_model(m), "m.lidecm");
    ASSERT_TRUE(back.token_prior.has_value());
    EXPECT_EQ(back.token_prior->tables().keys, m.token_prior->tables().keys);
    EXPECT_EQ(back.token_prior->tables().counts, m.token_prior->tables().counts);
    EXPECT_EQ(serialize_model(back), serialize_model(m));
    EXPECT_EQ(model_summary(back)["token_prior"]["contexts"].get<std::size_t>(), m.token_prior->contexts());
}

TEST_F(ModelTokenPriorTest, AFileWithoutOneLoadsWithNoneAndAnOldConfigReadsFalse) {
    Model m = small_model();
    m.token_prior.reset();
    EXPECT_FALSE(parse_model(serialize_model(m), "none").token_prior.has_value());
    EXPECT_TRUE(model_summary(m)["token_prior"].is_null());
    const auto old = test::as_older_file(serialize_model(small_model()), "token_prior.", "token_prior");
    const Model loaded = parse_model(old, "old");
    EXPECT_FALSE(loaded.token_prior.has_value());
    EXPECT_FALSE(loaded.config.token_prior) << "its run fitted none, and a resume fits none";
}

TEST_F(ModelTokenPriorTest, ADamagedTokenPriorIsRefusedNamingTheFile) {
    const std::vector<unsigned char> good = serialize_model(small_model());
    const auto replaced = [&](const std::string& name, auto values) {
        return test::rewrite_tensor_file(good, [&](const TensorFile&, const std::string& n, TensorFileWriter& w) {
            if (n != name) return false;
            w.add(n, values);
            return true;
        });
    };
    const TokenPriorTables t = small_model().token_prior->tables();
    std::vector<std::uint16_t> tokens = t.tokens;
    tokens[0] = 4;  // not below K
    std::vector<std::uint32_t> counts = t.counts;
    counts.back() = 0;
    std::vector<std::uint64_t> keys = t.keys;
    std::reverse(keys.begin(), keys.end());
    const std::vector<std::pair<const char*, std::vector<unsigned char>>> damaged = {
        {"token not below K", replaced("token_prior.tokens", tokens)},
        {"zero count", replaced("token_prior.counts", counts)},
        {"keys out of order", replaced("token_prior.keys", keys)},
        {"another K", replaced("token_prior.settings", std::vector<double>{8, 2, 3, 0, 1, 1, 1, 1})},
        {"another class count", replaced("token_prior.settings", std::vector<double>{4, 3, 3, 0, 1, 1, 1, 1})},
        {"a fractional order", replaced("token_prior.settings", std::vector<double>{4, 2, 2.5, 0, 1, 1, 1, 1})},
        {"a tensor missing", test::rewrite_tensor_file(good, [](const TensorFile&, const std::string& n, TensorFileWriter&) {
             return n == "token_prior.offsets";
         })},
    };
    test::expect_refused_naming(damaged, "damaged.lidecm");
}

TEST_F(ModelTokenPriorTest, AFinishedRunFitsOneForItsCodebookAndBestsOwn) {
    test::write_two_class_folder(dir + "/data", 6, 40);
    TrainConfig c = test::tiny_train_config(dir + "/data");
    c.prior_components = 0;  // the patch prior is another test's
    std::vector<std::string> lines;
    TrainEvents events;
    events.on_log = [&](const std::string& line) { lines.push_back(line); };
    train(c, dir + "/run", events);
    const Model m = load_model(dir + "/run/model.lidecm");
    ASSERT_TRUE(m.token_prior.has_value());
    EXPECT_EQ(m.token_prior->codes(), m.codebook->size());
    EXPECT_EQ(m.token_prior->classes(), 2);
    const Model best = load_model(dir + "/run/best.lidecm");
    ASSERT_TRUE(best.token_prior.has_value());
    const bool same_codebook = best.codebook->checksum() == m.codebook->checksum();
    // One fit per codebook: best.lidecm's own unless it is the final codebook.
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("token prior: "); }),
              same_codebook ? 1 : 2)
        << testing::PrintToString(lines);
    if (same_codebook) {
        EXPECT_EQ(best.token_prior->tables().counts, m.token_prior->tables().counts);
    }
    // The prior codes the training grids of its own codebook in fewer bits than K's log2.
    const Dataset data = Dataset::open(c.data, c.dataset);
    double bits = 0, tokens = 0;
    for (const Item& item : data.items(data.uniform_order(0))) {
        const TokenGrid g = encode(*m.codebook, item.image, c.patch_size);
        bits += m.token_prior->bits(g, item.label);
        tokens += double(g.indices.size());
    }
    EXPECT_LT(bits / tokens, std::log2(double(m.codebook->size())));

    c.token_prior = false;
    train(c, dir + "/none", {});
    EXPECT_FALSE(load_model(dir + "/none/model.lidecm").token_prior.has_value());
}

// A finished run trained longer changes its codebook: its token prior is refitted for the
// final one, as an uninterrupted run's is (the same file, byte for byte).
TEST_F(ModelTokenPriorTest, AFinishedRunTrainedLongerRefitsItForTheNewCodebook) {
    test::write_two_class_folder(dir + "/data", 6, 40);
    TrainConfig c = test::tiny_train_config(dir + "/data");
    c.prior_components = 0;
    c.epochs = 2;
    train(c, dir + "/whole", {});
    c.epochs = 1;
    train(c, dir + "/part", {});
    const Model after_one = load_model(dir + "/part/model.lidecm");
    ASSERT_TRUE(after_one.token_prior.has_value());
    (void)resume_training(dir + "/part", {}, 2);
    const Model longer = load_model(dir + "/part/model.lidecm");
    ASSERT_TRUE(longer.token_prior.has_value());
    EXPECT_NE(longer.codebook->checksum(), after_one.codebook->checksum());
    EXPECT_EQ(serialize_model(longer), serialize_model(load_model(dir + "/whole/model.lidecm")));
}

}  // namespace
}  // namespace lidecm
