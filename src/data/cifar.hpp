#pragma once
// Internal to the dataset: CIFAR-10 and CIFAR-100 binary files.
#include <filesystem>
#include <optional>
#include <string>

#include "data/dataset_source.hpp"

namespace lidecm::detail {

enum class CifarKind { cifar10, cifar100 };

/// The CIFAR kind a file name stands for: data_batch_*.bin and test_batch.bin are
/// CIFAR-10, train.bin and test.bin CIFAR-100; anything else gives nothing.
std::optional<CifarKind> cifar_kind_of_name(const std::string& file_name);

/// The CIFAR kind of the files directly in `folder` (CIFAR-10 wins if both appear).
std::optional<CifarKind> cifar_kind_of_folder(const std::filesystem::path& folder);

/// Reads a CIFAR file, or the files of a CIFAR folder chosen by options.cifar_part,
/// holding the records as bytes. Class names come from batches.meta.txt (CIFAR-10)
/// or fine_label_names.txt (CIFAR-100) next to the files when present, else "0" …
/// Throws IoError for a missing file, a size that is not a multiple of the record,
/// an empty file, or a label outside the classes.
OpenedSource open_cifar(const std::filesystem::path& path, CifarKind kind, const DatasetOptions& options);

}  // namespace lidecm::detail
