#pragma once
// Internal: an Image seen as an OpenCV matrix without copying, and back.
#include <opencv2/core.hpp>

#include "lidecm/image/image.hpp"

namespace lidecm::detail {

/// A CV_32FC(C) header over the image's values (no copy; valid while the image lives).
inline cv::Mat as_mat(Image& image) {
    return cv::Mat(image.height, image.width, CV_32FC(image.channels), image.data.data());
}

/// The same over read-only values: OpenCV has no const matrix header, so callers only
/// pass it where OpenCV reads (a source argument).
inline cv::Mat as_mat(ImageView image) {
    return cv::Mat(image.height, image.width, CV_32FC(image.channels), const_cast<float*>(image.data.data()));
}

/// A copy of a CV_32FC1/CV_32FC3 matrix.
inline Image from_mat(const cv::Mat& m) {
    Image out(m.rows, m.cols, m.channels());
    cv::Mat dst = as_mat(out);
    m.copyTo(dst);
    return out;
}

}  // namespace lidecm::detail
