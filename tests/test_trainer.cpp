// The training loop: outputs, determinism, interruption and resumption, bad input.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/formats/tensor_file.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/train/trainer.hpp"
#include "model_files.hpp"
#include "report_fixture.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

class TrainerTest : public test::TempFolderTest {
protected:
    TrainerTest() : TempFolderTest("trainer") {}
    std::string data = dir + "/data";
    void SetUp() override { test::write_two_class_folder(data, 6, 40); }

    TrainConfig config() const { return test::tiny_train_config(data); }
    static std::size_t lines(const fs::path& path, const std::string& type) {
        std::ifstream in(path);
        std::size_t n = 0;
        for (std::string line; std::getline(in, line);) {
            const auto parsed = parse_metrics_line(line);
            if (parsed && ((type == "batch" && parsed->batch) || (type == "epoch" && parsed->epoch))) ++n;
        }
        return n;
    }
};

// The learner's paired evaluation runs on every learner_every-th batch (the first included),
// and on no other: 9 batches at 4 are batches 0, 4 and 8; at 1 all nine.
TEST_F(TrainerTest, TheLearnersPairedEvaluationRunsOnEveryKthBatch) {
    for (const auto& [every, updates] : {std::pair{4, 3U}, std::pair{1, 9U}}) {
        TrainConfig c = config();
        c.learner_every = every;
        const TrainResult r = train(c, dir + "/every" + std::to_string(every), {});
        ASSERT_EQ(r.model.progress.step, 9U);
        EXPECT_EQ(r.model.learner.paired_updates, updates) << every;
        EXPECT_EQ(load_model(dir + "/every" + std::to_string(every) + "/model.lidecm").config.learner_every, every);
    }
    TrainConfig bad = config();
    bad.learner_every = 0;
    EXPECT_THROW(bad.validate(), InvalidArgument);
}

TEST_F(TrainerTest, WritesModelMetricsAndSamples) {
    std::vector<std::string> logs;
    std::size_t batches_seen = 0;
    TrainEvents events;
    events.on_batch = [&](const BatchMetrics& m, std::uint64_t batches) {
        ++batches_seen;
        EXPECT_EQ(batches, 3u);  // 9 training images in batches of 3
        EXPECT_GT(m.psnr_token, 5.0);
        EXPECT_GE(m.usage, 0.0);
        EXPECT_LE(m.usage, 1.0);
        EXPECT_NEAR(m.attention.texture + m.attention.structure + m.attention.color + m.attention.spatial, 1.0, 1e-9);
    };
    events.on_log = [&](const std::string& line) { logs.push_back(line); };
    const RunFiles files{dir + "/run"};
    const TrainResult r = train(config(), files.dir, events);
    EXPECT_FALSE(r.interrupted);
    EXPECT_EQ(batches_seen, 9u);
    EXPECT_EQ(lines(files.metrics(), "batch"), 9u);
    EXPECT_EQ(lines(files.metrics(), "epoch"), 3u);
    EXPECT_TRUE(fs::exists(files.samples()));
    EXPECT_TRUE(fs::exists(files.best()));
    const Model m = load_model(files.model());
    EXPECT_EQ(m.progress.epoch, 3);
    EXPECT_TRUE(m.progress.finished);
    EXPECT_EQ(m.progress.step, 9u);
    EXPECT_EQ(m.class_names, (std::vector<std::string>{"smooth", "texture"}));
    EXPECT_EQ(m.learner.classes.size(), 2u);
    EXPECT_EQ(m.learner.loss_history.size(), 2u);  // a paired update on batches 0 and 8 (learner_every 8)
    EXPECT_EQ(m.learner.paired_updates, 2u);
    EXPECT_EQ(m.learner.head_stats.count, 27.0);  // every scored image observed
    std::size_t class_updates = 0;
    for (const auto& c : m.learner.classes) class_updates += c.loss_history.size();
    EXPECT_EQ(class_updates, 0u);  // the seed's per-class rule belongs to --learner seed
    const EMParameterLearner start(m.config.learner);
    EXPECT_NE(m.learner.theta, start.state().theta) << "the paired updates moved the heads' parameters";
    EXPECT_GT(r.last_epoch.val_psnr_token, 10.0);
    EXPECT_EQ(r.last_epoch.validation_images, 3u);
    // The saved codebook tokenizes like the trained one.
    const Image img = test::gradient(32, 32, 3);
    EXPECT_EQ(encode(*m.codebook, img, 8).indices, encode(*r.model.codebook, img, 8).indices);
}

