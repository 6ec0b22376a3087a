// The mappings lidecm/data/json.hpp declares.
#include "lidecm/data/json.hpp"

#include "core/json_fields.hpp"

namespace lidecm {
namespace enum_names {

NLOHMANN_JSON_SERIALIZE_ENUM(DatasetFormat, {{DatasetFormat::automatic, "automatic"},
                                             {DatasetFormat::folder, "folder"},
                                             {DatasetFormat::image, "image"},
                                             {DatasetFormat::cifar10, "cifar10"},
                                             {DatasetFormat::cifar100, "cifar100"},
                                             {DatasetFormat::samples, "samples"}})
NLOHMANN_JSON_SERIALIZE_ENUM(CifarPart, {{CifarPart::automatic, "automatic"},
                                         {CifarPart::train, "train"},
                                         {CifarPart::test, "test"},
                                         {CifarPart::all, "all"}})

}  // namespace enum_names

LIDECM_JSON_ENUM(DatasetFormat)
LIDECM_JSON_ENUM(CifarPart)

LIDECM_JSON_FIELDS(DatasetOptions, resolution, tiles, channels, validation_fraction, seed, augment, flip_probability,
                   brightness_jitter, contrast_jitter, max_pixels, format, cifar_part, cache_bytes,
                   shuffle_buffer, reduced_decode)
}  // namespace lidecm
