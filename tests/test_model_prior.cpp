// The patch prior in model files and training (issue 22): it round-trips bit for bit, files
// without one still load, a damaged one is refused naming the file, and a finished run
// fits one of the asked size.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/report/report.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/train/trainer.hpp"
#include "model_files.hpp"
#include "report_fixture.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {

class ModelPriorTest : public test::TempFolderTest {
protected:
    ModelPriorTest() : TempFolderTest("model_prior") {}
};

constexpr int kPatch = 2, kChannels = 3, kDim = kPatch * kPatch * kChannels;

// A model of 2×2×3 tiles with a random codebook and a 3-Gaussian prior fitted to random
// patches: what serialisation needs, without a training run.
Model small_model() {
    Model m;
    m.config.patch_size = kPatch;
    m.config.codebook.num_codes = 4;
    m.learner = EMParameterLearner(m.config.learner).state();
    RandomStream rng{7};
    std::vector<float> values(std::size_t(4 * kDim)), patches(std::size_t(300 * kDim));
    for (float& v : values) v = float(rng.uniform());
    for (float& v : patches) v = float(rng.uniform());
    m.codebook = Codebook(4, kDim, values);
    PatchPriorOptions o;
    o.components = 3;
    o.iterations = 5;
    m.prior = fit_patch_prior(patches.data(), 300, kPatch, kChannels, o).prior;
    return m;
}

// small_model() with two classes, each with its own 2-Gaussian prior, and the attention.
Model with_class_priors() {
    Model m = small_model();
    m.class_names = {"a", "b"};
    m.config.learner.num_classes = 2;
    m.learner = EMParameterLearner(m.config.learner).state();
    ClassPriors cp;
    RandomStream rng{8};
    for (int c = 0; c < 2; ++c) {
        std::vector<float> patches(std::size_t(200 * kDim));
        for (float& v : patches) v = float(rng.uniform()) * float(c + 1);
        PatchPriorOptions o;
        o.components = 2;
        o.iterations = 3;
        cp.priors.push_back(fit_patch_prior(patches.data(), 200, kPatch, kChannels, o).prior);
    }
    cp.attention = fit_prior_attention({{0.1, 0.2, 0.3, 0.4}, {0.5, 0.1, 0.2, 0.6}, {0.3, 0.3, 0.1, 0.5}}, {0, 1, 1}, 2);
    m.class_priors = std::move(cp);
    m.denoising = LearnedDenoising{};
    m.denoising->prior_tau = 1.0;
    return m;
}

