#pragma once
// The JSON mappings of the codebook layer's types (nlohmann::json finds them by ADL).
// lidecm/train/json.hpp includes every layer's; its comment says how they read and where they are used.
#include "lidecm/core/json_declare.hpp"

#include "lidecm/codebook/token_refine.hpp"
#include "lidecm/denoise/json.hpp"

namespace lidecm {

// Refiner is written by name ("graph", "collaborative").
LIDECM_DECLARE_JSON(Refiner);
LIDECM_DECLARE_JSON(RefineOptions);

}  // namespace lidecm
