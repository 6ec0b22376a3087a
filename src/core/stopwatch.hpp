#pragma once
// Internal: the lap timer that stage timings (denoise, collaborative, a training step) are read from.
#include <chrono>

namespace lidecm::detail {

class Stopwatch {
public:
    /// Seconds since the previous lap (or since construction), and starts the next lap.
    double lap() {
        const auto now = std::chrono::steady_clock::now();
        const double s = std::chrono::duration<double>(now - last_).count();
        last_ = now;
        return s;
    }

private:
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace lidecm::detail
