// The library's parallel loops (an internal header): every index runs once, merges come
// in index order, and an exception thrown on a worker thread reaches the caller instead
// of terminating.
#include <gtest/gtest.h>

#include <atomic>
#include <omp.h>
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "core/parallel.hpp"

namespace {

using lidecm::detail::parallel_for;
using lidecm::detail::parallel_ordered;

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

struct Partial {
    std::size_t index = 0;
    int items = 0;  ///< work() calls this thread's state has seen
};

TEST(ParallelOrdered, MergesEveryIndexOnceInOrder) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(2);
    std::vector<std::size_t> merged;
    int items = 0;
    parallel_ordered<Partial>(
        300,
        [](std::size_t i, Partial& p) {
            p.index = i * i;  // work on the thread's own state
            ++p.items;
        },
        [&](std::size_t i, const Partial& p) {
            EXPECT_EQ(p.index, i * i) << "the state merged is the one its work filled";
            merged.push_back(i);
            items = std::max(items, p.items);
        });
    omp_set_num_threads(saved);
    ASSERT_EQ(merged.size(), 300u);
    for (std::size_t i = 0; i < merged.size(); ++i) EXPECT_EQ(merged[i], i);
    EXPECT_GT(items, 1) << "each thread keeps its state across items";
}

TEST(ParallelOrdered, RethrowsAndMergesNothingAfterTheFailure) {
    std::vector<std::size_t> merged;
    try {
        parallel_ordered<Partial>(
            100,
            [](std::size_t i, Partial&) {
                if (i == 40) throw std::runtime_error("item 40 failed");
            },
            [&](std::size_t i, const Partial&) { merged.push_back(i); });
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "item 40 failed");
    }
    ASSERT_LE(merged.size(), 40u);
    for (std::size_t i = 0; i < merged.size(); ++i) EXPECT_EQ(merged[i], i) << "merged in order, up to the failure";
}

}  // namespace
