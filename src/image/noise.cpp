#include "lidecm/image/noise.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "image/noise_pca.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {
namespace {

double haar_mad_sigma(ImageView image) {
    require(image.height >= 2 && image.width >= 2, "noise estimate", "image must be at least 2x2");
    const int h2 = image.height / 2, w2 = image.width / 2;
    std::vector<float> hh(std::size_t(h2) * std::size_t(w2));
    double total = 0.0;
    for (int c = 0; c < image.channels; ++c) {
        for (int y = 0; y < h2; ++y) {
            for (int x = 0; x < w2; ++x) {
                const float a = image.at(2 * y, 2 * x, c), b = image.at(2 * y, 2 * x + 1, c);
                const float d = image.at(2 * y + 1, 2 * x, c), e = image.at(2 * y + 1, 2 * x + 1, c);
                hh[std::size_t(y) * w2 + x] = std::fabs(a - b - d + e) * 0.5f;  // orthonormal Haar HH
            }
        }
        auto mid = hh.begin() + std::ptrdiff_t(hh.size() / 2);
        std::nth_element(hh.begin(), mid, hh.end());
        total += double(*mid) / 0.6745;
    }
    return total / image.channels;
}

}  // namespace

double estimate_noise_sigma(ImageView image, NoiseEstimator estimator) {
    switch (estimator) {
        case NoiseEstimator::PatchPca: return detail::patch_pca_sigma(image);
        case NoiseEstimator::HaarMad: return haar_mad_sigma(image);
    }
    throw InvalidArgument("noise estimate: unknown estimator");
}

}  // namespace lidecm
