// Grids of images for training samples.
#include <gtest/gtest.h>

#include "lidecm/core/error.hpp"
#include "lidecm/image/image_grid.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {

float at(const Image& img, int y, int x, int c) { return img.data[(std::size_t(y) * img.width + x) * 3 + c]; }

TEST(ImageGrid, PlacesEveryCellScaledAtItsPosition) {
    const Image red = test::constant(4, 6, 3, 0.0f);
    Image r = red;
    for (std::size_t i = 0; i < r.size(); i += 3) r.data[i] = 1.0f;
    const Image grey = test::constant(4, 6, 1, 0.25f);
    GridOptions o;
    o.scale = 2;
    o.padding = 3;
    const Image g = make_grid({{"", {r, grey}}, {"", {grey}}}, o);
    EXPECT_EQ(g.channels, 3);
    EXPECT_EQ(g.width, 3 + 2 * (12 + 3));
    EXPECT_EQ(g.height, 3 + 2 * (8 + 3));
    EXPECT_EQ(at(g, 3, 3, 0), 1.0f);  // first cell's corner is red
    EXPECT_EQ(at(g, 3, 3, 1), 0.0f);
    EXPECT_EQ(at(g, 3 + 7, 3 + 11, 0), 1.0f);  // and its far corner (scaled ×2)
    EXPECT_EQ(at(g, 3, 3 + 12 + 3, 0), 0.25f);  // second cell: grey replicated to RGB
    EXPECT_EQ(at(g, 3 + 8 + 3, 3 + 12 + 3, 0), 1.0f);  // the empty second cell of row 2 is background
    EXPECT_EQ(at(g, 0, 0, 2), 1.0f);                     // padding
}

TEST(ImageGrid, LabelsWidenTheGridAndAreDrawn) {
    const Image cell = test::constant(8, 8, 3, 1.0f);
    GridOptions o;
    o.scale = 1;
    const Image plain = make_grid({{"", {cell}}}, o);
    const Image labelled = make_grid({{"originals", {cell}}}, o);
    EXPECT_GT(labelled.width, plain.width + 20);
    float darkest = 1.0f;
    for (float v : labelled.data) darkest = std::min(darkest, v);
    EXPECT_LT(darkest, 0.5f);  // the text is dark on the white background
}

TEST(ImageGrid, RefusesMixedSizesAndNothingToDraw) {
    EXPECT_THROW(make_grid({}), InvalidArgument);
    EXPECT_THROW(make_grid({{"a", {}}}), InvalidArgument);
    EXPECT_THROW(make_grid({{"", {test::constant(4, 4, 3, 0.f), test::constant(4, 5, 3, 0.f)}}}), InvalidArgument);
}

TEST(ImageGrid, DefaultScaleMakesSmallImagesVisible) {
    const Image g = make_grid({{"", {test::constant(32, 32, 3, 0.5f)}}});
    EXPECT_GE(g.height, 96);
}

}  // namespace
}  // namespace lidecm
