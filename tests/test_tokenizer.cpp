// The tokenizer: tiles with reflection padding, encode/decode round trips and
// the errors of mismatched tokens.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lidecm/codebook/codebook.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

/// A codebook whose codewords are exactly the tiles of `image`.
Codebook codebook_of_tiles(const Image& image, int patch_size) {
    Tiles tiles = extract_tiles(image, patch_size);
    return Codebook(int(tiles.size()), tiles.dim(), std::move(tiles.values));
}

std::string message_of(const auto& f) {
    try {
        f();
    } catch (const InvalidArgument& e) {
        return e.what();
    }
    return "no exception";
}

TEST(Tiles, AreRowMajorHwcTilesInGridOrder) {
    const Image img = test::noise_texture(8, 12, 3, 1);
    const Tiles t = extract_tiles(img, 4);
    ASSERT_EQ(t.rows, 2);
    ASSERT_EQ(t.cols, 3);
    ASSERT_EQ(t.dim(), 48);
    ASSERT_EQ(t.values.size(), 6u * 48u);
    for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 3; ++c)
            for (int y = 0; y < 4; ++y)
                for (int x = 0; x < 4; ++x)
                    for (int ch = 0; ch < 3; ++ch)
                        EXPECT_EQ(t.tile(std::size_t(r * 3 + c))[(y * 4 + x) * 3 + ch], img.at(r * 4 + y, c * 4 + x, ch));
}

TEST(Tiles, PadByReflectionWithoutRepeatingTheEdge) {
    const Image img = test::noise_texture(10, 11, 1, 2);  // padded to 12×12 with P = 4
    const Tiles t = extract_tiles(img, 4);
    ASSERT_EQ(t.rows, 3);
    ASSERT_EQ(t.cols, 3);
    const float* corner = t.tile(8);  // covers y, x in 8 … 11
    // Padded row 10 is row 8 (2·9 − 10), row 11 is row 7; padded column 11 is column 9.
    EXPECT_EQ(corner[(2 * 4 + 0) * 1], img.at(8, 8, 0));
    EXPECT_EQ(corner[(3 * 4 + 0) * 1], img.at(7, 8, 0));
    EXPECT_EQ(corner[(0 * 4 + 3) * 1], img.at(8, 9, 0));
    EXPECT_EQ(corner[(3 * 4 + 3) * 1], img.at(7, 9, 0));
    EXPECT_EQ(corner[(1 * 4 + 2) * 1], img.at(9, 10, 0));  // inside the image: unchanged
}

TEST(Tiles, ImageSmallerThanOnePatchIsAnError) {
    EXPECT_EQ(message_of([] { extract_tiles(test::constant(5, 5, 3, 0.5f), 8); }),
              "tokenizer: image 5×5 is smaller than one 8×8 patch");
    EXPECT_THROW(extract_tiles(test::constant(8, 7, 1, 0.5f), 8), InvalidArgument);
    EXPECT_THROW(extract_tiles(test::constant(8, 8, 1, 0.5f), 0), InvalidArgument);
    EXPECT_THROW(extract_tiles(Image(), 8), InvalidArgument);
    EXPECT_NO_THROW(extract_tiles(test::constant(8, 8, 1, 0.5f), 8));
}

TEST(Tokenizer, ImageOfCodewordTilesRoundTripsExactly) {
    const Image source = test::noise_texture(16, 24, 3, 3);  // 2 × 3 tiles of 8×8
    const Codebook cb = codebook_of_tiles(source, 8);
    // A new 24×16 image laid out from the codewords 5, 0, 3, 3, 1, 2.
    const std::vector<std::uint16_t> layout = {5, 0, 3, 3, 1, 2};
    Image img(24, 16, 3);
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 2; ++c)
            for (int y = 0; y < 8; ++y)
                for (int x = 0; x < 8; ++x)
                    for (int ch = 0; ch < 3; ++ch)
                        img.at(r * 8 + y, c * 8 + x, ch) = cb.codeword(layout[std::size_t(r * 2 + c)])[(y * 8 + x) * 3 + ch];
    std::vector<float> confidence;
    const TokenGrid grid = encode(cb, img, 8, &confidence);
    EXPECT_EQ(grid.indices, layout);
    EXPECT_EQ(grid.image_height, 24);
    EXPECT_EQ(grid.image_width, 16);
    EXPECT_EQ(grid.channels, 3);
    EXPECT_EQ(grid.patch_size, 8);
    EXPECT_EQ(grid.num_codes, 6);
    EXPECT_EQ(grid.codebook_checksum, cb.checksum());
    EXPECT_EQ(confidence, std::vector<float>(6, 1.0f));
    EXPECT_EQ(decode(cb, grid).data, img.data);
}

