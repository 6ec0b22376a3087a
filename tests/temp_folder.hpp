#pragma once
// The tests' scratch folders: each one fresh under the system temp folder, named
// lidecm_test_TAG_PID_N so that tests running at the same time never share one.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace lidecm::test {

/// A fresh empty folder under the system temp folder, unique per call.
std::string temp_dir(const std::string& tag);

/// Fixture of the tests that write files: `dir` is made fresh for each test and removed after it.
class TempFolderTest : public ::testing::Test {
protected:
    explicit TempFolderTest(const std::string& tag) : dir(temp_dir(tag)) {}
    void TearDown() override { std::filesystem::remove_all(dir); }
    [[nodiscard]] std::string path(const std::string& name) const { return dir + "/" + name; }
    /// Writes `bytes` to path(name), making the folders on the way.
    void write(const std::string& name, const std::vector<unsigned char>& bytes) const;

    const std::string dir;
};

}  // namespace lidecm::test
