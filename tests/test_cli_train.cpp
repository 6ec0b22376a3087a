// `train`, `tokenize`, `detokenize` and `info` as a user runs them.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/codebook/token_refine.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

class CliTrain : public test::TempFolderTest {
protected:
    CliTrain() : TempFolderTest("cli_train") {}
    std::string data = dir + "/data";
    void SetUp() override { test::write_two_class_folder(data, 5, 36); }
    test::CliRun run(const std::string& args) const { return test::run_cli(args, dir); }
    /// A small run; `class_priors` "" fits them (the default) for the two classes.
    std::string small_run(const std::string& class_priors = " --class-priors 0") const {
        return "train --data " + data +
               " --resolution 32 --codes 16 --epochs 2 --batch-size 4 --init-images 4 -q --prior-components 2 "
               "--prior-iterations 3" + class_priors;
    }
};

TEST_F(CliTrain, TrainTokenizeDetokenizeInfo) {
    const auto t = run(small_run("") + " --out " + dir + "/run");
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_NE(t.out.find("trained: 2/2 epochs"), std::string::npos) << t.out;
    EXPECT_NE(t.out.find("validation PSNR token"), std::string::npos) << t.out;
    for (const char* f : {"model.lidecm", "best.lidecm", "metrics.jsonl", "samples.png", "report.html"}) {
        EXPECT_TRUE(fs::exists(dir + "/run/" + f)) << f;
    }
    const std::string model = dir + "/run/model.lidecm";
    const auto report = run("report " + dir + "/run -o " + dir + "/r.html");
    ASSERT_EQ(report.status, 0) << report.err;
    EXPECT_NE(report.out.find("10 charts from 6 batch and 2 epoch lines"), std::string::npos) << report.out;
    EXPECT_GT(fs::file_size(dir + "/r.html"), 1000u);
    const auto info = run("info " + model);
    ASSERT_EQ(info.status, 0) << info.err;
    EXPECT_NE(info.out.find("K = 16 codewords of 8 x 8 x 3"), std::string::npos) << info.out;
    EXPECT_NE(info.out.find("texture"), std::string::npos) << info.out;  // a class name
    EXPECT_NE(info.out.find("prior: 2 Gaussians of 8 x 8 x 3 patches (dim 192, means removed)"), std::string::npos)
        << info.out;  // the default, fitted when the run finished
    EXPECT_NE(info.out.find("class priors: 2, mixed per image by attention (smooth 2, texture 2 Gaussians)"),
              std::string::npos) << info.out;
    EXPECT_NE(info.out.find("denoise --model: whole-image patch groups "), std::string::npos) << info.out;
    const auto info_json = run("info --json " + model);
    const auto j = nlohmann::json::parse(info_json.out);
    EXPECT_EQ(j["type"], "model");
    EXPECT_EQ(j["classes"].size(), 2u);
    EXPECT_EQ(j["progress"]["epoch"], 2);

#ifdef LIDECM_PYTHON
    {   // An independent reader (Python standard library only) reads the saved model.
        const std::string cmd = std::string(LIDECM_PYTHON) + " " + LIDECM_PY_READER + " " + model + " >" + dir +
                                "/py.out 2>&1";
        EXPECT_EQ(std::system(cmd.c_str()), 0) << test::slurp(dir + "/py.out");
        EXPECT_NE(test::slurp(dir + "/py.out").find("model: K = 16, 2 classes, epoch 2"), std::string::npos)
            << test::slurp(dir + "/py.out");
    }
#endif

    save_image(test::colour_blobs(30, 44), dir + "/photo.png");  // not a multiple of 8
    const auto tok = run("tokenize --model " + model + " " + dir + "/photo.png -o " + dir + "/photo.tok");
    ASSERT_EQ(tok.status, 0) << tok.err;
    const auto tinfo = run("info " + dir + "/photo.tok");
    EXPECT_NE(tinfo.out.find("44 x 30 image"), std::string::npos) << tinfo.out;
    EXPECT_NE(tinfo.out.find("6 x 4 tiles"), std::string::npos) << tinfo.out;
    EXPECT_NE(tinfo.out.find("0.073 bits per pixel"), std::string::npos) << tinfo.out;  // 24 tiles × 4 bits / 1,320 px
    const auto det = run("detokenize --model " + model + " " + dir + "/photo.tok -o " + dir + "/back.png");
    ASSERT_EQ(det.status, 0) << det.err;
    const Image back = load_image(dir + "/back.png");
    EXPECT_EQ(back.height, 30);
    EXPECT_EQ(back.width, 44);
    EXPECT_EQ(run("detokenize --refine --model " + model + " " + dir + "/photo.tok -o " + dir + "/ref.png").status, 0);

    // Tokens of one model are refused by another.
    ASSERT_EQ(run(small_run() + " --seed 7 --out " + dir + "/other").status, 0);
    const auto wrong = run("detokenize --model " + dir + "/other/model.lidecm " + dir + "/photo.tok -o " + dir + "/x.png");
    EXPECT_EQ(wrong.status, 1);
    EXPECT_NE(wrong.err.find("another codebook"), std::string::npos) << wrong.err;
    EXPECT_FALSE(fs::exists(dir + "/x.png"));
}

