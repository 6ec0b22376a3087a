#pragma once
// Internal: the groups a collaborative_denoise stage found, kept for runs that can use them
// again: SURE's evaluations of one image at several strengths (stage 1 matches on the
// noisy image with thresholds that the strength leaves alone, except across Lebrun's
// strong-noise switch) and the perturbed copy SURE's divergence needs (its groups are
// taken to be the unperturbed run's: grouping is piecewise constant in the input, so its
// derivative is zero almost everywhere, and the finite difference then carries no jumps
// from groups that a perturbation of ε happens to change). The group search is most of a
// run's time.
#include <vector>

#include "denoise/block_matching.hpp"
#include "lidecm/denoise/collaborative.hpp"

namespace lidecm::detail {

struct StageGroups {
    /// What the groups were found with; groups found with other settings are searched anew.
    struct Key {
        int patch = 0, radius = 0, max_matches = 0, step = 0, index_candidates = 0;
        float max_distance = -1.0f;
        bool operator==(const Key&) const = default;
    };
    Key key;
    std::vector<std::vector<PatchMatch>> groups;  ///< by reference patch, row-major

    /// Forgets the groups (the next run searches and stores anew).
    void clear() {
        key = {};
        groups.clear();
    }
};

/// collaborative_denoise that takes each stage's groups from `hard` / `wiener` when they
/// were found with that stage's settings, and searches and stores them there otherwise.
/// The caller answers for the image: the groups are used as they are.
CollaborativeResult collaborative_denoise(ImageView image, const CollaborativeOptions& options, StageGroups& hard,
                                          StageGroups& wiener);

}  // namespace lidecm::detail
