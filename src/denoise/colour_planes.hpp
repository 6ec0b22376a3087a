#pragma once
// Internal: an image as separate channel planes in the orthonormal opponent
// colour space, where the collaborative filter works.
#include <cstddef>
#include <vector>

#include "denoise/block_matching.hpp"
#include "lidecm/image/image.hpp"

namespace lidecm::detail {

/// Channel-major planes (C × H × W).
struct Planes {
    int height = 0, width = 0, channels = 0;
    std::vector<float> values;

    Planes(int h, int w, int c) : height(h), width(w), channels(c), values(std::size_t(h) * w * c, 0.0f) {}
    [[nodiscard]] const float* at(int c, int y, int x) const {
        return values.data() + (std::size_t(c) * height + y) * std::size_t(width) + x;
    }
    /// The plane patches are grouped on: luminance (the first opponent channel) or the grey plane.
    [[nodiscard]] PlaneView guide() const { return {values.data(), height, width}; }
};

/// Grey: one plane. RGB: Y = (R+G+B)/√3, U = (R−B)/√2, V = (R−2G+B)/√6 — an
/// orthogonal map, so white noise of std σ stays white with std σ in each channel.
/// `border` px are added on each side by mirroring, so that patches near the
/// edge have a full search window.
Planes to_opponent(ImageView image, int border);
/// The inverse map back to HWC without the border, clamped to [0, 1].
Image from_opponent(const Planes& planes, int border);

/// Squared distances on the guide plane are this many times those of the mean
/// of the channels (Y = √3 · mean for RGB).
inline float guide_distance_scale(int channels) { return channels == 3 ? 3.0f : 1.0f; }

}  // namespace lidecm::detail
