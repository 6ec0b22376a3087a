#pragma once
// Square patches of an image: extraction with full coverage and reassembly by
// overlap averaging (DESIGN §3.1, §3.8).
#include <optional>
#include <vector>

#include "lidecm/image/image.hpp"

namespace lidecm {

/// Patch corners along one axis: 0, s, 2s, … and always `length − patch` last,
/// so every pixel is covered. Throws if patch > length, patch < 1 or stride < 1.
std::vector<int> patch_corners(int length, int patch, int stride);

/// Where the patches of a set taken on a grid lie: the grid's rows are at corner
/// y = y[r], its columns at corner x = x[c], and patch (r, c) has index
/// r · cols() + c.
struct PatchGrid {
    std::vector<int> y;  ///< corner y of each grid row, ascending
    std::vector<int> x;  ///< corner x of each grid column, ascending
    [[nodiscard]] std::size_t rows() const { return y.size(); }
    [[nodiscard]] std::size_t cols() const { return x.size(); }
};

/// A set of P×P×C patches. Values of patch i are `dim()` floats, row-major HWC.
/// Patches taken on a grid (extract_patches, patch_grid) also keep the grid.
struct PatchSet {
    int patch_size = 0;
    int channels = 0;
    int image_height = 0;  ///< size of the image the patches come from
    int image_width = 0;
    std::vector<int> corner_y, corner_x;  ///< top-left corner of each patch
    std::vector<float> values;            ///< size() * dim() values
    std::optional<PatchGrid> grid;        ///< set when the patches lie on a grid, in its order

    [[nodiscard]] std::size_t size() const { return corner_y.size(); }
    [[nodiscard]] int dim() const { return patch_size * patch_size * channels; }
    [[nodiscard]] bool is_grid() const { return grid && grid->rows() * grid->cols() == size(); }
    [[nodiscard]] const float* patch(std::size_t i) const { return values.data() + i * std::size_t(dim()); }
    float* patch(std::size_t i) { return values.data() + i * std::size_t(dim()); }
    /// Center (y, x) = corner + P/2.
    [[nodiscard]] double center_y(std::size_t i) const { return corner_y[i] + patch_size / 2.0; }
    [[nodiscard]] double center_x(std::size_t i) const { return corner_x[i] + patch_size / 2.0; }
};

/// All patches on the grid patch_corners(H) × patch_corners(W).
PatchSet extract_patches(ImageView image, int patch_size, int stride);

/// The grid of extract_patches without the values (`values` stays empty). The
/// graph functions that also take the image read each patch straight from it:
/// at stride 2 the extracted values would copy every pixel 16 times.
PatchSet patch_grid(ImageView image, int patch_size, int stride);

/// Image of the patches' source size where each pixel is the mean of the patch
/// values covering it (pixels no patch covers are 0). For patches extracted
/// from an image, reassemble(extract_patches(img)) == img exactly.
Image reassemble(const PatchSet& patches);

}  // namespace lidecm
