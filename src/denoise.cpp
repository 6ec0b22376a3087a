#include <chrono>

#include "lidecm/error.hpp"
#include "lidecm/graph.hpp"

namespace lidecm {
namespace {

class Stopwatch {
public:
    double lap() {
        const auto now = std::chrono::steady_clock::now();
        const double s = std::chrono::duration<double>(now - last_).count();
        last_ = now;
        return s;
    }

private:
    std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace

DenoiseResult denoise(const Image& image, const GraphParams& params, NeighbourSearch search) {
    params.validate();
    require(!image.empty(), "denoise", "image is empty");
    require(params.patch_size <= image.height && params.patch_size <= image.width, "patch_size",
            std::to_string(params.patch_size) + " is larger than the " + std::to_string(image.width) + "x" +
                std::to_string(image.height) + " image");
    DenoiseResult r;
    Stopwatch clock;
    const PatchSet patches = extract_patches(image, params.patch_size, params.stride);
    r.timings.extract = clock.lap();
    const PatchGraph graph = build_patch_graph(patches, params, search);
    Similarity s = similarity(graph, params.sigma);
    r.timings.graph = clock.lap();
    diffuse(s, graph, params.tau, params.smooth_steps);
    r.smoothness = smoothness(graph, s);
    r.timings.diffusion = clock.lap();
    const PatchSet cleaned = denoise_patches(patches, graph, s);
    r.timings.aggregate = clock.lap();
    r.image = reassemble(cleaned);
    r.timings.reassemble = clock.lap();
    r.patches = graph.n;
    r.edges = graph.nnz();
    return r;
}

}  // namespace lidecm
