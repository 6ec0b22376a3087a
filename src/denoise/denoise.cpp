#include <algorithm>
#include <vector>

#include "core/stopwatch.hpp"
#include "denoise/denoise_internal.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/denoise/graph.hpp"
#include "denoise/patch_accumulator.hpp"

namespace lidecm {
namespace {

DenoiseResult denoise_with(const PatchSet& patches, const detail::PatchSource& src, const PatchGraph& graph,
                           const GraphParams& params) {
    params.validate();
    require(patches.size() == graph.n, "denoise", "graph and patch set sizes differ");
    DenoiseResult r;
    detail::Stopwatch clock;
    Similarity s = similarity(graph, params.sigma);
    diffuse(s, graph, params.tau, params.smooth_steps);
    r.smoothness = smoothness(graph, s);
    r.timings.diffusion = clock.lap();
    // Blocks bound the extra memory to one block of patches instead of a second patch set.
    constexpr std::size_t kBlock = 4096;
    detail::PatchAccumulator acc(patches.image_height, patches.image_width, patches.channels, patches.patch_size);
    std::vector<float> block(std::min(kBlock, graph.n) * std::size_t(patches.dim()));
    for (std::size_t first = 0; first < graph.n; first += kBlock) {
        const std::size_t last = std::min(graph.n, first + kBlock);
        detail::denoise_patch_range(src, graph, s, first, last, block.data());
        r.timings.aggregate += clock.lap();
        for (std::size_t i = first; i < last; ++i) {
            acc.add(patches.corner_y[i], patches.corner_x[i], block.data() + (i - first) * std::size_t(patches.dim()));
        }
        r.timings.reassemble += clock.lap();
    }
    r.image = acc.average();
    r.timings.reassemble += clock.lap();
    r.patches = graph.n;
    r.edges = graph.nnz();
    return r;
}

}  // namespace

DenoiseResult denoise_on_graph(const PatchSet& patches, const PatchGraph& graph, const GraphParams& params) {
    return denoise_with(patches, detail::packed_source(patches), graph, params);
}

DenoiseResult denoise_on_graph(ImageView image, const PatchSet& grid, const PatchGraph& graph,
                               const GraphParams& params) {
    return denoise_with(grid, detail::image_source(image, grid), graph, params);
}

DenoiseResult denoise(ImageView image, const GraphParams& params, NeighbourSearch search) {
    params.validate();  // before the grid: it also checks stride <= patch_size
    // patch_grid refuses an empty image and a patch larger than the image.
    detail::Stopwatch clock;
    const PatchSet grid = patch_grid(image, params.patch_size, params.stride);
    const double extract = clock.lap();
    const PatchGraph graph = build_patch_graph(image, grid, params, search);
    const double graph_seconds = clock.lap();
    DenoiseResult r = denoise_on_graph(image, grid, graph, params);
    r.timings.extract = extract;
    r.timings.graph = graph_seconds;
    return r;
}

}  // namespace lidecm
