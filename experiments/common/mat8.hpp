#pragma once
// lidecm images and 8-bit OpenCV matrices, for the experiments that run an OpenCV
// algorithm or codec on the same pixels (header-only: the programs link OpenCV themselves).
#include <algorithm>
#include <cmath>

#include <opencv2/core.hpp>

#include "lidecm/image/image.hpp"

namespace lidecm::experiments {

/// Rounds every value to k/255, what saving as 8-bit PNG and loading back gives.
inline void quantise_8bit(lidecm::Image& img) {
    for (float& v : img.data) v = float(std::round(std::clamp(double(v), 0.0, 1.0) * 255.0) / 255.0);
}

/// 8-bit OpenCV matrix (grey, or BGR for an RGB image).
inline cv::Mat to_mat8(const lidecm::Image& img) {
    cv::Mat m(img.height, img.width, img.channels == 1 ? CV_8UC1 : CV_8UC3);
    for (int y = 0; y < img.height; ++y) {
        unsigned char* row = m.ptr<unsigned char>(y);
        for (int x = 0; x < img.width; ++x) {
            for (int c = 0; c < img.channels; ++c) {
                const int dst_c = img.channels == 1 ? 0 : 2 - c;
                row[x * img.channels + dst_c] =
                    cv::saturate_cast<unsigned char>(std::lround(double(img.at(y, x, c)) * 255.0));
            }
        }
    }
    return m;
}

inline lidecm::Image from_mat8(const cv::Mat& m) {
    const int ch = m.channels();
    lidecm::Image img(m.rows, m.cols, ch);
    for (int y = 0; y < m.rows; ++y) {
        const unsigned char* row = m.ptr<unsigned char>(y);
        for (int x = 0; x < m.cols; ++x) {
            for (int c = 0; c < ch; ++c) {
                const int src_c = ch == 1 ? 0 : 2 - c;
                img.at(y, x, c) = float(row[x * ch + src_c]) / 255.0f;
            }
        }
    }
    return img;
}

}  // namespace lidecm::experiments
