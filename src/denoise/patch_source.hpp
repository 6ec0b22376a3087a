#pragma once
// Internal: where the graph kernels read patch values from. Either a PatchSet's
// own packed values, or the image itself at the patch corners; in both cases
// patch row r of patch i is `row_len` contiguous floats at row0(i) + r·row_stride,
// so the kernels are written once for both.
#include <cstddef>

#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/denoise/patches.hpp"

namespace lidecm::detail {

struct PatchSource {
    const float* base = nullptr;
    const int* corner_y = nullptr;
    const int* corner_x = nullptr;
    std::size_t image_row = 0;  ///< floats per image row; 0 when reading packed values
    std::size_t row_stride = 0;
    int rows = 0;      ///< patch side P
    int row_len = 0;   ///< P·C floats
    int channels = 0;
    std::size_t dim = 0;

    [[nodiscard]] const float* row0(std::size_t i) const {
        if (image_row == 0) return base + i * dim;
        return base + std::size_t(corner_y[i]) * image_row + std::size_t(corner_x[i]) * std::size_t(channels);
    }
};

/// Reads the packed values of `patches` (which must hold them).
inline PatchSource packed_source(const PatchSet& patches) {
    require(patches.values.size() == patches.size() * std::size_t(patches.dim()), "patches",
            "patch set holds no values (a patch_grid needs its image)");
    PatchSource s;
    s.base = patches.values.data();
    s.rows = patches.patch_size;
    s.row_len = patches.patch_size * patches.channels;
    s.row_stride = std::size_t(s.row_len);
    s.channels = patches.channels;
    s.dim = std::size_t(patches.dim());
    return s;
}

/// Reads the patches of `grid` from `image`, which must be the image the grid was made for.
inline PatchSource image_source(ImageView image, const PatchSet& grid) {
    require(image.height == grid.image_height && image.width == grid.image_width && image.channels == grid.channels,
            "patches", "the image is not the one the patch grid was made for");
    PatchSource s;
    s.base = image.data.data();
    s.corner_y = grid.corner_y.data();
    s.corner_x = grid.corner_x.data();
    s.image_row = std::size_t(image.width) * std::size_t(image.channels);
    s.row_stride = s.image_row;
    s.rows = grid.patch_size;
    s.row_len = grid.patch_size * grid.channels;
    s.channels = grid.channels;
    s.dim = std::size_t(grid.dim());
    return s;
}

}  // namespace lidecm::detail
