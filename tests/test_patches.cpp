// Patch extraction with full coverage and exact reassembly.
#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/denoise/patches.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

TEST(PatchCorners, CoverTheBorderWithOneExtraCorner) {
    EXPECT_EQ(patch_corners(20, 8, 5), (std::vector<int>{0, 5, 10, 12}));
    EXPECT_EQ(patch_corners(18, 8, 5), (std::vector<int>{0, 5, 10}));  // 10 + 8 = 18: already covered
    EXPECT_EQ(patch_corners(8, 8, 3), (std::vector<int>{0}));
    EXPECT_THROW(patch_corners(7, 8, 5), InvalidArgument);
    EXPECT_THROW(patch_corners(20, 8, 0), InvalidArgument);
}

TEST(Patches, EveryPixelIsCovered) {
    const int H = 37, W = 23, P = 8, S = 5;
    const PatchSet set = extract_patches(test::gradient(H, W, 1), P, S);
    std::vector<int> covered(std::size_t(H) * W, 0);
    for (std::size_t i = 0; i < set.size(); ++i)
        for (int y = 0; y < P; ++y)
            for (int x = 0; x < P; ++x) ++covered[std::size_t(set.corner_y[i] + y) * W + set.corner_x[i] + x];
    for (int c : covered) EXPECT_GT(c, 0);
    EXPECT_TRUE(set.is_grid());
    EXPECT_EQ(set.size(), set.grid->rows() * set.grid->cols());
}

TEST(Patches, ValuesAreRowMajorHwc) {
    const Image img = test::noise_texture(10, 12, 3, 5);
    const PatchSet set = extract_patches(img, 4, 3);
    const std::size_t i = 5;  // some interior patch
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x)
            for (int c = 0; c < 3; ++c)
                EXPECT_EQ(set.patch(i)[(y * 4 + x) * 3 + c], img.at(set.corner_y[i] + y, set.corner_x[i] + x, c));
    EXPECT_DOUBLE_EQ(set.center_y(i), set.corner_y[i] + 2.0);
}

TEST(Patches, ExtractThenReassembleIsExact) {
    for (int stride : {1, 3, 5, 8}) {
        const Image img = test::noise_texture(29, 31, 3, std::uint64_t(stride));
        const Image back = reassemble(extract_patches(img, 8, stride));
        EXPECT_EQ(back.data, img.data) << "stride " << stride;
    }
}

TEST(Patches, ReassembleAveragesOverlaps) {
    PatchSet set = extract_patches(test::constant(4, 6, 1, 0.0f), 4, 2);  // corners x = 0, 2
    ASSERT_EQ(set.size(), 2u);
    std::fill(set.patch(0), set.patch(0) + 16, 1.0f);
    std::fill(set.patch(1), set.patch(1) + 16, 3.0f);
    const Image out = reassemble(set);
    EXPECT_FLOAT_EQ(out.at(0, 0, 0), 1.0f);
    EXPECT_FLOAT_EQ(out.at(0, 2, 0), 2.0f);  // covered by both
    EXPECT_FLOAT_EQ(out.at(0, 5, 0), 3.0f);
}

}  // namespace
}  // namespace lidecm
