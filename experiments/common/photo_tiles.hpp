#pragma once
// Shared by the training harnesses: the sample photos split by whole photo, and
// photos cut into non-overlapping square tiles.
#include <filesystem>
#include <vector>

#include "lidecm/image/image.hpp"
#include "lidecm/data/samples.hpp"

namespace lidecm::bench {

struct PhotoSplit {
    std::vector<std::filesystem::path> train, held_out;
};

/// Every `every`-th sample photo (sorted by name, starting with the first) is held out.
inline PhotoSplit split_photos(int every) {
    PhotoSplit s;
    const auto files = sample_images();
    for (std::size_t i = 0; i < files.size(); ++i) (i % std::size_t(every) == 0 ? s.held_out : s.train).push_back(files[i]);
    return s;
}

/// The side×side RGB tiles of a photo, row by row (a remainder at the right and bottom is dropped).
inline std::vector<Image> photo_tiles(const std::filesystem::path& file, int side) {
    const Image img = to_rgb(load_image(file));
    std::vector<Image> out;
    for (int y = 0; y + side <= img.height; y += side) {
        for (int x = 0; x + side <= img.width; x += side) out.push_back(crop(img, y, x, side, side));
    }
    return out;
}

}  // namespace lidecm::bench
