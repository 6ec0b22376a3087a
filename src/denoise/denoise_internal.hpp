#pragma once
// Internal: the per-patch denoising kernel shared by denoise_patches and denoise_on_graph.
#include "lidecm/denoise/graph.hpp"
#include "denoise/patch_source.hpp"

namespace lidecm::detail {

/// Writes the denoised patches first..last-1 to out ((last − first) × dim floats).
void denoise_patch_range(const PatchSource& src, const PatchGraph& g, const Similarity& s, std::size_t first,
                         std::size_t last, float* out);

}  // namespace lidecm::detail
