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

namespace {

/// The two passes with the side known at compile time for the common size, so
/// the compiler unrolls and vectorises them (most of the filter's time is here).
template <int K>
void forward_fixed(const float* basis, int k_runtime, const float* in, int stride, float* out) {
    const int k = K > 0 ? K : k_runtime;
    float tmp[16 * 16];  // patch sides are at most 16 (CollaborativeOptions::validate)
    // tmp = P·Dᵀ (rows transformed), then out = D·tmp (columns transformed).
    for (int y = 0; y < k; ++y) {
        const float* row = in + std::ptrdiff_t(y) * stride;
        for (int u = 0; u < k; ++u) {
            const float* b = basis + u * k;
            float s = 0;
            for (int x = 0; x < k; ++x) s += row[x] * b[x];
            tmp[y * k + u] = s;
        }
    }
    for (int v = 0; v < k; ++v) {
        float o[16] = {};
        for (int y = 0; y < k; ++y) {
            const float b = basis[v * k + y];
            for (int u = 0; u < k; ++u) o[u] += b * tmp[y * k + u];
        }
        for (int u = 0; u < k; ++u) out[v * k + u] = o[u];
    }
}

template <int K>
void inverse_fixed(const float* basis, int k_runtime, const float* in, float* out) {
    const int k = K > 0 ? K : k_runtime;
    float tmp[16 * 16];
    // tmp = Dᵀ·C (columns), then out = tmp·D (rows).
    for (int y = 0; y < k; ++y) {
        float t[16] = {};
        for (int v = 0; v < k; ++v) {
            const float b = basis[v * k + y];
            for (int u = 0; u < k; ++u) t[u] += b * in[v * k + u];
        }
        for (int u = 0; u < k; ++u) tmp[y * k + u] = t[u];
    }
    for (int y = 0; y < k; ++y) {
        float o[16] = {};
        for (int u = 0; u < k; ++u) {
            const float tu = tmp[y * k + u];
            for (int x = 0; x < k; ++x) o[x] += tu * basis[u * k + x];
        }
        for (int x = 0; x < k; ++x) out[y * k + x] = o[x];
    }
}

}  // namespace

void Dct2d::forward(const float* in, int stride, float* out) const {
    if (k_ == 8) return forward_fixed<8>(basis_.data(), k_, in, stride, out);
    forward_fixed<0>(basis_.data(), k_, in, stride, out);
}

void Dct2d::inverse(const float* in, float* out) const {
    if (k_ == 8) return inverse_fixed<8>(basis_.data(), k_, in, out);
    inverse_fixed<0>(basis_.data(), k_, in, out);
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
