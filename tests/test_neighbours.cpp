// Radius neighbours: grid walk and KD-tree against an O(n²) scan.
#include <random>

#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/denoise/graph.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

void expect_same_pattern(const PatchGraph& a, const PatchGraph& b, const std::string& what) {
    EXPECT_EQ(a.row_ptr, b.row_ptr) << what;
    EXPECT_EQ(a.col, b.col) << what;
    EXPECT_EQ(a.mirror, b.mirror) << what;
}

// Patches at arbitrary positions (not a grid), as a sampler would produce.
PatchSet scattered(std::size_t n, int side, std::uint64_t seed) {
    PatchSet set = extract_patches(test::gradient(side, side, 1), 4, 4);
    set.grid.reset();
    set.corner_y.clear();
    set.corner_x.clear();
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int> pos(0, side - 4);
    for (std::size_t i = 0; i < n; ++i) {
        set.corner_y.push_back(pos(rng));
        set.corner_x.push_back(pos(rng));
    }
    set.values.assign(n * std::size_t(set.dim()), 0.5f);
    return set;
}

TEST(Neighbours, GridAndKdTreeMatchBruteForceOnGrids) {
    for (int stride : {1, 2, 5, 8}) {
        for (double radius : {1.0, 5.0, 7.5, 10.0, 14.2}) {
            const PatchSet set = extract_patches(test::gradient(43, 37, 1), 8, stride);
            const PatchGraph brute = radius_graph(set, radius, NeighbourSearch::BruteForce);
            const std::string what = "stride " + std::to_string(stride) + " radius " + std::to_string(radius);
            expect_same_pattern(radius_graph(set, radius, NeighbourSearch::Grid), brute, what);
            expect_same_pattern(radius_graph(set, radius, NeighbourSearch::KdTree), brute, what);
        }
    }
}

TEST(Neighbours, KdTreeMatchesBruteForceOnScatteredCenters) {
    for (std::uint64_t seed : {1u, 2u, 3u}) {
        const PatchSet set = scattered(300, 60, seed);  // duplicates positions too
        for (double radius : {3.0, 6.0, 10.0}) {
            expect_same_pattern(radius_graph(set, radius, NeighbourSearch::KdTree),
                                radius_graph(set, radius, NeighbourSearch::BruteForce), "scattered");
        }
        EXPECT_THROW(radius_graph(set, 5.0, NeighbourSearch::Grid), InvalidArgument);
    }
}

TEST(Neighbours, RadiusIsInclusiveAndSelfIsExcluded) {
    // Stride 5: the patch 10 px to the right is a neighbour at radius 10, not at 9.99.
    const PatchSet set = extract_patches(test::gradient(8, 28, 1), 8, 5);  // corners x = 0,5,10,15,20
    for (auto search : {NeighbourSearch::Grid, NeighbourSearch::KdTree, NeighbourSearch::BruteForce}) {
        const PatchGraph g10 = radius_graph(set, 10.0, search);
        EXPECT_EQ(std::vector<int>(g10.col.begin(), g10.col.begin() + long(g10.row_ptr[1])), (std::vector<int>{1, 2}));
        const PatchGraph g9 = radius_graph(set, 9.99, search);
        EXPECT_EQ(g9.row_ptr[1], 1u);
    }
}

TEST(Neighbours, PatternIsSymmetricWithMirrors) {
    const PatchGraph g = radius_graph(extract_patches(test::gradient(40, 40, 1), 8, 3), 7.0);
    for (std::size_t i = 0; i < g.n; ++i) {
        for (std::size_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) {
            const std::size_t q = g.mirror[p];
            ASSERT_EQ(std::size_t(g.col[q]), i);
            ASSERT_EQ(g.mirror[q], p);
            ASSERT_NE(std::size_t(g.col[p]), i);
        }
    }
}

TEST(Neighbours, SinglePatchHasNoEdges) {
    const PatchGraph g = radius_graph(extract_patches(test::gradient(8, 8, 3), 8, 5), 10.0);
    EXPECT_EQ(g.n, 1u);
    EXPECT_EQ(g.nnz(), 0u);
}

}  // namespace
}  // namespace lidecm
