#pragma once
// Patch-graph diffusion denoiser (DESIGN §3).
//
// The graph is stored in CSR form with sorted columns and no self loops; its
// pattern is symmetric. Everything derived from it (distances, weights W,
// similarity S) lives on that pattern, so memory is O(nnz). All loops over
// patches run in parallel with OpenMP; each output value is computed by one
// thread in a fixed order, so results do not depend on the thread count.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lidecm/image/image.hpp"
#include "lidecm/denoise/patches.hpp"

namespace lidecm {

/// Parameters of the graph denoiser. Defaults are the prototype's (the training path);
/// denoising a photo wants recommended_params(σ̂) instead.
struct GraphParams {
    double sigma = 0.3;     ///< bandwidth of the self-similarity S on the mean squared patch distance
    double tau = 0.1;       ///< diffusion step size
    double radius = 10.0;   ///< patches whose centers are at most this far apart (px) are neighbours
    double sigma_s = 10.0;  ///< spatial bandwidth of the graph weights W (px)
    double sigma_f = 0.3;   ///< feature bandwidth of the graph weights W
    int smooth_steps = 5;   ///< number of diffusion steps (0 = no diffusion)
    int patch_size = 8;     ///< patch side (px)
    int stride = 5;         ///< distance between patch corners (px); must not exceed patch_size

    /// Throws InvalidArgument naming the field when a value is NaN, ≤ 0 (or < 0
    /// for smooth_steps), or when stride > patch_size.
    void validate() const;
};

/// Graph parameters for denoising an image with noise std `noise_sigma` ([0,1]
/// units), chosen by the quality harness (experiments/denoise_quality; see BENCHMARKS.md).
/// Throws InvalidArgument unless noise_sigma is finite and >= 0.
GraphParams recommended_params(double noise_sigma);

/// How radius neighbours are found. All give the same graph.
enum class NeighbourSearch {
    Auto,        ///< Grid for patches on a grid, KdTree otherwise
    Grid,        ///< walk the grid rows/columns within the radius (patches must be on a grid)
    KdTree,      ///< nanoflann KD-tree on the patch centers
    BruteForce,  ///< O(n²) scan; for tests
};

/// Symmetric sparse graph over patches.
struct PatchGraph {
    std::size_t n = 0;                 ///< number of patches
    std::vector<std::size_t> row_ptr;  ///< n + 1 offsets into col
    std::vector<int> col;              ///< neighbour indices, ascending within a row, no self
    std::vector<std::uint32_t> mirror; ///< for the entry (i, j), the position of (j, i) (32 bits: memory)
    std::vector<float> distance;       ///< d(i, j): mean squared difference of the two patches
    std::vector<float> weight;         ///< W(i, j) = exp(-|ci-cj|²/2σs²) · exp(-d/2σf²)
    std::vector<double> degree;        ///< D(i) = Σ_j W(i, j); the Laplacian is L = D − W

    [[nodiscard]] std::size_t nnz() const { return col.size(); }
};

/// Similarity S on the graph's pattern plus the diagonal.
struct Similarity {
    std::vector<float> diag;  ///< S(i, i)
    std::vector<float> off;   ///< S(i, j) at the graph's positions
};

/// Radius neighbours of the patch centers: the CSR pattern (row_ptr, col, mirror) only.
PatchGraph radius_graph(const PatchSet& patches, double radius, NeighbourSearch search = NeighbourSearch::Auto);

/// The full graph: radius pattern, patch distances, weights W and degrees.
PatchGraph build_patch_graph(const PatchSet& patches, const GraphParams& params,
                             NeighbourSearch search = NeighbourSearch::Auto);
/// The same graph with the patch values read from `image` at the corners of
/// `grid` (patch_grid(image, …)), so no patch set is extracted.
PatchGraph build_patch_graph(ImageView image, const PatchSet& grid, const GraphParams& params,
                             NeighbourSearch search = NeighbourSearch::Auto);

/// S(i, j) = exp(-d(i, j) / (2 sigma²)) on the pattern, S(i, i) = 1.
Similarity similarity(const PatchGraph& graph, double sigma);

/// `steps` times S ← tanh(S − tau · L·S), with L·S evaluated only on the pattern of S.
void diffuse(Similarity& s, const PatchGraph& graph, double tau, int steps);

/// Patch i becomes Σ_j a_ij·patch_j / Σ_j a_ij over j ∈ N(i) ∪ {i}, a_ij = max(S(i, j), 0);
/// a patch whose Σ a_ij ≤ 1e-8 is kept.
PatchSet denoise_patches(const PatchSet& patches, const PatchGraph& graph, const Similarity& s);

/// Seed formula: 0 without entries, else 0.5·min(1, mean(S)) + 0.5·min(1, nnz(W)/(5n)), in [0, 1].
double smoothness(const PatchGraph& graph, const Similarity& s);
/// The same formula from its three inputs: the mean stored entry of S, nnz(W) and n (0 when
/// n is 0), for callers that hold the matrices in another form (the Python drop-in's
/// estimate_smoothness takes scipy sparse matrices, as the prototype did).
double smoothness_score(double mean_similarity, std::size_t edges, std::size_t nodes);

/// Seconds spent in each stage of denoise().
struct DenoiseTimings {
    double extract = 0, graph = 0, diffusion = 0, aggregate = 0, reassemble = 0;
    [[nodiscard]] double total() const { return extract + graph + diffusion + aggregate + reassemble; }
};

struct DenoiseResult {
    Image image;              ///< denoised image, same shape as the input
    double smoothness = 0.0;  ///< smoothness() of the final S
    std::size_t patches = 0;  ///< graph size
    std::size_t edges = 0;    ///< nnz(W)
    DenoiseTimings timings;
};

/// Similarity → diffusion → denoise patches → reassemble on an existing graph
/// (what denoise() does after building it). Lets callers that only change
/// sigma, tau or smooth_steps reuse the graph. The patches are aggregated in
/// blocks straight into the image, so no second copy of the patch set is made.
DenoiseResult denoise_on_graph(const PatchSet& patches, const PatchGraph& graph, const GraphParams& params);
/// The same with the patch values read from `image` at the corners of `grid`.
DenoiseResult denoise_on_graph(ImageView image, const PatchSet& grid, const PatchGraph& graph,
                               const GraphParams& params);

/// Patch grid → graph → similarity → diffusion → denoise patches → reassemble.
/// Validates `params` and throws InvalidArgument when the patch is larger than the image.
DenoiseResult denoise(ImageView image, const GraphParams& params,
                      NeighbourSearch search = NeighbourSearch::Auto);

}  // namespace lidecm