TEST_F(CliTrain, DetokenizeRefinesWithTheModelsRefiner) {
    save_image(test::colour_blobs(40, 48), dir + "/photo.png");
    std::vector<Image> refined;
    for (const std::string refiner : {"graph", "collaborative"}) {
        SCOPED_TRACE(refiner);
        const std::string out = dir + "/" + refiner;
        const auto t = run(small_run() + " --refiner " + refiner + " --out " + out);
        ASSERT_EQ(t.status, 0) << t.err;
        const auto info = run("info " + out + "/model.lidecm");
        EXPECT_NE(info.out.find("refinement: " + std::string(refiner == "graph" ? "graph" : "collaborative at")),
                  std::string::npos) << info.out;
        ASSERT_EQ(run("tokenize --model " + out + "/model.lidecm " + dir + "/photo.png -o " + out + "/p.tok").status, 0);
        const auto det = run("detokenize --refine --model " + out + "/model.lidecm " + out + "/p.tok -o " + out + "/r.png");
        ASSERT_EQ(det.status, 0) << det.err;
        // The library's refinement with the model's refiner, learned parameters and level.
        const Model m = load_model(out + "/model.lidecm");
        EXPECT_EQ(nlohmann::json(m.config.refine.refiner).get<std::string>(), refiner);
        const Image token = decode(*m.codebook, encode(*m.codebook, load_image(dir + "/photo.png"), 8));
        const GraphParams learned = m.make_learner().image_parameters(token, 8);
        const RefineOptions o = learner_mapped(m.config.refine, learned, m.config.learner.initial);
        save_image(refine_tokens(token, *m.codebook, 8, o, refine_level(m), learned).image, out + "/lib.png");
        EXPECT_EQ(load_image(out + "/r.png").data, load_image(out + "/lib.png").data);
        refined.push_back(load_image(out + "/r.png"));
    }
    EXPECT_NE(refined[0].data, refined[1].data);
    const auto bad = run(small_run() + " --refiner median --out " + dir + "/bad");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("--refiner"), std::string::npos) << bad.err;
}

TEST_F(CliTrain, TrainsOnTilesOfTheImages) {
    const auto t = run("train --data " + data + " --tiles --resolution 16 --codes 16 --epochs 1 --batch-size 8 "
                       "--init-images 8 -q" + test::kSmallPriorFlags + " --out " + dir + "/tiles");
    ASSERT_EQ(t.status, 0) << t.err;
    const auto info = run("info --json " + dir + "/tiles/model.lidecm");
    ASSERT_EQ(info.status, 0) << info.err;
    const auto j = nlohmann::json::parse(info.out);
    EXPECT_EQ(j["config"]["dataset"]["tiles"], true);
    // 42 tiles (2 x 2 per image, 2 x 3 for the 48 px wide one); one 4-tile image held out
    EXPECT_EQ(j["progress"]["images"], 38);
    const auto text = run("info " + dir + "/tiles/model.lidecm").out;
    EXPECT_NE(text.find("at 16 x 16 (tiles)"), std::string::npos) << text;
    EXPECT_EQ(text.find("one class"), std::string::npos) << text;  // two classes: per-class parameters in use

    // One image, one class: its 4 tiles train and validate (no other image to hold out).
    const auto one = run("train --data " + data + "/smooth/0.png --tiles --resolution 16 --codes 4 --epochs 1 "
                         "--init-images 4 --cache-mb 0" + test::kSmallPriorFlags + " --out " + dir + "/one");
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_NE((one.out + one.err).find("1 of 1 image files in 4 tiles of 16x16, 1 class(es)"), std::string::npos)
        << one.out << one.err;
    const auto one_info = run("info " + dir + "/one/model.lidecm").out;
    EXPECT_NE(one_info.find("one class: refinement uses the global sigma and tau"), std::string::npos) << one_info;
}

