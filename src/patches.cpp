#include "lidecm/patches.hpp"

#include <algorithm>
#include <string>

#include "lidecm/error.hpp"

namespace lidecm {

std::vector<int> patch_corners(int length, int patch, int stride) {
    require(patch >= 1, "patch size", "must be >= 1, got " + std::to_string(patch));
    require(stride >= 1, "stride", "must be >= 1, got " + std::to_string(stride));
    require(patch <= length, "patch size",
            std::to_string(patch) + " is larger than the image side " + std::to_string(length));
    std::vector<int> corners;
    for (int c = 0; c + patch <= length; c += stride) corners.push_back(c);
    if (corners.back() != length - patch) corners.push_back(length - patch);
    return corners;
}

PatchSet extract_patches(const Image& image, int patch_size, int stride) {
    require(!image.empty(), "patches", "image is empty");
    PatchSet set;
    set.patch_size = patch_size;
    set.channels = image.channels;
    set.image_height = image.height;
    set.image_width = image.width;
    set.rows = patch_corners(image.height, patch_size, stride);
    set.cols = patch_corners(image.width, patch_size, stride);
    const std::size_t n = set.rows.size() * set.cols.size();
    set.corner_y.reserve(n);
    set.corner_x.reserve(n);
    for (int y : set.rows) {
        for (int x : set.cols) {
            set.corner_y.push_back(y);
            set.corner_x.push_back(x);
        }
    }
    set.values.resize(n * std::size_t(set.dim()));
    const std::size_t row = std::size_t(patch_size) * image.channels;
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(n); ++i) {
        float* dst = set.patch(std::size_t(i));
        for (int dy = 0; dy < patch_size; ++dy) {
            const float* src = &image.data[(std::size_t(set.corner_y[i] + dy) * image.width + set.corner_x[i]) *
                                           image.channels];
            std::copy_n(src, row, dst + std::size_t(dy) * row);
        }
    }
    return set;
}

Image reassemble(const PatchSet& patches) {
    require(patches.image_height > 0 && patches.image_width > 0, "reassemble", "patch set has no image size");
    const int H = patches.image_height, W = patches.image_width, C = patches.channels, P = patches.patch_size;
    // Double accumulators make k copies of one float average back to exactly that float.
    std::vector<double> sum(std::size_t(H) * W * C, 0.0);
    std::vector<int> count(std::size_t(H) * W, 0);
    const std::size_t row = std::size_t(P) * C;
    for (std::size_t i = 0; i < patches.size(); ++i) {
        const float* src = patches.patch(i);
        require(patches.corner_y[i] >= 0 && patches.corner_x[i] >= 0 && patches.corner_y[i] + P <= H &&
                    patches.corner_x[i] + P <= W,
                "reassemble", "patch " + std::to_string(i) + " lies outside the image");
        for (int dy = 0; dy < P; ++dy) {
            const std::size_t pix = std::size_t(patches.corner_y[i] + dy) * W + patches.corner_x[i];
            double* dst = &sum[pix * C];
            for (std::size_t k = 0; k < row; ++k) dst[k] += src[dy * row + k];
            for (int dx = 0; dx < P; ++dx) ++count[pix + dx];
        }
    }
    Image out(H, W, C);
    for (std::size_t p = 0; p < count.size(); ++p) {
        if (count[p] == 0) continue;
        for (int c = 0; c < C; ++c) out.data[p * C + c] = float(sum[p * C + c] / count[p]);
    }
    return out;
}

}  // namespace lidecm
