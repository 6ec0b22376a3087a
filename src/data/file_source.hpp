#pragma once
// Internal to the dataset: image files (a folder, one image, the built-in samples).
#include <filesystem>

#include "data/dataset_source.hpp"

namespace lidecm::detail {

/// Every image file under `root` (class = first-level sub-folder), headers read only.
OpenedSource open_folder(const std::filesystem::path& root, const DatasetOptions& options);
/// One image file.
OpenedSource open_image(const std::filesystem::path& path, const DatasetOptions& options);
/// The built-in sample photos.
OpenedSource open_samples(const DatasetOptions& options);

}  // namespace lidecm::detail