TEST_F(CliTrain, CtrlCSavesAndResumeFinishes) {
    test::write_two_class_folder(dir + "/more", 30, 36);
    const std::string out = dir + "/run";
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const std::string log = dir + "/train.log";
        freopen(log.c_str(), "w", stdout);
        freopen((dir + "/train.err").c_str(), "w", stderr);
        execl(LIDECM_CLI_PATH, "lidecm", "train", "--data", (dir + "/more").c_str(), "--resolution", "32", "--codes",
              "16", "--epochs", "50", "--batch-size", "2", "--init-images", "4", "--prior-components", "2",
              "--prior-iterations", "3", "--class-priors", "0", "--out", out.c_str(), nullptr);
        _exit(127);
    }
    // Wait for a few batches, then press Ctrl-C.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (test::slurp(out + "/metrics.jsonl").size() < 2000 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(child, SIGINT);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by a signal";
    EXPECT_EQ(WEXITSTATUS(status), 130) << test::slurp(dir + "/train.err");
    EXPECT_NE(test::slurp(dir + "/train.log").find("resume with: lidecm train --resume"), std::string::npos);
    const Model saved = load_model(out + "/model.lidecm");
    EXPECT_FALSE(saved.progress.finished);
    EXPECT_GT(saved.progress.step, 0u);
    const auto resumed = run("train -q --resume " + out + " --epochs " + std::to_string(saved.progress.epoch + 1));
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_TRUE(load_model(out + "/model.lidecm").progress.finished);
}

TEST_F(CliTrain, TwoRunsStartedAtOnceIntoOneFolderOneIsRefusedNamingTheHolder) {
    // Long enough (a few seconds) that the two overlap; --overwrite, so without the lock
    // both would run and exit 0, interleaving metrics.jsonl.
    const std::string args = "train --data " + data +
                             " --resolution 32 --codes 16 --epochs 12 --batch-size 2 --init-images 4 -q --overwrite" +
                             test::kSmallPriorFlags + " --out ";
    std::array<test::CliRun, 2> runs;
    std::array<std::string, 2> scratch = {dir + "/a", dir + "/b"};
    std::vector<std::thread> both;
    for (std::size_t k = 0; k < 2; ++k) {
        fs::create_directories(scratch[k]);
        both.emplace_back([&, k] { runs[k] = test::run_cli(args + dir + "/run", scratch[k]); });
    }
    for (auto& t : both) t.join();
    const std::size_t ran = runs[0].status == 0 ? 0 : 1, refused = 1 - ran;
    ASSERT_EQ(runs[ran].status, 0) << runs[ran].err;
    ASSERT_EQ(runs[refused].status, 2) << runs[refused].err;
    const std::string& why = runs[refused].err;
    EXPECT_NE(why.find("the run folder is in use by another lidecm (host "), std::string::npos) << why;
    EXPECT_NE(why.find(", PID "), std::string::npos) << why;
    EXPECT_EQ(std::count(why.begin(), why.end(), '\n'), 1) << why;
    // The folder holds one run: as many metrics lines as the same run alone writes.
    const auto alone = run(args + dir + "/alone");
    ASSERT_EQ(alone.status, 0) << alone.err;
    const auto lines = [](const std::string& text) { return std::count(text.begin(), text.end(), '\n'); };
    EXPECT_EQ(lines(test::slurp(dir + "/run/metrics.jsonl")), lines(test::slurp(dir + "/alone/metrics.jsonl")));
    EXPECT_FALSE(fs::exists(dir + "/run/run.lock"));  // released when the run ended
}

