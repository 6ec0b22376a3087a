#pragma once
// Internal to the dataset: where prepared images come from (folder, CIFAR, ...).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "lidecm/dataset.hpp"

namespace lidecm {

/// Items of one source. Every method is const and thread-safe (the prefetch
/// thread calls image() while the trainer reads labels and names).
class DatasetSource {
public:
    virtual ~DatasetSource() = default;
    [[nodiscard]] virtual std::size_t size() const = 0;
    [[nodiscard]] virtual int label(std::size_t index) const = 0;
    [[nodiscard]] virtual std::string name(std::size_t index) const = 0;
    /// The prepared image (R×R×C), without augmentation.
    [[nodiscard]] virtual Image image(std::size_t index) const = 0;
    /// Items of one group (the tiles of one image) fall on the same side of the split.
    [[nodiscard]] virtual std::size_t group(std::size_t index) const { return index; }
};

namespace detail {

/// What opening a source yields besides the items themselves.
struct OpenedSource {
    std::unique_ptr<const DatasetSource> source;
    std::vector<std::string> class_names;
    std::vector<SkippedFile> skipped;
    std::string description;
    std::size_t files_read = 0;    ///< image files decoded (each gives one item, or its tiles)
    std::size_t files_cached = 0;  ///< of those, the ones kept in memory
};

/// Channel conversion, shorter side resized to R, center crop to R×R; with
/// options.tiles the converted image itself, enlarged only when a side is under R.
Image prepare(const Image& raw, const DatasetOptions& options);

}  // namespace detail
}  // namespace lidecm
