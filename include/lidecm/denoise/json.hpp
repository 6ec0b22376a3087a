#pragma once
// The JSON mappings of the denoise layer's types (nlohmann::json finds them by ADL).
// lidecm/train/json.hpp includes every layer's; its comment says how they read and where they are used.
#include "lidecm/core/json_declare.hpp"

#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/denoise/graph.hpp"

namespace lidecm {

LIDECM_DECLARE_JSON(GraphParams);
LIDECM_DECLARE_JSON(CollaborativeOptions);

}  // namespace lidecm