TEST_F(CliTrain, ResumeOfAFolderInUseIsRefused) {
    const std::string out = dir + "/run";
    ASSERT_EQ(run(small_run() + " --out " + out).status, 0);
    const pid_t child = fork();  // holds the folder's lock as a running train would
    ASSERT_GE(child, 0);
    if (child == 0) {
        freopen((dir + "/resume.out").c_str(), "w", stdout);
        freopen((dir + "/resume.err").c_str(), "w", stderr);
        execl(LIDECM_CLI_PATH, "lidecm", "train", "-q", "--resume", out.c_str(), "--epochs", "400", nullptr);
        _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (test::slurp(out + "/run.lock").empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto second = run("train -q --resume " + out + " --epochs 3");
    kill(child, SIGKILL);  // a killed holder leaves its lock file behind
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_EQ(second.status, 2) << second.err;
    EXPECT_NE(second.err.find("PID " + std::to_string(child) + ","), std::string::npos) << second.err;
    ASSERT_TRUE(fs::exists(out + "/run.lock"));
    // The killed run may have saved a later checkpoint: one epoch past wherever it stopped.
    const int done = load_model(out + "/model.lidecm").progress.epoch;
    const auto after = run("train --resume " + out + " --epochs " + std::to_string(done + 1));  // takes the stale lock over
    ASSERT_EQ(after.status, 0) << after.err;
    EXPECT_NE(after.err.find("from a run that is gone (host "), std::string::npos) << after.err;
    EXPECT_TRUE(load_model(out + "/model.lidecm").progress.finished);
}

TEST_F(CliTrain, DiskFullDuringACheckpointKeepsThePreviousOne) {
    ASSERT_EQ(run(small_run() + " --out " + dir + "/run").status, 0);
    const std::string model = dir + "/run/model.lidecm";
    const auto before = test::read_file(model);
    // A file-size limit stands in for a full disk: writes fail with EFBIG as they
    // would with ENOSPC. 12 KiB lets the metrics lines through but not a model
    // file (17 KB), so the failure comes at the epoch's checkpoint.
    // (A separate process: OpenMP does not survive fork().)
    const std::string cmd = "bash -c 'trap \"\" XFSZ; ulimit -f 12; exec " + std::string(LIDECM_CLI_PATH) +
                            " train -q --resume " + dir + "/run --epochs 3' >" + dir + "/full.out 2>" + dir + "/full.err";
    const int raw = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(raw));
    EXPECT_EQ(WEXITSTATUS(raw), 1) << test::slurp(dir + "/full.err");
    EXPECT_NE(test::slurp(dir + "/full.err").find("File too large"), std::string::npos) << test::slurp(dir + "/full.err");
    EXPECT_NE(test::slurp(dir + "/full.err").find(".lidecm"), std::string::npos) << test::slurp(dir + "/full.err");
    EXPECT_EQ(test::read_file(model), before);
    EXPECT_EQ(load_model(model).progress.epoch, 2);
    const auto after = run("train -q --resume " + dir + "/run --epochs 3");  // with room again, the run goes on
    EXPECT_EQ(after.status, 0) << after.err;
    EXPECT_EQ(load_model(model).progress.epoch, 3);
}

TEST_F(CliTrain, BadInputIsRefusedWithOneLine) {
    auto refused = [&](const std::string& args, int status, const std::string& needle) {
        const auto r = run(args);
        EXPECT_EQ(r.status, status) << args << "\n" << r.err;
        EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\n" << r.err;
    };
    refused(small_run() + " --batch-size 0 --out " + dir + "/r", 2, "--batch-size");
    refused(small_run() + " --codes 1 --out " + dir + "/r", 2, "--codes");
    refused(small_run() + " --epochs nan --out " + dir + "/r", 2, "--epochs");
    refused(small_run() + " --input-noise 30 --input-noise-max 10 --out " + dir + "/r", 2, "--input-noise-max");
    refused(small_run() + " --learner sed --out " + dir + "/r", 2, "--learner");
    refused(small_run() + " --prior-components 513 --out " + dir + "/r", 2, "--prior-components");
    refused(small_run() + " --prior-components -1 --out " + dir + "/r", 2, "--prior-components");
    fs::create_directories(dir + "/empty");
    refused("train -q --data " + dir + "/empty --out " + dir + "/r", 1, "empty");
    refused("train -q --data " + dir + "/empty --out " + dir + "/new/run", 1, "empty");
    EXPECT_FALSE(fs::exists(dir + "/r")) << "a run that failed to start leaves no folder";
    EXPECT_FALSE(fs::exists(dir + "/new")) << "nor the parents it made";
    fs::create_directories(dir + "/mine");
    refused("train -q --data " + dir + "/empty --out " + dir + "/mine", 1, "empty");
    EXPECT_TRUE(fs::is_directory(dir + "/mine")) << "a folder that was there stays";
    std::ofstream(dir + "/a_file").put('x');
    refused(small_run() + " --out " + dir + "/a_file", 1, "cannot create the run folder");
    refused("train -q --resume " + dir + "/none", 1, "model.lidecm is missing");
    refused("tokenize --model " + dir + "/missing.lidecm " + data + "/smooth/0.png -o " + dir + "/t.tok", 1,
            "missing.lidecm");
    refused("info " + dir + "/missing.lidecm", 1, "missing.lidecm");
    refused("report " + dir + "/no_run", 1, "no_run");
    EXPECT_EQ(run(small_run() + " --no-report --out " + dir + "/quiet").status, 0);
    EXPECT_FALSE(fs::exists(dir + "/quiet/report.html"));
    EXPECT_FALSE(fs::exists(dir + "/t.tok"));
}

}  // namespace
}  // namespace lidecm
