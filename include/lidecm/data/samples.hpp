#pragma once
// The built-in sample images: photos and textures from Debian's python3-skimage
// package, extracted by `make samples` into data/samples/ of the source tree.
#include <filesystem>
#include <string>
#include <vector>

namespace lidecm {

/// Folder of the samples: $LIDECM_SAMPLES if set, else data/samples of the
/// source tree lidecm was built from. Throws IoError if it does not exist.
std::filesystem::path samples_dir();

/// The sample image files, sorted by name.
std::vector<std::filesystem::path> sample_images();

/// "samples:NAME" → the sample file NAME.png (or NAME.jpg); any other
/// argument is returned unchanged. Throws IoError for an unknown sample name.
std::filesystem::path resolve_image_argument(const std::string& argument);

}  // namespace lidecm
