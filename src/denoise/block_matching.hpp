#pragma once
// Internal: the group search of the collaborative filter — the patches most
// similar to a reference patch within a search window.
#include <vector>

namespace lidecm::detail {

/// One plane of floats, row-major (a luminance image).
struct PlaneView {
    const float* data = nullptr;
    int height = 0;
    int width = 0;
};

class PatchIndex;

struct PatchMatch {
    float distance;  ///< mean squared difference to the reference patch
    int y, x;        ///< top-left corner
    bool operator==(const PatchMatch&) const = default;
};

struct MatchParams {
    int patch = 8;              ///< patch side
    int radius = 16;            ///< candidates' corners at most this far from the reference's, per axis
    int max_matches = 16;       ///< group size cap
    float max_distance = 0.0f;  ///< candidates farther than this are left out
    /// Also the index's nearest patches to the reference, from anywhere in the image
    /// (null: the window only).
    const PatchIndex* index = nullptr;
    int index_candidates = 0;   ///< how many the index proposes per reference
};

/// The reference patch (ry, rx) first, then the up to max_matches − 1 other
/// patches of the window (and of the index's proposals) with distance ≤
/// max_distance, nearest first, ties broken by (y, x). `out` is overwritten; it is scratch the caller reuses.
void match_patches(PlaneView guide, int ry, int rx, const MatchParams& params, std::vector<PatchMatch>& out);

}  // namespace lidecm::detail
