#pragma once
// Internal: the training report's picture of the patch prior (issue 22).
#include "lidecm/codebook/patch_prior.hpp"
#include "lidecm/image/image.hpp"

namespace lidecm::detail {

/// The first `eigenvectors` eigen-patches (largest variance first) of the `components`
/// heaviest Gaussians, a row per Gaussian, heaviest first, labelled with its weight. An
/// eigenvector has a sign but no scale of its own, so each is scaled by its largest
/// magnitude to [0, 1] around 0.5 (mid-grey = 0): its shape, not its strength, shows.
Image eigen_patch_grid(const PatchPrior& prior, int components, int eigenvectors);

}  // namespace lidecm::detail
