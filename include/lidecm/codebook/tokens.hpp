#pragma once
// A grid of codebook indices standing for one image: what the tokenizer makes,
// the token file stores and the decoder turns back into pixels.
#include <cstdint>
#include <vector>

namespace lidecm {

/// Tokens of one image cut into non-overlapping patch_size² tiles (the image
/// padded by reflection up to a multiple of patch_size; decode crops back).
struct TokenGrid {
    int image_height = 0;  ///< size of the original (unpadded) image
    int image_width = 0;
    int channels = 0;      ///< 1 or 3
    int patch_size = 0;    ///< tile side (8 by default)
    int num_codes = 0;     ///< K of the codebook the indices refer to (≤ kMaxCodes of codebook.hpp)
    std::uint32_t codebook_checksum = 0;  ///< crc32 of the codebook's float32 values
    std::vector<std::uint16_t> indices;   ///< rows() * cols() indices, row-major

    [[nodiscard]] int rows() const { return patch_size > 0 ? (image_height + patch_size - 1) / patch_size : 0; }
    [[nodiscard]] int cols() const { return patch_size > 0 ? (image_width + patch_size - 1) / patch_size : 0; }
};

}  // namespace lidecm