TEST(Tokenizer, NonMultipleSizesAreCroppedBack) {
    // The tiles of a 13×21 grey image (padded to 16×24) are the codebook, so
    // decoding gives the padded image, whose crop is the original.
    const Image img = test::noise_texture(13, 21, 1, 4);
    const Codebook cb = codebook_of_tiles(img, 8);
    const TokenGrid grid = encode(cb, img, 8);
    ASSERT_EQ(grid.rows(), 2);
    ASSERT_EQ(grid.cols(), 3);
    EXPECT_EQ(grid.indices, (std::vector<std::uint16_t>{0, 1, 2, 3, 4, 5}));
    const Image back = decode(cb, grid);
    EXPECT_EQ(back.height, 13);
    EXPECT_EQ(back.width, 21);
    EXPECT_EQ(back.data, img.data);
}

TEST(Tokenizer, MakeTokenGridKeepsTheAssignment) {
    const Image img = test::gradient(16, 16, 1);
    const Codebook cb = codebook_of_tiles(test::noise_texture(16, 32, 1, 5), 8);
    const Tiles tiles = extract_tiles(img, 8);
    const Assignment a = cb.assign(tiles.values.data(), tiles.size());
    const TokenGrid grid = make_token_grid(cb, tiles, a);
    EXPECT_EQ(grid.indices, a.index);
    EXPECT_EQ(grid.indices, encode(cb, img, 8).indices);
    Assignment short_a = a;
    short_a.index.pop_back();
    EXPECT_THROW(make_token_grid(cb, tiles, short_a), InvalidArgument);
}

TEST(Tokenizer, MismatchesAreClearErrors) {
    const Image img = test::noise_texture(16, 16, 3, 6);
    const Codebook cb = codebook_of_tiles(img, 8);  // K = 4, D = 192
    const TokenGrid grid = encode(cb, img, 8);

    EXPECT_EQ(message_of([&] { encode(cb, test::constant(16, 16, 1, 0.5f), 8); }),
              "tokenizer: 8×8 patches of 1 channel(s) have 64 values but the codebook's dimension is 192");
    EXPECT_THROW(encode(cb, img, 4), InvalidArgument);

    const Codebook other = codebook_of_tiles(test::noise_texture(16, 16, 3, 7), 8);
    EXPECT_NE(message_of([&] { decode(other, grid); }).find("tokens were made with another codebook"), std::string::npos);

    TokenGrid k = grid;
    k.num_codes = 512;
    EXPECT_EQ(message_of([&] { decode(cb, k); }),
              "decode: tokens refer to a codebook of K = 512 but this codebook has K = 4");
    TokenGrid ch = grid;
    ch.channels = 1;
    EXPECT_NE(message_of([&] { decode(cb, ch); }).find("codebook's dimension is 192"), std::string::npos);
    TokenGrid count = grid;
    count.indices.push_back(0);
    EXPECT_EQ(message_of([&] { decode(cb, count); }), "decode: expected 2 × 2 = 4 indices, got 5");
    TokenGrid range = grid;
    range.indices[2] = 4;
    EXPECT_EQ(message_of([&] { decode(cb, range); }), "decode: index 4 at tile 2 is out of range for K = 4");
    TokenGrid tiny = grid;
    tiny.image_height = 5;
    EXPECT_THROW(decode(cb, tiny), InvalidArgument);
}

}  // namespace
}  // namespace lidecm
