#include "lidecm/denoise/patches.hpp"

#include <algorithm>
#include <string>

#include "lidecm/core/error.hpp"
#include "denoise/patch_accumulator.hpp"

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

PatchSet patch_grid(ImageView image, int patch_size, int stride) {
    require(!image.empty(), "patches", "image is empty");
    PatchSet set;
    set.patch_size = patch_size;
    set.channels = image.channels;
    set.image_height = image.height;
    set.image_width = image.width;
    const PatchGrid& grid = set.grid.emplace(
        PatchGrid{patch_corners(image.height, patch_size, stride), patch_corners(image.width, patch_size, stride)});
    const std::size_t n = grid.rows() * grid.cols();
    set.corner_y.reserve(n);
    set.corner_x.reserve(n);
    for (int y : grid.y) {
        for (int x : grid.x) {
            set.corner_y.push_back(y);
            set.corner_x.push_back(x);
        }
    }
    return set;
}

PatchSet extract_patches(ImageView image, int patch_size, int stride) {
    PatchSet set = patch_grid(image, patch_size, stride);
    const std::size_t n = set.size();
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

namespace detail {

PatchAccumulator::PatchAccumulator(int height, int width, int channels, int patch_size)
    : height_(height), width_(width), channels_(channels), patch_(patch_size),
      sum_(std::size_t(height) * std::size_t(width) * std::size_t(channels), 0.0),
      count_(std::size_t(height) * std::size_t(width), 0) {}

void PatchAccumulator::add(int y, int x, const float* values) {
    if (y < 0 || x < 0 || y + patch_ > height_ || x + patch_ > width_) {  // message built only on failure
        throw InvalidArgument("reassemble: patch at (" + std::to_string(y) + ", " + std::to_string(x) +
                              ") lies outside the image");
    }
    const std::size_t row = std::size_t(patch_) * channels_;
    for (int dy = 0; dy < patch_; ++dy) {
        const std::size_t pix = std::size_t(y + dy) * width_ + x;
        double* dst = &sum_[pix * channels_];
        const float* src = values + dy * row;
        for (std::size_t k = 0; k < row; ++k) dst[k] += src[k];
        for (int dx = 0; dx < patch_; ++dx) ++count_[pix + dx];
    }
}

Image PatchAccumulator::average() const {
    Image out(height_, width_, channels_);
    for (std::size_t p = 0; p < count_.size(); ++p) {
        if (count_[p] == 0) continue;
        for (int c = 0; c < channels_; ++c) out.data[p * channels_ + c] = float(sum_[p * channels_ + c] / count_[p]);
    }
    return out;
}

}  // namespace detail

Image reassemble(const PatchSet& patches) {
    require(patches.image_height > 0 && patches.image_width > 0, "reassemble", "patch set has no image size");
    detail::PatchAccumulator acc(patches.image_height, patches.image_width, patches.channels, patches.patch_size);
    for (std::size_t i = 0; i < patches.size(); ++i) acc.add(patches.corner_y[i], patches.corner_x[i], patches.patch(i));
    return acc.average();
}

}  // namespace lidecm
