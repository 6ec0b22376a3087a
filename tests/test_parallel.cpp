// The library's parallel loop (an internal header): every index runs once, and an
// exception thrown on a worker thread reaches the caller instead of terminating.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "core/parallel.hpp"

namespace {

using lidecm::detail::parallel_for;

TEST(ParallelFor, RunsEveryIndexOnce) {
    std::vector<std::atomic<int>> hits(1000);
    parallel_for(hits.size(), [&](std::size_t i) { ++hits[i]; });
    for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(ParallelFor, RethrowsTheExceptionOfAWorkerAfterTheLoop) {
    for (const bool parallel : {true, false}) {
        std::atomic<int> done{0};
        try {
            parallel_for(
                200,
                [&](std::size_t i) {
                    if (i == 37) throw std::runtime_error("item 37 failed");
                    ++done;
                },
                parallel);
            ADD_FAILURE() << "no exception";
        } catch (const std::runtime_error& e) {
            EXPECT_STREQ(e.what(), "item 37 failed");
        }
        EXPECT_EQ(done.load(), 199) << "the other iterations still run";
    }
}

TEST(ParallelFor, NothingToDo) {
    int calls = 0;
    parallel_for(0, [&](std::size_t) { ++calls; });
    EXPECT_EQ(calls, 0);
}

}  // namespace
