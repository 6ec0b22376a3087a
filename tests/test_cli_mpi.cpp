// `mpirun -np N lidecm train` (issue #16): N ranks train the model one process trains,
// bit for bit; a rank that dies ends the job and the run resumes; a corrupt file on one
// rank's share is skipped and logged as on one machine.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/model.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

class CliMpi : public test::TempFolderTest {
protected:
    CliMpi() : TempFolderTest("cli_mpi") {}
    std::string data = dir + "/data";
    void SetUp() override { test::write_two_class_folder(data, 6, 40); }

    // OMP_NUM_THREADS per rank, as the README says; LeakSanitizer is off in the ranks
    // (Open MPI's own allocations are not freed at exit).
    static std::string mpirun(int ranks, const std::string& extra = "") {
        return "OMP_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=0 " + std::string(LIDECM_MPIEXEC) +
               (::geteuid() == 0 ? " --allow-run-as-root" : "") + " --oversubscribe --bind-to none " + extra + " -np " +
               std::to_string(ranks) + " " + LIDECM_CLI_PATH + " ";
    }
    [[nodiscard]] std::string train_args(const std::string& out, int epochs = 2) const {
        return "train --data " + data + " --resolution 32 --codes 16 --epochs " + std::to_string(epochs) +
               " --batch-size 5 --init-images 4 --tiles --no-report" + test::kSmallPriorFlags + " --out " + out;
    }
    [[nodiscard]] std::string bytes(const std::string& path) const { return test::slurp(path); }
};

TEST_F(CliMpi, TwoRanksTrainTheModelOneProcessTrains) {
    const auto one = test::run_cli(train_args(dir + "/one"), dir);
    ASSERT_EQ(one.status, 0) << one.err;
    for (const char* name : {"two", "again"}) {
        const auto two = test::run_command(mpirun(2) + train_args(dir + "/" + name), dir);
        ASSERT_EQ(two.status, 0) << two.err;
        EXPECT_NE(two.err.find("training with 2 processes"), std::string::npos) << two.err;
    }
    ASSERT_FALSE(bytes(dir + "/one/model.lidecm").empty());
    EXPECT_EQ(bytes(dir + "/two/model.lidecm"), bytes(dir + "/one/model.lidecm"));
    EXPECT_EQ(bytes(dir + "/again/model.lidecm"), bytes(dir + "/two/model.lidecm"));
    EXPECT_EQ(bytes(dir + "/two/best.lidecm"), bytes(dir + "/one/best.lidecm"));
}

TEST_F(CliMpi, RanksOverTcpOnTheLoopbackInterface) {
    const auto one = test::run_cli(train_args(dir + "/one"), dir);
    ASSERT_EQ(one.status, 0) << one.err;
    const auto tcp = test::run_command(mpirun(2, "--mca btl self,tcp --mca btl_tcp_if_include lo") + train_args(dir + "/tcp"), dir);
    ASSERT_EQ(tcp.status, 0) << tcp.err;
    EXPECT_EQ(bytes(dir + "/tcp/model.lidecm"), bytes(dir + "/one/model.lidecm"));
}

TEST_F(CliMpi, ResumeWithAnotherRankCountEqualsTheUninterruptedRun) {
    const auto whole = test::run_cli(train_args(dir + "/whole"), dir);
    ASSERT_EQ(whole.status, 0) << whole.err;
    const auto first = test::run_cli(train_args(dir + "/part", 1), dir);
    ASSERT_EQ(first.status, 0) << first.err;
    const auto rest = test::run_command(mpirun(2) + "train --no-report --resume " + dir + "/part --epochs 2", dir);
    ASSERT_EQ(rest.status, 0) << rest.err;
    EXPECT_EQ(bytes(dir + "/part/model.lidecm"), bytes(dir + "/whole/model.lidecm"));
}

TEST_F(CliMpi, ACorruptFileIsSkippedAndLoggedAsOnOneMachine) {
    // A PNG whose header reads but whose pixels do not: it fails when training decodes it.
    const std::string bad = data + "/texture/zz_truncated.png";
    save_image(test::noise_texture(40, 40, 3, 5), bad);
    fs::resize_file(bad, fs::file_size(bad) / 2);
    const auto one = test::run_cli(train_args(dir + "/one"), dir);
    ASSERT_EQ(one.status, 0) << one.err;
    const auto two = test::run_command(mpirun(2) + train_args(dir + "/two"), dir);
    ASSERT_EQ(two.status, 0) << two.err;
    for (const auto* run : {&one, &two}) {
        EXPECT_NE(run->err.find("skipped " + bad + " from now on"), std::string::npos) << run->err;
    }
    EXPECT_EQ(bytes(dir + "/two/model.lidecm"), bytes(dir + "/one/model.lidecm"));
}

// The PID of the rank `rank` whose command line names `out` (its environment says its rank).
pid_t rank_process(int rank, const std::string& out) {
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string cmdline = test::slurp(entry.path().string() + "/cmdline");
        if (cmdline.find(out) == std::string::npos || cmdline.find("mpirun") != std::string::npos) continue;
        const std::string env = test::slurp(entry.path().string() + "/environ");
        if (env.find(std::string("OMPI_COMM_WORLD_RANK=") + std::to_string(rank) + '\0') != std::string::npos) {
            return pid_t(std::stoi(entry.path().filename().string()));
        }
    }
    return 0;
}

TEST_F(CliMpi, ARankKilledMidEpochEndsTheJobAndTheRunResumes) {
    const std::string out = dir + "/run";
    const std::string cmd = mpirun(2) + "train --data " + data +
                            " --resolution 32 --codes 16 --epochs 400 --batch-size 2 --init-images 4 --no-report -q" + test::kSmallPriorFlags + " --out " +
                            out + " >" + dir + "/job.out 2>" + dir + "/job.err";
    const pid_t job = fork();
    ASSERT_GE(job, 0);
    if (job == 0) {
        execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
        _exit(127);
    }
    // Wait for training to be under way (a few batches written), then kill rank 1.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    pid_t victim = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        if (test::slurp(out + "/metrics.jsonl").size() > 2000 && (victim = rank_process(1, out)) > 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_GT(victim, 0) << test::slurp(dir + "/job.err");
    ASSERT_EQ(kill(victim, SIGKILL), 0);
    const auto killed = std::chrono::steady_clock::now();
    int status = 0;
    while (waitpid(job, &status, WNOHANG) == 0) {
        ASSERT_LT(std::chrono::steady_clock::now() - killed, std::chrono::seconds(30)) << "the job did not end";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_NE(WEXITSTATUS(status), 0);
    const Model saved = load_model(out + "/model.lidecm");  // the last checkpoint loads
    const auto resumed = test::run_command(mpirun(2) + "train -q --no-report --resume " + out + " --epochs " +
                                               std::to_string(saved.progress.epoch + 1),
                                           dir);
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_TRUE(load_model(out + "/model.lidecm").progress.finished);
}

}  // namespace
}  // namespace lidecm
