#include "lidecm/codebook/tokenizer.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "core/parallel.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {
namespace {

// BORDER_REFLECT_101 for the bottom/right padding: position i ≥ length maps to
// 2(length − 1) − i. Valid because the padding (< patch) never exceeds length − 1.
int reflect(int i, int length) { return i < length ? i : 2 * (length - 1) - i; }

std::string geometry(int h, int w) { return std::to_string(h) + "×" + std::to_string(w); }

void require_dim(const Codebook& codebook, int patch_size, int channels, const char* what) {
    const int dim = patch_size * patch_size * channels;
    if (dim != codebook.dim()) {
        throw InvalidArgument(std::string(what) + ": " + geometry(patch_size, patch_size) + " patches of " +
                              std::to_string(channels) + " channel(s) have " + std::to_string(dim) +
                              " values but the codebook's dimension is " + std::to_string(codebook.dim()));
    }
}

}  // namespace

Tiles extract_tiles(ImageView image, int patch_size) {
    require(patch_size >= 1, "patch size", "must be >= 1, got " + std::to_string(patch_size));
    require(!image.empty(), "tokenizer", "image is empty");
    require(image.channels == 1 || image.channels == 3, "tokenizer",
            "image has " + std::to_string(image.channels) + " channels, expected 1 or 3");
    if (image.height < patch_size || image.width < patch_size) {
        throw InvalidArgument("tokenizer: image " + geometry(image.height, image.width) + " is smaller than one " +
                              geometry(patch_size, patch_size) + " patch");
    }
    Tiles tiles;
    tiles.image_height = image.height;
    tiles.image_width = image.width;
    tiles.channels = image.channels;
    tiles.patch_size = patch_size;
    tiles.rows = (image.height + patch_size - 1) / patch_size;
    tiles.cols = (image.width + patch_size - 1) / patch_size;
    tiles.values.resize(tiles.size() * std::size_t(tiles.dim()));
    const std::size_t C = std::size_t(image.channels);
#pragma omp parallel for schedule(static) if (tiles.values.size() >= detail::kParallelMinWork)
    for (int r = 0; r < tiles.rows; ++r) {
        for (int c = 0; c < tiles.cols; ++c) {
            float* dst = tiles.values.data() + (std::size_t(r) * tiles.cols + c) * std::size_t(tiles.dim());
            for (int dy = 0; dy < patch_size; ++dy) {
                const int y = reflect(r * patch_size + dy, image.height);
                for (int dx = 0; dx < patch_size; ++dx) {
                    const int x = reflect(c * patch_size + dx, image.width);
                    std::copy_n(&image.data[(std::size_t(y) * image.width + x) * C], C, dst);
                    dst += C;
                }
            }
        }
    }
    return tiles;
}

TokenGrid make_token_grid(const Codebook& codebook, const Tiles& tiles, const Assignment& assignment) {
    require_dim(codebook, tiles.patch_size, tiles.channels, "tokenizer");
    require(assignment.size() == tiles.size(), "tokenizer",
            "assignment has " + std::to_string(assignment.size()) + " entries for " + std::to_string(tiles.size()) +
                " tiles");
    TokenGrid grid;
    grid.image_height = tiles.image_height;
    grid.image_width = tiles.image_width;
    grid.channels = tiles.channels;
    grid.patch_size = tiles.patch_size;
    grid.num_codes = codebook.size();
    grid.codebook_checksum = codebook.checksum();
    grid.indices = assignment.index;
    return grid;
}

TokenGrid encode(const Codebook& codebook, ImageView image, int patch_size, std::vector<float>* confidence) {
    const Tiles tiles = extract_tiles(image, patch_size);
    require_dim(codebook, patch_size, image.channels, "tokenizer");
    Assignment assignment = codebook.assign(tiles.values.data(), tiles.size());
    TokenGrid grid = make_token_grid(codebook, tiles, assignment);
    if (confidence != nullptr) *confidence = std::move(assignment.confidence);
    return grid;
}

Image decode(const Codebook& codebook, const TokenGrid& grid) {
    require(grid.num_codes == codebook.size(), "decode",
            "tokens refer to a codebook of K = " + std::to_string(grid.num_codes) + " but this codebook has K = " +
                std::to_string(codebook.size()));
    require(grid.codebook_checksum == codebook.checksum(), "decode",
            "tokens were made with another codebook (checksum " + std::to_string(grid.codebook_checksum) +
                ", this codebook " + std::to_string(codebook.checksum()) + ")");
    require(grid.channels == 1 || grid.channels == 3, "decode",
            "token grid has " + std::to_string(grid.channels) + " channels, expected 1 or 3");
    require(grid.patch_size >= 1, "decode", "patch size must be >= 1, got " + std::to_string(grid.patch_size));
    require_dim(codebook, grid.patch_size, grid.channels, "decode");
    if (grid.image_height < grid.patch_size || grid.image_width < grid.patch_size) {
        throw InvalidArgument("decode: image " + geometry(grid.image_height, grid.image_width) +
                              " is smaller than one " + geometry(grid.patch_size, grid.patch_size) + " patch");
    }
    const std::size_t expected = std::size_t(grid.rows()) * std::size_t(grid.cols());
    require(grid.indices.size() == expected, "decode",
            "expected " + std::to_string(grid.rows()) + " × " + std::to_string(grid.cols()) + " = " +
                std::to_string(expected) + " indices, got " + std::to_string(grid.indices.size()));
    for (std::size_t i = 0; i < expected; ++i) {
        if (grid.indices[i] >= codebook.size()) {
            throw InvalidArgument("decode: index " + std::to_string(grid.indices[i]) + " at tile " +
                                  std::to_string(i) + " is out of range for K = " + std::to_string(codebook.size()));
        }
    }
    const int P = grid.patch_size;
    const std::size_t C = std::size_t(grid.channels);
    Image out(grid.image_height, grid.image_width, grid.channels);
    // Codewords are means of [0, 1] data but may drift by rounding: clamp so the
    // result is a valid Image.
#pragma omp parallel for schedule(static) if (out.data.size() >= detail::kParallelMinWork)
    for (int y = 0; y < grid.image_height; ++y) {
        const int r = y / P, dy = y % P;
        for (int x = 0; x < grid.image_width; ++x) {
            const int c = x / P, dx = x % P;
            const float* src = codebook.codeword(grid.indices[std::size_t(r) * grid.cols() + c]) +
                               (std::size_t(dy) * P + dx) * C;
            float* dst = &out.data[(std::size_t(y) * grid.image_width + x) * C];
            for (std::size_t ch = 0; ch < C; ++ch) dst[ch] = std::clamp(src[ch], 0.0f, 1.0f);
        }
    }
    return out;
}

}  // namespace lidecm
