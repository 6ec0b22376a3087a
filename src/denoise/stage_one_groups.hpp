#pragma once
// Internal: the stage-1 groups of one image, kept between collaborative_denoise runs that
// differ only in strength (SURE's evaluations): stage 1 matches on the noisy image with
// thresholds that the strength leaves alone except across Lebrun's strong-noise switch,
// so the group search, two thirds of a run's time, need not be repeated.
#include <tuple>
#include <vector>

#include "denoise/block_matching.hpp"
#include "lidecm/denoise/collaborative.hpp"

namespace lidecm::detail {

struct StageOneGroups {
    /// What the groups were found with; groups found with other settings are searched anew.
    struct Key {
        int patch = 0, radius = 0, max_matches = 0, step = 0, index_candidates = 0, feature_dims = 0, rerank = 0;
        float max_distance = -1.0f;
        bool operator==(const Key&) const = default;
    };
    Key key;
    std::vector<std::vector<PatchMatch>> groups;  ///< by reference patch, row-major
};

/// collaborative_denoise that takes stage 1's groups from `cache` when they were found
/// with the same settings (for the same image: the caller's promise) and stores them
/// there otherwise.
CollaborativeResult collaborative_denoise(ImageView image, const CollaborativeOptions& options, StageOneGroups& cache);

}  // namespace lidecm::detail