TEST_F(TrainerTest, BadFilesAreSkippedAndLoggedNeverReplaced) {
    std::ofstream(data + "/smooth/broken.png") << "not a png";
    std::vector<std::string> logs;
    TrainEvents events;
    events.on_log = [&](const std::string& line) { logs.push_back(line); };
    const TrainResult r = train(config(), dir + "/run", events);
    ASSERT_GE(logs.size(), 2u);
    EXPECT_EQ(logs[0], "skipped 1 file(s) of the dataset:");
    EXPECT_NE(logs[1].find("broken.png"), std::string::npos) << logs[1];
    EXPECT_EQ(r.model.progress.images, 27u);  // still the 12 good images: 9 train × 3 epochs
}

TEST_F(TrainerTest, SameSeedSameModelFile) {
    train(config(), dir + "/a", {});
    train(config(), dir + "/b", {});
    EXPECT_EQ(test::read_file(dir + "/a/model.lidecm"), test::read_file(dir + "/b/model.lidecm"));
    TrainConfig other = config();
    other.seed = 99;
    train(other, dir + "/c", {});
    EXPECT_NE(test::read_file(dir + "/a/model.lidecm"), test::read_file(dir + "/c/model.lidecm"));
}

TEST_F(TrainerTest, InterruptedAndResumedEqualsUninterrupted) {
    train(config(), dir + "/whole", {});
    // Stop after 2 batches (mid-epoch), then after 2 more (at an epoch end), then finish.
    int batches = 0, stop_at = 2;
    TrainEvents events;
    events.on_batch = [&](const BatchMetrics&, std::uint64_t) { ++batches; };
    events.stop_requested = [&] { return batches >= stop_at; };
    const TrainResult first = train(config(), dir + "/parts", events);
    EXPECT_TRUE(first.interrupted);
    EXPECT_EQ(load_model(dir + "/parts/model.lidecm").progress.batch, 2u);
    stop_at = 5;
    EXPECT_TRUE(resume_training(dir + "/parts", events).interrupted);
    stop_at = 1000;
    EXPECT_FALSE(resume_training(dir + "/parts", events).interrupted);
    EXPECT_EQ(batches, 9);
    EXPECT_EQ(test::read_file(dir + "/whole/model.lidecm"), test::read_file(dir + "/parts/model.lidecm"));
    EXPECT_EQ(lines(dir + "/parts/metrics.jsonl", "batch"), 9u);
    EXPECT_EQ(lines(dir + "/parts/metrics.jsonl", "epoch"), 3u);
}

TEST_F(TrainerTest, ResumeTrimsMetricsLinesTheCheckpointDoesNotKnow) {
    int batches = 0;
    TrainEvents events;
    events.on_batch = [&](const BatchMetrics&, std::uint64_t) { ++batches; };
    events.stop_requested = [&] { return batches >= 4; };
    train(config(), dir + "/run", events);
    {   // a killed run may leave later lines and a line cut mid-write
        std::ofstream out(dir + "/run/metrics.jsonl", std::ios::app);
        out << R"({"type":"batch","step":99,"epoch":1})" << "\n" << R"({"type":"batch","st)";
    }
    resume_training(dir + "/run", {});
    EXPECT_EQ(lines(dir + "/run/metrics.jsonl", "batch"), 9u);
}

