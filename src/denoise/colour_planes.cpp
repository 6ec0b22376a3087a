#include "denoise/colour_planes.hpp"

#include <algorithm>
#include <cmath>

namespace lidecm::detail {

namespace {
const float kR3 = float(1.0 / std::sqrt(3.0)), kR2 = float(1.0 / std::sqrt(2.0)), kR6 = float(1.0 / std::sqrt(6.0));
}

namespace {
/// Mirror index: -1 → 0, -2 → 1, n → n − 1 (the edge pixel repeated, as BM3D's reference code pads).
int mirror(int i, int n) {
    while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
}
}  // namespace

Planes to_opponent(ImageView image, int border) {
    Planes p(image.height + 2 * border, image.width + 2 * border, image.channels);
    const std::size_t n = std::size_t(p.height) * std::size_t(p.width);
    for (int py = 0; py < p.height; ++py) {
        const int iy = mirror(py - border, image.height);
        for (int px = 0; px < p.width; ++px) {
            const float* in = &image.data[(std::size_t(iy) * image.width + mirror(px - border, image.width)) * image.channels];
            const std::size_t i = std::size_t(py) * p.width + px;
            if (image.channels == 1) {
                p.values[i] = in[0];
                continue;
            }
            const float r = in[0], g = in[1], b = in[2];
            p.values[i] = (r + g + b) * kR3;
            p.values[n + i] = (r - b) * kR2;
            p.values[2 * n + i] = (r - 2 * g + b) * kR6;
        }
    }
    return p;
}

Image from_opponent(const Planes& p, int border) {
    Image out(p.height - 2 * border, p.width - 2 * border, p.channels);
    const std::size_t n = std::size_t(p.height) * std::size_t(p.width);
    const auto clamp01 = [](float v) { return std::clamp(v, 0.0f, 1.0f); };
    for (int y = 0; y < out.height; ++y) {
        for (int x = 0; x < out.width; ++x) {
            const std::size_t i = std::size_t(y + border) * p.width + std::size_t(x + border);
            float* o = &out.data[(std::size_t(y) * out.width + x) * out.channels];
            if (p.channels == 1) {
                o[0] = clamp01(p.values[i]);
                continue;
            }
            const float a = p.values[i] * kR3, u = p.values[n + i], v = p.values[2 * n + i];
            o[0] = clamp01(a + u * kR2 + v * kR6);
            o[1] = clamp01(a - 2 * v * kR6);
            o[2] = clamp01(a - u * kR2 + v * kR6);
        }
    }
    return out;
}

}  // namespace lidecm::detail
