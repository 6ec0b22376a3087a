#pragma once
// Internal: a whole-image index of a guide plane's patches, for groups that gather
// similar patches from anywhere in the image and not only from the search window.
// Text repeats each glyph across the page, far outside any window the exhaustive
// search can afford; the index finds those instances at the cost of a KD-tree query.
//
// Every patch is described by its first kDims principal components (of the guide's own
// patches): the projection keeps the structure and averages the noise over the patch,
// so neighbours in that space are good candidates. match_patches then ranks them by the
// exact distance, like the window's own candidates.
#include <memory>
#include <vector>

#include "denoise/block_matching.hpp"

namespace lidecm::detail {

class PatchIndex {
public:
    /// Principal components describing each patch: 8 of 64 keep the glyph shapes and
    /// average the noise 8-fold.
    static constexpr int kDims = 8;
    /// Relative error the KD-tree search may make (nanoflann's eps).
    static constexpr float kSearchEps = 1.0f;

    /// Indexes every patch × patch corner of `guide` (which must outlive the index).
    PatchIndex(PlaneView guide, int patch);
    ~PatchIndex();
    PatchIndex(const PatchIndex&) = delete;
    PatchIndex& operator=(const PatchIndex&) = delete;

    /// Corners of the `count` patches nearest to the one at (ry, rx) in feature space
    /// (itself included), appended to `out` as (y, x) pairs.
    void nearest(int ry, int rx, int count, std::vector<std::pair<int, int>>& out) const;

private:
    struct Tree;
    int cols_;  ///< corners per row
    std::vector<float> features_;  ///< corners × kDims, row-major by corner
    std::unique_ptr<Tree> tree_;
};

}  // namespace lidecm::detail
