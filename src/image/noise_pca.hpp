#pragma once
// The pieces of the patch-PCA noise estimate (internal header), tested on their own.
#include <vector>

#include "lidecm/image/image.hpp"

namespace lidecm::detail {

/// Side of the square patches of the estimate. 5, 6, 7 and 8 measure within 0.05 of
/// each other on the dev set (experiments/blind_noise_estimate/noise_estimate.cpp); 7×7×3 = 147 dimensions
/// leave enough eigenvalues that only noise fills, and cost ≈ 10 ms at 256×256 RGB.
inline constexpr int kNoisePatch = 7;

/// The covariance of all overlapping patch×patch patches (all channels together) of the
/// h×w window at (y0, x0): d×d row-major, d = patch²·channels, dimensions ordered
/// (channel, row, column). Exact, as if every patch had been listed, but computed as
/// sums of shifted products of the image with itself, one per pair of offsets within
/// a patch: ≈ (2·patch − 1)·patch·channels² passes over the window instead of one
/// d×d outer product per patch (30 times fewer operations at 7×7×3).
std::vector<double> patch_covariance(ImageView image, int y0, int x0, int h, int w, int patch);

/// The eigenvalues of a symmetric d×d matrix (row-major), ascending. Eigen's solver,
/// in a file of its own (noise_eigen.cpp) for the GCC warning src/CMakeLists.txt explains.
std::vector<double> symmetric_eigenvalues(const std::vector<double>& matrix, int d);

/// Chen, Zhu & Heng's rule: the mean of the largest set of smallest eigenvalues whose
/// mean does not exceed its median (the paper's "mean equals median", for finitely
/// many eigenvalues). `eigenvalues` in any order, not empty.
double tail_noise_variance(std::vector<double> eigenvalues);

/// The PatchPca estimate of estimate_noise_sigma (lidecm/image/noise.hpp tells what it does).
double patch_pca_sigma(ImageView image);

}  // namespace lidecm::detail
