#pragma once
// Whole-file reads and writes, under everything in lidecm that touches files:
// reads refuse what is not a regular file or is larger than the caller's cap
// before allocating; writes are atomic, so a crash, a full disk or a kill -9
// leaves either the old file or the complete new one, never a partial file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lidecm {

/// Bytes of a regular file, refusing files larger than `max_bytes` before
/// reading. IoError names the path and the OS reason ("No such file or directory").
std::vector<unsigned char> read_file_bytes(const std::filesystem::path& path, std::uint64_t max_bytes);

/// read_file_bytes as text.
std::string read_file_text(const std::filesystem::path& path, std::uint64_t max_bytes);

/// Writes `bytes` to `path` atomically: a temporary file in the same folder,
/// fsync, rename, fsync of the folder.
void write_file_atomically(const std::filesystem::path& path, const std::vector<unsigned char>& bytes);
/// The same for text.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

/// Whether `name` is a temporary file of write_file_atomically ("<target>.tmp<pid>"),
/// which a process killed mid-write leaves behind.
bool is_atomic_write_temporary(const std::string& name);

/// A log file written a line at a time, each line flushed as written so that a
/// killed process keeps every finished line (and at most one cut-off line,
/// which readers of such logs skip).
class LineAppender {
public:
    /// Opens `path` for appending, or empties it first when `truncate`.
    LineAppender(const std::filesystem::path& path, bool truncate);
    ~LineAppender();
    LineAppender(const LineAppender&) = delete;
    LineAppender& operator=(const LineAppender&) = delete;
    /// Appends `line` and a newline; IoError when the write fails (disk full).
    void write(const std::string& line);

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

}  // namespace lidecm
