#pragma once
// Internal to the dataset: where items come from (folder, CIFAR, ...).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "image/stored_image.hpp"
#include "lidecm/data/dataset.hpp"

namespace lidecm {

/// Items of one source, in groups decoded together (the tiles of one image file, or
/// one CIFAR record): items of a group are contiguous and groups ascend. Every
/// method is const and thread-safe (the loader's threads call load() at once).
class DatasetSource {
public:
    virtual ~DatasetSource() = default;
    [[nodiscard]] virtual std::size_t size() const = 0;
    [[nodiscard]] virtual int label(std::size_t index) const = 0;
    [[nodiscard]] virtual std::string name(std::size_t index) const = 0;
    [[nodiscard]] virtual std::size_t group(std::size_t index) const { return index; }
    /// Group `g` decoded and prepared (detail::prepare). Throws IoError when it cannot be decoded.
    [[nodiscard]] virtual detail::StoredImage load(std::size_t g) const = 0;
    /// Item `index` of its group's load(): the tile, or the whole prepared image.
    [[nodiscard]] virtual detail::StoredImage cut(const detail::StoredImage& loaded, std::size_t index) const {
        (void)index;
        return loaded;
    }
    /// The file group `g` comes from, for failures(); empty when there is none to name.
    [[nodiscard]] virtual std::string path(std::size_t g) const {
        (void)g;
        return {};
    }
    /// Whether load() decodes a file: worth caching, and counted as a decode.
    [[nodiscard]] virtual bool decodes_files() const { return false; }
};

namespace detail {

/// What opening a source yields besides the items themselves.
struct OpenedSource {
    std::unique_ptr<const DatasetSource> source;
    std::vector<std::string> class_names;
    std::vector<SkippedFile> skipped;
    std::string description;
};

/// Without options.tiles: channel conversion, shorter side resized to R, center crop
/// to R×R, kept at 16 bits (float for float files). With options.tiles the image as it
/// is (its channels are converted per item), enlarged only when a side is under R.
/// `full_size` (height, width), when given, is the size of the image `raw` was decoded
/// reduced from: the result is then sized as the full image's would be (the reduced
/// sides are rounded up, and a different rounding would shift the crop).
StoredImage prepare(StoredImage raw, const DatasetOptions& options, std::pair<int, int> full_size = {0, 0});

}  // namespace detail
}  // namespace lidecm
