#include "denoise/group_transform.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lidecm::detail {

Dct2d::Dct2d(int k) : k_(k), basis_(std::size_t(k) * k) {
    for (int u = 0; u < k; ++u) {
        const double alpha = std::sqrt((u == 0 ? 1.0 : 2.0) / k);
        for (int x = 0; x < k; ++x) {
            basis_[std::size_t(u) * k + x] = float(alpha * std::cos(std::numbers::pi * (2 * x + 1) * u / (2.0 * k)));
        }
    }
}

void Dct2d::forward(const float* in, int stride, float* out) const {
    const int k = k_;
    float tmp[16 * 16];  // patch sides are at most 16 (CollaborativeOptions::validate)
    // tmp = P·Dᵀ (rows transformed), then out = D·tmp (columns transformed).
    for (int y = 0; y < k; ++y) {
        const float* row = in + std::ptrdiff_t(y) * stride;
        for (int u = 0; u < k; ++u) {
            const float* b = &basis_[std::size_t(u) * k];
            float s = 0;
            for (int x = 0; x < k; ++x) s += row[x] * b[x];
            tmp[y * k + u] = s;
        }
    }
    for (int v = 0; v < k; ++v) {
        float* o = out + v * k;
        for (int u = 0; u < k; ++u) o[u] = 0;
        for (int y = 0; y < k; ++y) {
            const float b = basis_[std::size_t(v) * k + y];
            const float* t = tmp + y * k;
            for (int u = 0; u < k; ++u) o[u] += b * t[u];
        }
    }
}

void Dct2d::inverse(const float* in, float* out) const {
    const int k = k_;
    float tmp[16 * 16];
    // tmp = Dᵀ·C (columns), then out = tmp·D (rows).
    for (int y = 0; y < k; ++y) {
        float* t = tmp + y * k;
        for (int u = 0; u < k; ++u) t[u] = 0;
        for (int v = 0; v < k; ++v) {
            const float b = basis_[std::size_t(v) * k + y];
            const float* c = in + v * k;
            for (int u = 0; u < k; ++u) t[u] += b * c[u];
        }
    }
    for (int y = 0; y < k; ++y) {
        const float* t = tmp + y * k;
        float* o = out + y * k;
        for (int x = 0; x < k; ++x) o[x] = 0;
        for (int u = 0; u < k; ++u) {
            const float tu = t[u];
            const float* b = &basis_[std::size_t(u) * k];
            for (int x = 0; x < k; ++x) o[x] += tu * b[x];
        }
    }
}

void hadamard(float* group, int n, int len) {
    for (int h = 1; h < n; h *= 2) {
        for (int i = 0; i < n; i += 2 * h) {
            for (int j = i; j < i + h; ++j) {
                float* a = group + std::ptrdiff_t(j) * len;
                float* b = group + std::ptrdiff_t(j + h) * len;
                for (int e = 0; e < len; ++e) {
                    const float s = a[e], d = b[e];
                    a[e] = s + d;
                    b[e] = s - d;
                }
            }
        }
    }
    const float scale = 1.0f / std::sqrt(float(n));
    if (n > 1) {
        for (std::ptrdiff_t e = 0; e < std::ptrdiff_t(n) * len; ++e) group[e] *= scale;
    }
}

namespace {
/// Modified Bessel function of the first kind, order 0 (power series; converges fast for small x).
double bessel_i0(double x) {
    double sum = 1, term = 1;
    for (int m = 1; m < 50; ++m) {
        term *= (x / (2 * m)) * (x / (2 * m));
        sum += term;
        if (term < 1e-17 * sum) break;
    }
    return sum;
}
}  // namespace

std::vector<float> kaiser_window(int k, double beta) {
    std::vector<double> w1(std::size_t(k), 1.0);
    if (k > 1) {
        for (int i = 0; i < k; ++i) {
            const double r = 2.0 * i / (k - 1) - 1.0;
            w1[std::size_t(i)] = bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / bessel_i0(beta);
        }
    }
    std::vector<float> w(std::size_t(k) * k);
    for (int y = 0; y < k; ++y) {
        for (int x = 0; x < k; ++x) w[std::size_t(y) * k + x] = float(w1[std::size_t(y)] * w1[std::size_t(x)]);
    }
    return w;
}

}  // namespace lidecm::detail
