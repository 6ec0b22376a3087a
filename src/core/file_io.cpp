#include "lidecm/core/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "lidecm/core/error.hpp"

namespace lidecm {
namespace fs = std::filesystem;
namespace {

constexpr const char* kTemporarySuffix = ".tmp";  // followed by the writer's pid

[[noreturn]] void throw_os_error(const fs::path& path, const std::string& doing, int err) {
    throw IoError(path.string() + ": " + doing + " (" + std::system_category().message(err) + ")");
}

// Writes all bytes to a file descriptor; false with errno set on failure.
bool write_all(int fd, const unsigned char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += n;
        size -= std::size_t(n);
    }
    return true;
}

}  // namespace

std::vector<unsigned char> read_file_bytes(const fs::path& path, std::uint64_t max_bytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_os_error(path, "cannot open", errno);
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_os_error(path, "cannot read", errno);
    if (S_ISDIR(st.st_mode)) throw IoError(path.string() + ": is a folder, not a file");
    if (!S_ISREG(st.st_mode)) throw IoError(path.string() + ": not a regular file");
    const auto size = std::uint64_t(st.st_size);
    if (size > max_bytes) {
        throw IoError(path.string() + ": file is " + std::to_string(size) + " bytes, over the limit of " +
                      std::to_string(max_bytes));
    }
    std::vector<unsigned char> bytes(std::size_t(size) + 1);  // one spare byte detects growth
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_os_error(path, "read error", errno);
        if (n == 0) break;
        done += std::size_t(n);
    }
    if (done != size) throw IoError(path.string() + ": file changed size while being read");
    bytes.resize(done);
    return bytes;
}

std::string read_file_text(const fs::path& path, std::uint64_t max_bytes) {
    const std::vector<unsigned char> bytes = read_file_bytes(path, max_bytes);
    return {bytes.begin(), bytes.end()};
}

bool is_atomic_write_temporary(const std::string& name) {
    const std::size_t at = name.rfind(kTemporarySuffix);
    const std::size_t digits = at == std::string::npos ? 0 : at + std::strlen(kTemporarySuffix);
    return at != std::string::npos && digits < name.size() &&
           name.find_first_not_of("0123456789", digits) == std::string::npos;
}

void write_file_atomically(const fs::path& path, const std::vector<unsigned char>& bytes) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) throw IoError(path.string() + ": folder " + dir.string() + " does not exist");
    fs::path tmp = path;
    tmp += kTemporarySuffix + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw IoError(path.string() + ": cannot write (" + std::strerror(errno) + ")");
    // fsync before rename: after a crash the target is either the old file or
    // the complete new one, never a renamed but unwritten file.
    const bool ok = write_all(fd, bytes.data(), bytes.size()) && ::fsync(fd) == 0;
    const int saved = errno;
    if (::close(fd) != 0 || !ok) {
        const int err = ok ? errno : saved;
        fs::remove(tmp, ec);
        throw IoError(path.string() + ": write failed (" + std::strerror(err) + ")");
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        fs::remove(tmp, ec);
        throw IoError(path.string() + ": cannot move the temporary file into place (" + std::strerror(err) + ")");
    }
    // Make the rename itself durable; failing to sync a folder is not an error.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

void write_file_atomically(const fs::path& path, const std::string& text) {
    write_file_atomically(path, std::vector<unsigned char>(text.begin(), text.end()));
}

LineAppender::LineAppender(const fs::path& path, bool truncate) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0644);
    if (fd_ < 0) throw_os_error(path, "cannot open for writing", errno);
}

LineAppender::~LineAppender() { ::close(fd_); }

void LineAppender::write(const std::string& line) {
    std::string text = line;
    text += '\n';
    // One write() per line: O_APPEND puts it at the end in one piece.
    if (!write_all(fd_, reinterpret_cast<const unsigned char*>(text.data()), text.size())) {
        throw_os_error(path_, "write failed", errno);
    }
}

}  // namespace lidecm
