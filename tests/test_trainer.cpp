// The training loop: outputs, determinism, interruption and resumption, bad input.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "lidecm/error.hpp"
#include "lidecm/tokenizer.hpp"
#include "lidecm/trainer.hpp"
#include "report_fixture.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

class TrainerTest : public ::testing::Test {
protected:
    std::string dir = test::temp_dir("trainer");
    std::string data = dir + "/data";
    void SetUp() override { test::write_two_class_folder(data, 6, 40); }
    void TearDown() override { fs::remove_all(dir); }

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
    EXPECT_EQ(m.learner.loss_history.size(), 9u);  // one global update per batch
    std::size_t class_updates = 0;
    for (const auto& c : m.learner.classes) class_updates += c.loss_history.size();
    EXPECT_EQ(class_updates, 27u);  // one per image
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
    auto write = [&](const std::vector<unsigned char>& b) {
        std::ofstream(dir + "/bad.lidecm", std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                                                  std::streamsize(b.size()));
    };
    auto altered = bytes;
    altered[altered.size() - 10] ^= 0x40;
    write(altered);
    EXPECT_THROW(load_model(dir + "/bad.lidecm"), IoError);
    write(std::vector<unsigned char>(bytes.begin(), bytes.begin() + std::ptrdiff_t(bytes.size() / 2)));
    EXPECT_THROW(load_model(dir + "/bad.lidecm"), IoError);
    EXPECT_THROW(load_model(dir + "/missing.lidecm"), IoError);
}

TEST_F(TrainerTest, UnwritableRunFolderIsAnError) {
    fs::create_directories(dir + "/ro");
    std::ofstream(dir + "/ro/file") << "x";
    EXPECT_THROW(train(config(), dir + "/ro/file/run", {}), IoError);  // a file where a folder should be
}

TEST_F(TrainerTest, ImageSmallerThanOnePatchIsRefused) {
    TrainConfig c = config();
    c.dataset.resolution = 6;  // tiles of 8 do not fit
    EXPECT_THROW(train(c, dir + "/r", {}), InvalidArgument);
}

}  // namespace
}  // namespace lidecm
