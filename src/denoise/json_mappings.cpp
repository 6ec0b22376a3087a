// The mappings lidecm/denoise/json.hpp declares.
#include "lidecm/denoise/json.hpp"

#include "core/json_fields.hpp"

namespace lidecm {
LIDECM_JSON_FIELDS(GraphParams, sigma, tau, radius, sigma_s, sigma_f, smooth_steps, patch_size, stride)
LIDECM_JSON_FIELDS(CollaborativeOptions, noise_sigma, strength, patch_size_hard, patch_size_wiener, group_hard,
                   group_wiener, step, global_candidates, search_radius, lambda_hard, kaiser_beta, border, wiener)
}  // namespace lidecm
