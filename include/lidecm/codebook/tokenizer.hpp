#pragma once
// The tokenizer (DESIGN §5): an image cut into non-overlapping patch_size²
// tiles, each replaced by its nearest codeword, and back.
//
// Images whose sides are not multiples of patch_size are padded at the bottom
// and right by reflection without repeating the edge pixel (OpenCV's
// BORDER_REFLECT_101: … c b | a b c … → a b c | b a); decode crops the padding
// off again. The two sides are therefore symmetric around the edge pixel,
// which keeps edge tiles as smooth as the image itself.
#include <cstddef>
#include <vector>

#include "lidecm/codebook/codebook.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/codebook/tokens.hpp"

namespace lidecm {

/// An image's tiles: rows × cols tiles of patch_size² × channels values each,
/// row-major HWC inside a tile, tiles in row-major order.
struct Tiles {
    int image_height = 0;  ///< size of the original (unpadded) image
    int image_width = 0;
    int channels = 0;
    int patch_size = 0;
    int rows = 0;               ///< ceil(image_height / patch_size)
    int cols = 0;               ///< ceil(image_width / patch_size)
    std::vector<float> values;  ///< size() × dim() values

    [[nodiscard]] std::size_t size() const { return std::size_t(rows) * std::size_t(cols); }
    [[nodiscard]] int dim() const { return patch_size * patch_size * channels; }
    [[nodiscard]] const float* tile(std::size_t i) const { return values.data() + i * std::size_t(dim()); }
};

/// Pads `image` by reflection (BORDER_REFLECT_101) to multiples of patch_size
/// and cuts it into tiles. Throws InvalidArgument for patch_size < 1, an empty
/// image, or an image smaller than one patch ("image 5×5 is smaller than one 8×8 patch").
Tiles extract_tiles(ImageView image, int patch_size);

/// The token grid of tiles already assigned to `codebook` (the trainer's path:
/// it keeps the assignment for the codebook statistics).
TokenGrid make_token_grid(const Codebook& codebook, const Tiles& tiles, const Assignment& assignment);

/// Tokens of `image`: each tile's nearest codeword. The codebook's dim() must be
/// patch_size² × channels. When `confidence` is given it receives each tile's
/// assignment confidence, in the grid's order.
TokenGrid encode(const Codebook& codebook, ImageView image, int patch_size,
                 std::vector<float>* confidence = nullptr);

/// The image a token grid stands for: each tile is its codeword, the padding
/// cropped off. Throws InvalidArgument naming the mismatch when the grid's K,
/// codebook checksum or geometry do not match the codebook.
Image decode(const Codebook& codebook, const TokenGrid& grid);

}  // namespace lidecm
