#pragma once
// Pictures of many images at once: rows of equal-sized cells with a label per
// row (e.g. originals / token reconstructions / refined), for training samples.
#include <string>
#include <vector>

#include "lidecm/image/image.hpp"

namespace lidecm {

struct GridOptions {
    int scale = 0;          ///< cell magnification (nearest neighbour); 0 = enough to make cells ≥ 96 px
    int padding = 4;        ///< pixels between cells and around the grid
    int label_width = 0;    ///< width of the label column; 0 = fit the longest label (none without labels)
    float background = 1.0f;  ///< grey level of the padding (1 = white)
};

/// One labelled row of the grid.
struct GridRow {
    std::string label;          ///< drawn left of the row (may be empty)
    std::vector<Image> images;  ///< all of one size across the whole grid
};

/// An RGB image with the rows stacked top to bottom. Throws InvalidArgument when
/// there are no images, when the images differ in size, or for a negative option.
Image make_grid(const std::vector<GridRow>& rows, const GridOptions& options = {});

}  // namespace lidecm
