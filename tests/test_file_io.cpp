// The file layer under everything that reads or writes files: capped reads that
// name the file and the reason, atomic writes, and the line-at-a-time log.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

class FileIo : public test::TempFolderTest {
protected:
    FileIo() : TempFolderTest("file_io") {}
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const IoError& e) {
        return e.what();
    }
    return "no error";
}

TEST_F(FileIo, ReadsWholeFilesAndRefusesWhatItMustNotRead) {
    const std::vector<unsigned char> bytes = {1, 2, 3, 0, 255};
    write_file_atomically(path("a.bin"), bytes);
    EXPECT_EQ(read_file_bytes(path("a.bin"), 5), bytes);
    EXPECT_EQ(read_file_text(path("a.bin"), 5), std::string("\x01\x02\x03\0\xff", 5));
    EXPECT_EQ(error_of([&] { (void)read_file_bytes(path("a.bin"), 4); }),
              path("a.bin") + ": file is 5 bytes, over the limit of 4");
    EXPECT_EQ(error_of([&] { (void)read_file_bytes(path("none"), 4); }),
              path("none") + ": cannot open (No such file or directory)");
    EXPECT_EQ(error_of([&] { (void)read_file_bytes(dir, 4); }), dir + ": is a folder, not a file");
    EXPECT_EQ(error_of([&] { (void)read_file_bytes("/dev/null", 4); }), "/dev/null: not a regular file");
}

TEST_F(FileIo, AtomicWritesReplaceWholeFilesAndNameTheirTemporaries) {
    write_file_atomically(path("t.txt"), std::string("first version, longer"));
    write_file_atomically(path("t.txt"), std::string("second"));
    EXPECT_EQ(read_file_text(path("t.txt"), 100), "second");
    EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
    EXPECT_EQ(error_of([&] { write_file_atomically(path("no/such/t.txt"), std::string("x")); }),
              path("no/such/t.txt") + ": folder " + path("no/such") + " does not exist");
    EXPECT_TRUE(is_atomic_write_temporary("model.lidecm.tmp1234"));
    EXPECT_FALSE(is_atomic_write_temporary("model.lidecm.tmp"));
    EXPECT_FALSE(is_atomic_write_temporary("model.lidecm.tmp12x"));
    EXPECT_FALSE(is_atomic_write_temporary("model.lidecm"));
}

TEST_F(FileIo, LineAppenderAppendsOrStartsOver) {
    {
        LineAppender log(path("m.jsonl"), true);
        log.write("one");
        log.write("two");
        EXPECT_EQ(read_file_text(path("m.jsonl"), 100), "one\ntwo\n") << "each line is on disk once written";
    }
    LineAppender(path("m.jsonl"), false).write("three");
    EXPECT_EQ(read_file_text(path("m.jsonl"), 100), "one\ntwo\nthree\n");
    LineAppender(path("m.jsonl"), true).write("new");
    EXPECT_EQ(read_file_text(path("m.jsonl"), 100), "new\n");
    EXPECT_EQ(error_of([&] { LineAppender(path("no/m.jsonl"), true); }),
              path("no/m.jsonl") + ": cannot open for writing (No such file or directory)");
}

TEST_F(FileIo, AFailedAtomicWriteKeepsThePreviousFileAndSaysWhy) {
    const std::vector<unsigned char> old_bytes(1000, 7), new_bytes(200000, 9);
    write_file_atomically(path("model.bin"), old_bytes);
    // A file-size limit makes write() fail with EFBIG, as a full disk fails with ENOSPC;
    // done in a child so the limit and the signal disposition stay there.
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{65536, 65536};
        setrlimit(RLIMIT_FSIZE, &limit);
        try {
            write_file_atomically(path("model.bin"), new_bytes);
        } catch (const IoError& e) {
            const std::string message = e.what();
            _exit(message.find("model.bin") != std::string::npos &&
                          message.find(std::strerror(EFBIG)) != std::string::npos
                      ? 0
                      : 2);
        }
        _exit(1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: no error raised, 2: message lacks the file or the reason";
    EXPECT_EQ(test::read_file(path("model.bin")), old_bytes);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);  // no temporary left
}

}  // namespace
}  // namespace lidecm