TEST_F(TrainerTest, LongerRunsContinueFromAFinishedOne) {
    train(config(), dir + "/run", {});
    const TrainResult more = resume_training(dir + "/run", {}, 4);
    EXPECT_EQ(more.model.progress.epoch, 4);
    EXPECT_EQ(more.model.progress.step, 12u);
    EXPECT_THROW(resume_training(dir + "/run", {}, 2), InvalidArgument);
}

TEST_F(TrainerTest, BadInputGetsClearErrors) {
    TrainConfig c = config();
    c.batch_size = 0;
    EXPECT_THROW(train(c, dir + "/r0", {}), InvalidArgument);
    c = config();
    c.codebook.num_codes = 1;
    EXPECT_THROW(train(c, dir + "/r1", {}), InvalidArgument);
    c = config();
    c.codebook.num_codes = 4096;  // more codewords than the tiles to start from
    try {
        train(c, dir + "/r2", {});
        FAIL() << "no error";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("codes"), std::string::npos) << e.what();
    }
    c = config();
    c.data = dir + "/no_such_folder";
    EXPECT_THROW(train(c, dir + "/r3", {}), IoError);
    EXPECT_THROW(resume_training(dir + "/nothing_here", {}), IoError);
    train(config(), dir + "/r4", {});
    EXPECT_THROW(train(config(), dir + "/r4", {}), IoError);  // holds a run already
    EXPECT_NO_THROW(train(config(), dir + "/r4", {}, true));
}

TEST_F(TrainerTest, AlteredOrTruncatedModelIsRefused) {
    train(config(), dir + "/run", {});
    auto bytes = test::read_file(dir + "/run/model.lidecm");
    auto altered = bytes;
    altered[altered.size() - 10] ^= 0x40;
    write("bad.lidecm", altered);
    EXPECT_THROW(load_model(dir + "/bad.lidecm"), IoError);
    write("bad.lidecm", std::vector<unsigned char>(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 2)));
    EXPECT_THROW(load_model(dir + "/bad.lidecm"), IoError);
    EXPECT_THROW(load_model(dir + "/missing.lidecm"), IoError);
}

TEST_F(TrainerTest, UnwritableRunFolderIsAnError) {
    fs::create_directories(dir + "/ro");
    std::ofstream(dir + "/ro/file") << "x";
    EXPECT_THROW(train(config(), dir + "/ro/file/run", {}), IoError);  // a file where a folder should be
}

// A model file as lidecm wrote it before refinement was selectable: the same
// tensors, but run.json without "quant_rms" and without config.refine.
std::vector<unsigned char> as_written_before_refiners(std::vector<unsigned char> bytes) {
    const auto edit = [](const TensorFile& f, const std::string& name, TensorFileWriter& w) {
        if (name != "run.json") return false;
        const auto text = f.get<std::uint8_t>(name);
        nlohmann::json run = nlohmann::json::parse(text.begin(), text.end());
        run.erase("quant_rms");
        run["config"].erase("refine");
        run["config"]["learner"]["initial"] = training_learner_options(Refiner::graph).initial;  // such a run's start
        const std::string edited = run.dump();
        w.add(name, std::vector<std::uint8_t>(edited.begin(), edited.end()));
        return true;
    };
    return test::rewrite_tensor_file(std::move(bytes), edit, {"quant_rms"});
}

TEST_F(TrainerTest, ModelKeepsItsQuantisationLevel) {
    const TrainResult r = train(config(), dir + "/run", {});
    const Model m = load_model(dir + "/run/model.lidecm");
    // The level of the last epoch: the validation images' RMS token error.
    EXPECT_GT(m.quant_rms, 0.0);
    EXPECT_EQ(m.quant_rms, r.last_epoch.refine_level);
    EXPECT_EQ(refine_level(m), m.quant_rms);
    Model changed = m;
    changed.quant_rms = 0.0421;
    EXPECT_EQ(parse_model(serialize_model(changed), "changed").quant_rms, 0.0421);
    changed.quant_rms = -1.0;
    EXPECT_THROW(parse_model(serialize_model(changed), "negative"), IoError);
    EXPECT_EQ(m.config.refine.refiner, Refiner::collaborative);  // the default
}

