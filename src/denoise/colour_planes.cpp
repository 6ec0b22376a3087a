#include "denoise/colour_planes.hpp"

#include <algorithm>
#include <cmath>

namespace lidecm::detail {

namespace {
const float kR3 = float(1.0 / std::sqrt(3.0)), kR2 = float(1.0 / std::sqrt(2.0)), kR6 = float(1.0 / std::sqrt(6.0));
}

Planes to_opponent(const Image& image) {
    Planes p(image.height, image.width, image.channels);
    const std::size_t n = image.pixels();
    const float* in = image.data.data();
    if (image.channels == 1) {
        std::copy(image.data.begin(), image.data.end(), p.values.begin());
        return p;
    }
    float* y = p.values.data();
    float* u = y + n;
    float* v = u + n;
    for (std::size_t i = 0; i < n; ++i) {
        const float r = in[3 * i], g = in[3 * i + 1], b = in[3 * i + 2];
        y[i] = (r + g + b) * kR3;
        u[i] = (r - b) * kR2;
        v[i] = (r - 2 * g + b) * kR6;
    }
    return p;
}

Image from_opponent(const Planes& p) {
    Image out(p.height, p.width, p.channels);
    const std::size_t n = std::size_t(p.height) * std::size_t(p.width);
    float* o = out.data.data();
    const auto clamp01 = [](float v) { return std::clamp(v, 0.0f, 1.0f); };
    if (p.channels == 1) {
        for (std::size_t i = 0; i < n; ++i) o[i] = clamp01(p.values[i]);
        return out;
    }
    const float* y = p.values.data();
    const float* u = y + n;
    const float* v = u + n;
    for (std::size_t i = 0; i < n; ++i) {
        const float a = y[i] * kR3;
        o[3 * i] = clamp01(a + u[i] * kR2 + v[i] * kR6);
        o[3 * i + 1] = clamp01(a - 2 * v[i] * kR6);
        o[3 * i + 2] = clamp01(a - u[i] * kR2 + v[i] * kR6);
    }
    return out;
}

}  // namespace lidecm::detail