bool bit_equal(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// `bytes` with the F64 tensor `name`'s values changed by `change` (its shape kept).
std::vector<unsigned char> with_prior_values(std::vector<unsigned char> bytes, const std::string& name,
                                             const std::function<void(std::vector<double>&)>& change) {
    return test::rewrite_tensor_file(std::move(bytes), [&](const TensorFile& f, const std::string& n, TensorFileWriter& w) {
        if (n != name) return false;
        std::vector<double> v = f.get<double>(n);
        change(v);
        w.add(n, v, f.info(n).shape);
        return true;
    });
}

TEST_F(ModelPriorTest, RoundTripKeepsThePriorBitForBit) {
    const Model m = small_model();
    save_model(m, path("m.lidecm"));
    const Model back = load_model(path("m.lidecm"));
    ASSERT_TRUE(back.prior.has_value());
    EXPECT_EQ(back.prior->patch_size(), kPatch);
    EXPECT_EQ(back.prior->channels(), kChannels);
    EXPECT_EQ(back.prior->mean_removed(), m.prior->mean_removed());
    ASSERT_EQ(back.prior->size(), 3);
    for (int k = 0; k < 3; ++k) {
        const GaussianComponent& a = m.prior->components()[std::size_t(k)];
        const GaussianComponent& b = back.prior->components()[std::size_t(k)];
        EXPECT_TRUE(bit_equal({a.weight}, {b.weight})) << k;
        EXPECT_TRUE(bit_equal(a.mean, b.mean)) << k;
        EXPECT_TRUE(bit_equal(a.eigenvalues, b.eigenvalues)) << k;
        EXPECT_TRUE(bit_equal(a.eigenvectors, b.eigenvectors)) << k;
    }
    // Saving what was loaded writes the same file.
    EXPECT_EQ(serialize_model(back), serialize_model(m));
    // What the prior adds to the file: at least its values, 8 bytes each.
    EXPECT_GE(prior_file_bytes(m), std::size_t(8 * 3 * (1 + 2 * kDim + kDim * kDim)));
    EXPECT_EQ(model_summary(back)["prior"]["components"], 3);
}

TEST_F(ModelPriorTest, ClassPriorsAndTheirAttentionRoundTrip) {
    const Model m = with_class_priors();
    const Model back = parse_model(serialize_model(m), "m");
    ASSERT_TRUE(back.class_priors.has_value());
    ASSERT_EQ(back.class_priors->priors.size(), 2U);
    for (std::size_t c = 0; c < 2; ++c) {
        EXPECT_TRUE(bit_equal(back.class_priors->priors[c].components()[1].eigenvectors,
                              m.class_priors->priors[c].components()[1].eigenvectors));
        EXPECT_EQ(back.class_priors->attention.keys[c], m.class_priors->attention.keys[c]);
    }
    EXPECT_EQ(back.class_priors->attention.mean, m.class_priors->attention.mean);
    EXPECT_EQ(back.class_priors->attention.scale, m.class_priors->attention.scale);
    EXPECT_EQ(back.denoising->prior_tau, 1.0);
    EXPECT_EQ(serialize_model(back), serialize_model(m));
    // The class priors count in what the priors add to the file.
    Model pooled_only = m;
    pooled_only.class_priors.reset();
    EXPECT_GE(prior_file_bytes(m), prior_file_bytes(pooled_only) + std::size_t(8 * 2 * 2 * kDim * kDim));
    const nlohmann::json summary = model_summary(back)["prior"]["classes"];
    ASSERT_EQ(summary.size(), 2U);
    EXPECT_EQ(summary[1]["name"], "b");
    EXPECT_EQ(summary[1]["components"], 2);
}

TEST_F(ModelPriorTest, DamagedClassPriorsAreRefusedNamingTheFile) {
    const std::vector<unsigned char> good = serialize_model(with_class_priors());
    Model no_classes = with_class_priors();
    no_classes.class_priors.reset();  // but its denoising still mixes them
    const std::vector<std::pair<const char*, std::vector<unsigned char>>> damaged = {
        {"NaN key", with_prior_values(good, "prior_attention", [](auto& v) { v[9] = std::numeric_limits<double>::quiet_NaN(); })},
        {"zero scale", with_prior_values(good, "prior_attention", [](auto& v) { v[5] = 0.0; })},
        {"a class prior missing",
         test::rewrite_tensor_file(good, [](const TensorFile&, const std::string& n, TensorFileWriter&) {
             return n.starts_with("class_prior.1.");
         })},
        {"no pooled prior", test::rewrite_tensor_file(good, [](const TensorFile&, const std::string& n, TensorFileWriter&) {
             return n.starts_with("prior.");
         })},
        {"tau without class priors", serialize_model(no_classes)},
    };
    test::expect_refused_naming(damaged, "damaged.lidecm");
}

TEST_F(ModelPriorTest, AFileWithoutAPriorLoadsWithNone) {
    Model m = small_model();
    m.prior.reset();
    EXPECT_FALSE(parse_model(serialize_model(m), "none").prior.has_value());
    EXPECT_EQ(prior_file_bytes(m), 0U);
    EXPECT_TRUE(model_summary(m)["prior"].is_null());
    // As written before priors existed: no prior tensors and no prior_components in the config.
    const auto old = test::as_older_file(serialize_model(small_model()), "prior.", "prior_components");
    const Model loaded = parse_model(old, "old");
    EXPECT_FALSE(loaded.prior.has_value());
    EXPECT_EQ(loaded.config.prior_components, 0);  // its run fitted none, and a resume fits none
}

TEST_F(ModelPriorTest, ADamagedPriorIsRefusedNamingTheFile) {
    const std::vector<unsigned char> good = serialize_model(small_model());
    const std::vector<std::pair<const char*, std::vector<unsigned char>>> damaged = {
        {"negative eigenvalue", with_prior_values(good, "prior.eigenvalues", [](auto& v) { v[5] = -v[5]; })},
        {"weights off 1", with_prior_values(good, "prior.weights", [](auto& v) { v[0] += 0.25; })},
        {"NaN mean", with_prior_values(good, "prior.means", [](auto& v) { v[2] = std::numeric_limits<double>::quiet_NaN(); })},
        {"a tensor missing",
         test::rewrite_tensor_file(good, [](const TensorFile&, const std::string& n, TensorFileWriter&) {
             return n == "prior.eigenvectors";
         })},
        {"wrong channels", test::rewrite_tensor_file(good, [](const TensorFile&, const std::string& n, TensorFileWriter& w) {
             if (n != "prior.layout") return false;
             w.add(n, std::vector<std::int64_t>{kPatch * 2, 1, 1});
             return true;
         })},
    };
    for (const auto& [what, bytes] : damaged) {
        write("damaged.lidecm", bytes);
        try {
            (void)load_model(path("damaged.lidecm"));
            ADD_FAILURE() << what << ": loaded";
        } catch (const IoError& e) {
            EXPECT_NE(std::string(e.what()).find(path("damaged.lidecm")), std::string::npos) << what << ": " << e.what();
        }
    }
}

TEST_F(ModelPriorTest, AFinishedRunFitsThePriorItWasAskedFor) {
    test::write_two_class_folder(dir + "/data", 6, 40);
    TrainConfig c = test::tiny_train_config(dir + "/data");
    c.prior_components = 3;
    c.prior_iterations = 10;
    c.class_priors = kDefaultClassPriorsUpTo;
    std::vector<std::string> lines;
    TrainEvents events;
    events.on_log = [&](const std::string& line) { lines.push_back(line); };
    const TrainResult r = train(c, dir + "/run", events);
    const Model m = load_model(dir + "/run/model.lidecm");
    ASSERT_TRUE(m.prior.has_value());
    EXPECT_EQ(m.prior->size(), 3);
    EXPECT_EQ(m.prior->dim(), c.patch_size * c.patch_size * 3);
    EXPECT_EQ(m.prior->patch_size(), c.patch_size);
    ASSERT_TRUE(r.model.prior.has_value());
    EXPECT_EQ(serialize_model(r.model), serialize_model(m));
    // best.lidecm, saved at its own epoch, gets the same prior.
    const Model best = load_model(dir + "/run/best.lidecm");
    ASSERT_TRUE(best.prior.has_value());
    EXPECT_EQ(best.prior->components()[0].eigenvectors, m.prior->components()[0].eigenvectors);
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("patch prior: 3 Gaussians"); }), 1)
        << testing::PrintToString(lines);
    // The denoising settings were measured on training images, and saved with the prior.
    ASSERT_TRUE(m.denoising.has_value());
    EXPECT_GT(m.denoising->images, 0);
    EXPECT_TRUE(std::isfinite(m.denoising->gain_db));
    EXPECT_EQ(m.denoising->global_candidates, m.denoising->gain_db > kLearnedGainThresholdDb ? kLearnedGlobalCandidates : 0);
    ASSERT_TRUE(best.denoising.has_value());
    EXPECT_EQ(best.denoising->gain_db, m.denoising->gain_db);

    // The two classes got a prior each, and training chose among the pooled prior and their mixtures.
    ASSERT_TRUE(m.class_priors.has_value());
    ASSERT_EQ(m.class_priors->priors.size(), 2U);
    EXPECT_EQ(m.class_priors->priors[1].size(), 3);
    EXPECT_EQ(m.class_priors->attention.keys.size(), 2U);
    EXPECT_NE(m.class_priors->attention.keys[0], m.class_priors->attention.keys[1]);  // smooth gradients vs noise
    EXPECT_TRUE(m.denoising->prior_tau < 0 || std::count(kPriorAttentionTaus.begin(), kPriorAttentionTaus.end(),
                                                         m.denoising->prior_tau) == 1);
    EXPECT_GE(m.denoising->prior_gain_db, m.denoising->pooled_gain_db);
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(), [](const std::string& l) { return l.starts_with("prior of class texture: 3 Gaussians"); }), 1)
        << testing::PrintToString(lines);
    ASSERT_TRUE(best.class_priors.has_value());
    EXPECT_EQ(best.class_priors->attention.keys, m.class_priors->attention.keys);
    const std::string html = run_report_html(dir + "/run");
    EXPECT_NE(html.find("One prior per class, mixed per image by attention"), std::string::npos);
    EXPECT_NE(html.find("<tr><td>texture</td><td class=\"n\">3</td>"), std::string::npos);

    c.class_priors = 1;  // fewer than the set's classes: the pooled prior alone, and the log says why
    lines.clear();
    train(c, dir + "/pooled", events);
    EXPECT_FALSE(load_model(dir + "/pooled/model.lidecm").class_priors.has_value());
    EXPECT_EQ(std::count(lines.begin(), lines.end(), "no class priors: 2 classes, more than --class-priors 1"), 1)
        << testing::PrintToString(lines);

    c.prior_components = 0;
    train(c, dir + "/none", {});
    EXPECT_FALSE(load_model(dir + "/none/model.lidecm").prior.has_value());
    EXPECT_FALSE(load_model(dir + "/none/model.lidecm").denoising.has_value());
}

// A run killed while fitting its prior left a finished checkpoint without one: --resume fits it.
TEST_F(ModelPriorTest, ResumingAFinishedRunWithoutItsPriorFitsIt) {
    test::write_two_class_folder(dir + "/data", 6, 40);
    TrainConfig c = test::tiny_train_config(dir + "/data");
    c.prior_components = 2;
    c.prior_iterations = 5;
    train(c, dir + "/run", {});
    const std::vector<unsigned char> whole = test::read_file(dir + "/run/model.lidecm");
    Model cut = load_model(dir + "/run/model.lidecm");
    cut.prior.reset();  // as the last checkpoint before the priors were fitted
    cut.class_priors.reset();
    cut.denoising.reset();
    save_model(cut, dir + "/run/model.lidecm");
    const TrainResult r = resume_training(dir + "/run", {});
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(test::read_file(dir + "/run/model.lidecm"), whole);
}

}  // namespace
}  // namespace lidecm
