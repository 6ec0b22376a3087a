#pragma once
// One writer per run folder: `lidecm train` and `--resume` hold an exclusive lock on
// RUN/run.lock while they run, so two processes can never interleave a run's model,
// checkpoints and metrics. The lock is flock(2): the kernel drops it when its holder
// dies (kill -9 included), so a lock file left by a killed run is simply taken over.
// The file names its holder (host, PID, start time) for the refusal message.
#include <filesystem>
#include <string>

namespace lidecm::detail {

class RunLock {
public:
    /// Locks `dir`/run.lock (made if missing). InvalidArgument naming the holder when
    /// another process holds it; IoError when the file cannot be made or locked.
    explicit RunLock(const std::filesystem::path& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    /// The holder a lock file named when this took it over from a process that is gone
    /// (empty when the file was new or had been released cleanly).
    [[nodiscard]] const std::string& taken_over() const { return taken_over_; }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

    static constexpr const char* kFileName = "run.lock";

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::string taken_over_;
};

}  // namespace lidecm::detail
