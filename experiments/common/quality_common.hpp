#pragma once
// Shared by the denoising experiments (and bench/perf/bench_collaborative): scores, timing,
// number formatting and the 8-bit rounding of a saved PNG.
#include <chrono>
#include <cstdio>
#include <string>

#include <opencv2/core.hpp>

#include "lidecm/image/image.hpp"

namespace lidecm::bench {

struct Score {
    double psnr = 0, ssim = 0, seconds = 0;
};

inline Score score(const Image& clean, const Image& result, double seconds) {
    return Score{psnr(clean, result), ssim(clean, result), seconds};
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

/// The image `save_image` would write as 8 bits, read back: the same OpenCV
/// conversion (×255, round to nearest, saturate), so scores equal those computed
/// from the CLI's output files.
inline Image as_saved_8bit(const Image& img) {
    cv::Mat f(img.height, img.width, CV_32FC(img.channels), const_cast<float*>(img.data.data()));
    cv::Mat m8;
    f.convertTo(m8, CV_8U, 255.0);
    Image out(img.height, img.width, img.channels);
    const unsigned char* p = m8.ptr<unsigned char>(0);
    for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = float(p[i]) / 255.0f;
    return out;
}

}  // namespace lidecm::bench
