// kill -9 at random moments of a training run, checkpoint writes included:
// the run folder always holds a loadable model and --resume carries on.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "lidecm/train/metrics.hpp"
#include "lidecm/train/model.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

pid_t start(const std::vector<std::string>& args, const std::string& log) {
    const pid_t pid = fork();
    if (pid == 0) {
        freopen(log.c_str(), "w", stdout);
        freopen((log + ".err").c_str(), "w", stderr);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>("lidecm"));
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(LIDECM_CLI_PATH, argv.data());
        _exit(127);
    }
    return pid;
}

// A temporary file of an atomic write (name ends in .tmp<pid>), by process `pid` or by any.
bool has_temporary(const std::string& dir, pid_t pid = 0) {
    const std::string tag = pid > 0 ? ".tmp" + std::to_string(pid) : ".tmp";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.path().filename().string().find(tag) != std::string::npos) return true;
    }
    return false;
}

TEST(CrashSafety, KillNineAtRandomMomentsNeverLosesTheModel) {
    const std::string dir = test::temp_dir("crash");
    // A big codebook and small epochs: a checkpoint (0.8 MB, fsynced) is written
    // every few batches and takes long enough for random kills to land inside it.
    test::write_two_class_folder(dir + "/data", 10, 64);
    const std::string run = dir + "/run";
    std::mt19937 rng(20261128);
    std::uniform_int_distribution<int> wait_ms(20, 400);
    int kills = 0, finished_early = 0, temporaries_left = 0, models_checked = 0;
    std::uint64_t last_step = 0;
    for (int round = 0; round < 20; ++round) {
        const bool resume = fs::exists(run + "/model.lidecm");
        std::vector<std::string> args = {"train", "-q", "--no-report"};
        if (resume) {
            args.insert(args.end(), {"--resume", run});
        } else {
            args.insert(args.end(), {"--data", dir + "/data", "--resolution", "64", "--codes", "1024", "--epochs",
                                     "40", "--batch-size", "3", "--init-images", "20", "--prior-components", "2",
                                     "--prior-iterations", "3", "--class-priors", "0", "--overwrite", "--out", run});
        }
        const pid_t pid = start(args, dir + "/round.log");
        ASSERT_GT(pid, 0);
        if (round % 2 == 1 && round > 0) {
            // Odd rounds kill inside a checkpoint write: as soon as a temporary
            // file shows up (it is renamed over the model once complete).
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (!has_temporary(run, pid) && std::chrono::steady_clock::now() < give_up) {
                std::this_thread::sleep_for(std::chrono::microseconds(200));
            }
        } else {
            // Even rounds kill at a random moment; the first one only once the run
            // has written its first checkpoint (slow under sanitizers: k-means++).
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
            while (round == 0 && !fs::exists(run + "/model.lidecm") && std::chrono::steady_clock::now() < give_up) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(rng)));
        }
        kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status)) {
            ++kills;
        } else {
            ++finished_early;  // it ended (or failed) before the kill
            EXPECT_EQ(WEXITSTATUS(status), 0) << test::slurp(dir + "/round.log.err");
        }
        if (!fs::exists(run + "/model.lidecm")) continue;  // killed before the first checkpoint
        if (has_temporary(run, pid)) ++temporaries_left;  // killed inside a checkpoint write
        Model m;
        ASSERT_NO_THROW(m = load_model(run + "/model.lidecm")) << "round " << round;
        EXPECT_GE(m.progress.step, last_step) << "a checkpoint went backwards";
        last_step = m.progress.step;
        ++models_checked;
    }
    // The last resume finishes the epoch it is in (not all 40: under the sanitizers that
    // took 5 minutes and asserted nothing more).
    const int reached = load_model(run + "/model.lidecm").progress.epoch;
    const auto done =
        test::run_cli("train -q --no-report --resume " + run + " --epochs " + std::to_string(reached + 1), dir);
    ASSERT_EQ(done.status, 0) << done.err;
    const Model final_model = load_model(run + "/model.lidecm");
    EXPECT_TRUE(final_model.progress.finished);
    EXPECT_FALSE(has_temporary(run));
    const MetricsLog log = read_metrics(run + "/metrics.jsonl");
    EXPECT_EQ(log.batches.size(), final_model.progress.step);  // lines past a lost checkpoint were dropped
    EXPECT_EQ(log.skipped_lines, 0u);
    EXPECT_GE(kills, 15);
    EXPECT_GE(models_checked, 15);
    std::cout << "crash safety: " << kills << " kills (" << temporaries_left << " inside a checkpoint write), "
              << finished_early << " ended before the kill, " << models_checked
              << " models loaded, final resume finished at step " << final_model.progress.step << "\n";
    RecordProperty("kills", kills);
    RecordProperty("kills_inside_write", temporaries_left);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace lidecm
