// One writer per run folder (issue #16): the lock refuses a second holder, names the
// first, and is taken over from a holder that died.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "train/run_lock.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;
using detail::RunLock;

class RunLockTest : public test::TempFolderTest {
protected:
    RunLockTest() : TempFolderTest("run_lock") {}
    [[nodiscard]] std::string lock_file() const { return dir + "/" + RunLock::kFileName; }
};

std::string message_of_second_lock(const std::string& dir) {
    try {
        RunLock second(dir);
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "";
}

TEST_F(RunLockTest, ASecondHolderIsRefusedWithTheFirstNamed) {
    {
        const RunLock first(dir);
        EXPECT_TRUE(first.taken_over().empty());
        const std::string refused = message_of_second_lock(dir);
        EXPECT_NE(refused.find("in use by another lidecm"), std::string::npos) << refused;
        EXPECT_NE(refused.find("PID " + std::to_string(::getpid()) + ","), std::string::npos) << refused;
        EXPECT_EQ(refused.find('\n'), std::string::npos) << refused;
        EXPECT_TRUE(fs::exists(lock_file()));  // the refusal leaves the holder's file alone
    }
    EXPECT_FALSE(fs::exists(lock_file()));  // released cleanly: nothing to take over
    const RunLock again(dir);
    EXPECT_TRUE(again.taken_over().empty());
}

TEST_F(RunLockTest, AFileWithoutAHolderIsTakenOver) {
    std::ofstream(lock_file()) << "host ghost, PID 4242, since 2026-01-01T00:00:00Z\n";
    const RunLock lock(dir);
    EXPECT_EQ(lock.taken_over(), "host ghost, PID 4242, since 2026-01-01T00:00:00Z");
    std::ifstream in(lock_file());
    std::string now;
    std::getline(in, now);
    EXPECT_NE(now.find("PID " + std::to_string(::getpid()) + ","), std::string::npos) << now;
}

TEST_F(RunLockTest, TheLockOfAKilledHolderIsTakenOver) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // holds the lock and dies without releasing it
        const RunLock held(dir);
        ::kill(::getpid(), SIGKILL);
        ::_exit(1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    ASSERT_TRUE(fs::exists(lock_file()));
    const RunLock lock(dir);
    EXPECT_NE(lock.taken_over().find("PID " + std::to_string(child) + ","), std::string::npos) << lock.taken_over();
}

TEST_F(RunLockTest, AnUnwritableFolderIsAnIoError) {
    EXPECT_THROW(RunLock(dir + "/missing/deeper"), IoError);
}

}  // namespace
}  // namespace lidecm