TEST_F(TrainerTest, OldModelFileWithoutLevelOrRefinerStillLoads) {
    train(config(), dir + "/run", {});
    const Model now = load_model(dir + "/run/model.lidecm");
    const Model old = parse_model(as_written_before_refiners(test::read_file(dir + "/run/model.lidecm")), "old");
    EXPECT_EQ(old.quant_rms, 0.0);
    EXPECT_EQ(refine_level(old), kFallbackQuantRms);
    // It refines (and would resume) as it did when written: the graph refiner, no pull-back.
    EXPECT_EQ(old.config.refine.refiner, Refiner::graph);
    EXPECT_FALSE(old.config.refine.keep_codewords);
    EXPECT_EQ(old.config.learner.initial.sigma, training_learner_options(Refiner::graph).initial.sigma);
    EXPECT_EQ(old.codebook->values(), now.codebook->values());
    EXPECT_EQ(old.progress.step, now.progress.step);
}

TEST(LearnerVariants, NamesSetModeRuleAndHeads) {
    for (const std::string name : {"attention", "plain", "seed", "fixed"}) {
        TrainConfig c;
        select_learner(c, name);
        EXPECT_EQ(learner_variant(c), name);
        EXPECT_EQ(c.learner.rule == LearnerRule::seed, name == "seed") << name;
        if (c.learner.rule == LearnerRule::risk) {
            EXPECT_EQ(c.learner.risk.heads, name == "attention") << name;
        }
    }
    TrainConfig c;
    EXPECT_EQ(learner_variant(c), "attention");  // the default
    try {
        select_learner(c, "sed", "--learner");
        FAIL() << "no error";
    } catch (const InvalidArgument& e) {
        EXPECT_NE(std::string(e.what()).find("--learner"), std::string::npos);
    }
}

TEST_F(TrainerTest, GraphRefinerGivesTheSeedsResults) {
    TrainConfig c = config();
    select_refiner(c, Refiner::graph);
    select_learner(c, "seed");
    EXPECT_EQ(c.learner.initial.sigma, 0.10);  // training's graph start since before the collaborative refiner
    const TrainResult r = train(c, dir + "/run", {});
    const Model m = load_model(dir + "/run/model.lidecm");
    EXPECT_EQ(m.config.refine.refiner, Refiner::graph);
    // Validation by hand with the seed's denoiser and the learned per-class parameters.
    DatasetOptions split = c.dataset;
    split.seed = c.seed;  // as training opens it
    const Dataset data = Dataset::open(c.data, split);
    const EMParameterLearner learner = m.make_learner();
    const std::vector<std::size_t> ids = data.validation_sample(c.validation_images);
    ASSERT_FALSE(ids.empty());
    double refined = 0;
    for (std::size_t id : ids) {
        const Item item = data.item(id);
        const Image token = decode(*m.codebook, encode(*m.codebook, item.image, c.patch_size));
        refined += std::min(100.0, psnr(denoise(token, learner.get_parameters(item.label)).image, item.image));
    }
    EXPECT_DOUBLE_EQ(r.last_epoch.val_psnr_refined, refined / double(ids.size()));
    // The collaborative default refines differently (so the comparison above can tell them apart).
    const TrainResult collab = train(config(), dir + "/collab", {});
    EXPECT_NE(collab.last_epoch.val_psnr_refined, r.last_epoch.val_psnr_refined);
}

TEST_F(TrainerTest, ImageSmallerThanOnePatchIsRefused) {
    TrainConfig c = config();
    c.dataset.resolution = 6;  // tiles of 8 do not fit
    EXPECT_THROW(train(c, dir + "/r", {}), InvalidArgument);
}

}  // namespace
}  // namespace lidecm
