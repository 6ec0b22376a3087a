// Radius neighbours of patch centers: grid walk, KD-tree and brute force.
// All three decide membership with the same exact test on integer corner
// offsets (centers differ from corners by the same P/2), so they agree bit for bit.
#include <algorithm>
#include <cmath>
#include <string>

#include <nanoflann.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/denoise/graph.hpp"

namespace lidecm {
namespace {

using Rows = std::vector<std::vector<int>>;

bool within(const PatchSet& p, std::size_t i, std::size_t j, double r2) {
    const double dy = p.corner_y[i] - p.corner_y[j];
    const double dx = p.corner_x[i] - p.corner_x[j];
    return dy * dy + dx * dx <= r2;
}

// Indices [first, last) of the sorted coordinates within `radius` of coords[k].
std::pair<std::size_t, std::size_t> window(const std::vector<int>& coords, std::size_t k, double radius) {
    const double lo = coords[k] - radius, hi = coords[k] + radius;
    auto first = std::lower_bound(coords.begin(), coords.end(), lo, [](int c, double v) { return c < v; });
    auto last = std::upper_bound(coords.begin(), coords.end(), hi, [](double v, int c) { return v < c; });
    return {std::size_t(first - coords.begin()), std::size_t(last - coords.begin())};
}

Rows grid_rows(const PatchSet& p, double radius) {
    require(p.is_grid(), "neighbour search", "the grid walk needs patches extracted on a grid");
    const double r2 = radius * radius;
    const PatchGrid& grid = *p.grid;
    const std::size_t ncols = grid.cols();
    Rows rows(p.size());
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(p.size()); ++ii) {
        const auto i = std::size_t(ii);
        const auto [r0, r1] = window(grid.y, i / ncols, radius);
        const auto [c0, c1] = window(grid.x, i % ncols, radius);
        for (std::size_t r = r0; r < r1; ++r) {
            for (std::size_t c = c0; c < c1; ++c) {
                const std::size_t j = r * ncols + c;
                if (j != i && within(p, i, j, r2)) rows[i].push_back(int(j));
            }
        }
    }
    return rows;
}

struct CenterCloud {
    const PatchSet& p;
    [[nodiscard]] std::size_t kdtree_get_point_count() const { return p.size(); }
    [[nodiscard]] double kdtree_get_pt(std::size_t i, std::size_t dim) const {
        return dim == 0 ? p.center_y(i) : p.center_x(i);
    }
    template <class BBox>
    bool kdtree_get_bbox(BBox&) const { return false; }
};

Rows kdtree_rows(const PatchSet& p, double radius) {
    using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Simple_Adaptor<double, CenterCloud>,
                                                      CenterCloud, 2, std::size_t>;
    CenterCloud cloud{p};
    Tree tree(2, cloud, nanoflann::KDTreeSingleIndexAdaptorParams(16));
    tree.buildIndex();
    const double r2 = radius * radius;
    // nanoflann takes the *squared* radius and keeps only points strictly inside
    // it; widen a little and apply the exact ≤ test ourselves.
    const double query_r2 = r2 * (1.0 + 1e-9) + 1e-9;
    Rows rows(p.size());
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(p.size()); ++ii) {
        const auto i = std::size_t(ii);
        std::vector<std::pair<std::size_t, double>> found;
        const double q[2] = {p.center_y(i), p.center_x(i)};
        tree.radiusSearch(q, query_r2, found, nanoflann::SearchParams(32, 0.0f, false));
        for (const auto& [j, d2] : found) {
            if (j != i && within(p, i, j, r2)) rows[i].push_back(int(j));
        }
        std::sort(rows[i].begin(), rows[i].end());
    }
    return rows;
}

Rows brute_force_rows(const PatchSet& p, double radius) {
    const double r2 = radius * radius;
    Rows rows(p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
        for (std::size_t j = 0; j < p.size(); ++j)
            if (j != i && within(p, i, j, r2)) rows[i].push_back(int(j));
    return rows;
}

}  // namespace

PatchGraph radius_graph(const PatchSet& patches, double radius, NeighbourSearch search) {
    require(std::isfinite(radius) && radius > 0.0, "radius", "must be a finite number > 0");
    require(patches.size() < std::size_t(INT32_MAX), "patches", "too many patches");
    if (search == NeighbourSearch::Auto) search = patches.is_grid() ? NeighbourSearch::Grid : NeighbourSearch::KdTree;
    Rows rows;
    switch (search) {
        case NeighbourSearch::Grid: rows = grid_rows(patches, radius); break;
        case NeighbourSearch::KdTree: rows = kdtree_rows(patches, radius); break;
        default: rows = brute_force_rows(patches, radius); break;
    }
    PatchGraph g;
    g.n = patches.size();
    g.row_ptr.assign(g.n + 1, 0);
    for (std::size_t i = 0; i < g.n; ++i) g.row_ptr[i + 1] = g.row_ptr[i] + rows[i].size();
    require(g.row_ptr[g.n] < std::size_t(UINT32_MAX), "radius", "graph too large (more than 2^32 edges)");
    g.col.resize(g.row_ptr[g.n]);
    for (std::size_t i = 0; i < g.n; ++i) std::copy(rows[i].begin(), rows[i].end(), g.col.begin() + std::ptrdiff_t(g.row_ptr[i]));
    g.mirror.resize(g.nnz());
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(g.n); ++ii) {
        const auto i = std::size_t(ii);
        for (std::size_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) {
            const auto j = std::size_t(g.col[p]);
            const auto first = g.col.begin() + std::ptrdiff_t(g.row_ptr[j]);
            const auto last = g.col.begin() + std::ptrdiff_t(g.row_ptr[j + 1]);
            g.mirror[p] = std::uint32_t(std::lower_bound(first, last, int(i)) - g.col.begin());
        }
    }
    return g;
}

}  // namespace lidecm
