#include "train/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "lidecm/core/error.hpp"

namespace lidecm::detail {
namespace {

std::string read_all(int fd) {
    std::string text;
    char buf[512];
    for (off_t at = 0;;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, at);
        if (n <= 0) break;
        text.append(buf, std::size_t(n));
        at += n;
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
    return text;
}

std::string this_holder() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown");
    const std::time_t now = std::time(nullptr);
    char when[32] = {};
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return "host " + std::string(host) + ", PID " + std::to_string(::getpid()) + ", since " + when;
}

bool same_file(int fd, const std::filesystem::path& path) {
    struct stat open_file {}, named {};
    return ::fstat(fd, &open_file) == 0 && ::stat(path.c_str(), &named) == 0 && open_file.st_dev == named.st_dev &&
           open_file.st_ino == named.st_ino;
}

}  // namespace

RunLock::RunLock(const std::filesystem::path& dir) : path_(dir / kFileName) {
    // A holder unlinks the file before it unlocks, so a file locked here may already be
    // unlinked by its last holder: then it is not the lock any more, and this tries again.
    for (int attempt = 0;; ++attempt) {
        const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) throw IoError(path_.string() + ": cannot make the run folder's lock (" + std::strerror(errno) + ")");
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            // The holder writes its name just after locking: give it a moment.
            std::string holder = read_all(fd);
            for (int wait = 0; holder.empty() && wait < 20; ++wait) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
                holder = read_all(fd);
            }
            ::close(fd);
            if (err != EWOULDBLOCK) {
                throw IoError(path_.string() + ": cannot lock the run folder (" + std::strerror(err) + ")");
            }
            throw InvalidArgument(dir.string() + ": the run folder is in use by another lidecm (" +
                                  (holder.empty() ? std::string("holder unknown") : holder) +
                                  "); wait for it to finish or stop it");
        }
        if (!same_file(fd, path_)) {
            ::close(fd);
            if (attempt < 100) continue;
            throw IoError(path_.string() + ": the run folder's lock keeps changing");
        }
        fd_ = fd;
        break;
    }
    taken_over_ = read_all(fd_);  // a released lock is removed, so any text is a dead holder's
    const std::string me = this_holder() + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != ssize_t(me.size())) {
        const int err = errno;
        ::unlink(path_.c_str());
        ::close(fd_);
        throw IoError(path_.string() + ": cannot write the run folder's lock (" + std::strerror(err) + ")");
    }
}

RunLock::~RunLock() {
    ::unlink(path_.c_str());
    ::close(fd_);
}

}  // namespace lidecm::detail
