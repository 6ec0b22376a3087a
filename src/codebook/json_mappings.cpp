// The mappings lidecm/codebook/json.hpp declares.
#include "lidecm/codebook/json.hpp"

#include "core/json_fields.hpp"

namespace lidecm {
namespace enum_names {

NLOHMANN_JSON_SERIALIZE_ENUM(Refiner, {{Refiner::graph, "graph"}, {Refiner::collaborative, "collaborative"}})

}  // namespace enum_names

LIDECM_JSON_ENUM(Refiner)

LIDECM_JSON_FIELDS(RefineOptions, refiner, strength, strength_steps, max_pulled_back, keep_codewords, filter)
}  // namespace lidecm
