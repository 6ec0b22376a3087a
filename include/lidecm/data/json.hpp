#pragma once
// The JSON mappings of the data layer's types (nlohmann::json finds them by ADL).
// lidecm/train/json.hpp includes every layer's; its comment says how they read and where they are used.
#include "lidecm/core/json_declare.hpp"

#include "lidecm/data/dataset.hpp"

namespace lidecm {

// Enums are written by name ("automatic", "cifar10", …).
LIDECM_DECLARE_JSON(DatasetFormat);
LIDECM_DECLARE_JSON(CifarPart);
LIDECM_DECLARE_JSON(DatasetOptions);

}  // namespace lidecm
