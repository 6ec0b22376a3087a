#include "report/prior_figure.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "lidecm/image/image_grid.hpp"

namespace lidecm::detail {
namespace {

// Eigen-patch `j` of `c` as a patch image (the tile layout, row-major HWC).
Image eigen_patch(const PatchPrior& prior, const GaussianComponent& c, int j) {
    const int p = prior.patch_size(), d = prior.dim();
    const double* v = c.eigenvectors.data() + std::size_t(j) * std::size_t(d);
    double top = 0.0;
    for (int q = 0; q < d; ++q) top = std::max(top, std::abs(v[q]));
    Image patch(p, p, prior.channels());
    for (int q = 0; q < d; ++q) patch.data[std::size_t(q)] = float(top > 0.0 ? 0.5 + 0.5 * v[q] / top : 0.5);
    return patch;
}

}  // namespace

Image eigen_patch_grid(const PatchPrior& prior, int components, int eigenvectors) {
    const auto& comps = prior.components();
    std::vector<std::size_t> order(comps.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return comps[a].weight > comps[b].weight; });
    order.resize(std::min(order.size(), std::size_t(components)));
    std::vector<GridRow> rows;
    for (const std::size_t k : order) {
        char label[32];
        std::snprintf(label, sizeof label, "w %.3f", comps[k].weight);
        GridRow row{label, {}};
        for (int j = 0; j < std::min(eigenvectors, prior.dim()); ++j) row.images.push_back(eigen_patch(prior, comps[k], j));
        rows.push_back(std::move(row));
    }
    GridOptions options;
    options.scale = std::max(1, 48 / prior.patch_size());  // cells of about 48 px: a row of six fits beside the charts
    return make_grid(rows, options);
}

}  // namespace lidecm::detail
