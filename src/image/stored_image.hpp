#pragma once
// Internal: images kept as their files hold them (8- or 16-bit samples), which is
// 4× (or 2×) smaller than float; the training data pipeline caches and buffers these
// and converts to float per item.
#include <cstddef>
#include <filesystem>
#include <vector>

#include "lidecm/image/image.hpp"

namespace lidecm::detail {

/// HWC samples in RGB order (alpha dropped), 1 or 3 channels.
struct StoredImage {
    int height = 0;
    int width = 0;
    int channels = 0;
    SampleDepth depth = SampleDepth::U8;
    std::vector<unsigned char> bytes;

    [[nodiscard]] bool empty() const { return bytes.empty(); }
    /// Bytes of one sample: 1, 2 or 4.
    [[nodiscard]] std::size_t sample_size() const;
};

/// Decodes `path` at its own depth (float files: clamped to [0, 1]). `reduce` (1, 2, 4
/// or 8) asks a JPEG decoder for a 1/reduce-size image (libjpeg's DCT scaling: the
/// sides are rounded up); other formats ignore it. Throws IoError as load_image does.
StoredImage load_stored_image(const std::filesystem::path& path, const LoadOptions& options, int reduce = 1);
/// The same for bytes held in memory (load_image's decoder works through this).
StoredImage decode_stored_image(std::vector<unsigned char> bytes, const std::string& name, const LoadOptions& options,
                                int reduce = 1);

/// The header of `path`, read from its first bytes (the whole file only when the
/// header lies further in, as TIFF's may), with load_image's size limits applied.
ImageHeader read_file_header(const std::filesystem::path& path, const LoadOptions& options);

/// The height×width window at (y, x), which must lie inside.
StoredImage crop(const StoredImage& image, int y, int x, int height, int width);
/// Samples scaled to [0, 1] as load_image scales them.
Image to_float(const StoredImage& image);
/// `image` rounded to `depth` samples (as save_image rounds them).
StoredImage to_stored(ImageView image, SampleDepth depth);

}  // namespace lidecm::detail
