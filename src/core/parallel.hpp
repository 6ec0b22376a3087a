#pragma once
// Internal: the library's one parallel loop with exception capture, and the one
// size below which loops stay on the calling thread.
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>

namespace lidecm::detail {

/// Below this many values (or float operations) a loop runs on one thread:
/// waking the OpenMP team costs more than the work, far more on a loaded machine.
inline constexpr std::size_t kParallelMinWork = std::size_t{1} << 16;

/// Runs body(i) for i in [0, n) on OpenMP threads (on the calling thread alone
/// unless `parallel`), one index at a time. An exception must not leave an
/// OpenMP region: the first one thrown is rethrown here once the loop is done;
/// the other iterations still run.
template <class Body>
void parallel_for(std::size_t n, Body&& body, bool parallel = true) {
    std::exception_ptr error;
    std::mutex mutex;
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
    for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(n); ++i) {
        try {
            body(std::size_t(i));
        } catch (...) {
            const std::lock_guard lock(mutex);
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
}

/// Runs work(i, state) for i in [0, n) on OpenMP threads, each thread with a State of its
/// own, and after each, merge(i, state) in index order 0, 1, …, n − 1: results combined in
/// a fixed order whatever the thread count, while the other threads keep working (no
/// barrier per batch). The first exception is rethrown once the loop is done; nothing is
/// merged after it.
template <class State, class Work, class Merge>
void parallel_ordered(std::size_t n, Work&& work, Merge&& merge) {
    std::exception_ptr error;
    std::mutex mutex;
    std::atomic<bool> failed{false};
    const auto keep = [&] {
        const std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        failed = true;
    };
#pragma omp parallel
    {
        State state{};
#pragma omp for ordered schedule(dynamic, 1)
        for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(n); ++i) {
            try {
                if (!failed) work(std::size_t(i), state);
            } catch (...) {
                keep();
            }
#pragma omp ordered
            {
                try {
                    if (!failed) merge(std::size_t(i), state);
                } catch (...) {
                    keep();
                }
            }
        }
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace lidecm::detail
