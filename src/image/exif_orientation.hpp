#pragma once
// EXIF orientation (issue 23): phone photos are stored sideways with a tag saying how to
// turn them. lidecm reads the tag with the header, so sizes, tiles and decoded pixels all
// describe the image as it is shown (internal header).
#include <cstddef>
#include <vector>

#include <opencv2/core.hpp>

namespace lidecm::detail {

/// The Orientation tag (274) of the TIFF structure (an EXIF block: byte order, 42, IFD0)
/// in bytes[begin, end): 1 … 8, or 1 when it is absent, out of range or the structure is
/// malformed or cut short (a viewer shows such a file unturned too). Never reads outside.
int exif_orientation(const std::vector<unsigned char>& bytes, std::size_t begin, std::size_t end);

/// Orientations 5 … 8 turn the image by a quarter: the shown width is the stored height.
inline bool swaps_sides(int orientation) { return orientation >= 5 && orientation <= 8; }

/// Turns decoded pixels as `orientation` says (as OpenCV and viewers do), in place.
void apply_orientation(cv::Mat& image, int orientation);

}  // namespace lidecm::detail
