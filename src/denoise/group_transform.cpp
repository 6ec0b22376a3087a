#include "denoise/group_transform.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace lidecm::detail {

namespace {

std::vector<double> dct_matrix(int k) {
    std::vector<double> a(std::size_t(k) * k);
    for (int u = 0; u < k; ++u) {
        const double alpha = std::sqrt((u == 0 ? 1.0 : 2.0) / k);
        for (int x = 0; x < k; ++x) {
            a[std::size_t(u) * k + x] = alpha * std::cos(std::numbers::pi * (2 * x + 1) * u / (2.0 * k));
        }
    }
    return a;
}

/// Half-sample mirror: -1 → 0, -2 → 1, n → n − 1.
int mirror(int i, int n) {
    while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
    return i;
}

/// Analysis matrix of the full-depth biorthogonal 1.5 wavelet transform of k
/// (a power of 2) samples with half-sample symmetric extension: the low-pass
/// filter is Cohen–Daubechies–Feauveau's 10-tap one, the high-pass is Haar's.
/// Output order: coarsest approximation, then details from coarse to fine.
std::vector<double> bior15_matrix(int k) {
    const double r = std::numbers::sqrt2 / 2.0 / 128.0;
    const double low[10] = {3 * r, -3 * r, -22 * r, 22 * r, 128 * r, 128 * r, 22 * r, -22 * r, -3 * r, 3 * r};
    std::vector<double> a(std::size_t(k) * k);
    for (int col = 0; col < k; ++col) {
        std::vector<double> x(std::size_t(k), 0.0), out(std::size_t(k), 0.0);
        x[std::size_t(col)] = 1.0;
        for (int n = k; n >= 2; n /= 2) {
            std::vector<double> approx(std::size_t(n / 2));
            for (int i = 0; i < n / 2; ++i) {
                double sum = 0;
                for (int j = 0; j < 10; ++j) sum += low[j] * x[std::size_t(mirror(2 * i + j - 4, n))];
                approx[std::size_t(i)] = sum;
                out[std::size_t(n / 2 + i)] = (x[std::size_t(2 * i + 1)] - x[std::size_t(2 * i)]) * std::numbers::sqrt2 / 2.0;
            }
            x = approx;
        }
        out[0] = x[0];
        for (int row = 0; row < k; ++row) a[std::size_t(row) * k + col] = out[std::size_t(row)];
    }
    return a;
}

/// (M⁻¹)ᵀ by Gauss–Jordan elimination with partial pivoting (k ≤ 16, well conditioned).
std::vector<double> inverse_transpose(std::vector<double> m, int k) {
    std::vector<double> inv(std::size_t(k) * k, 0.0);
    for (int i = 0; i < k; ++i) inv[std::size_t(i) * k + i] = 1.0;
    const auto at = [k](std::vector<double>& v, int r, int c) -> double& { return v[std::size_t(r) * k + c]; };
    for (int c = 0; c < k; ++c) {
        int pivot = c;
        for (int r = c + 1; r < k; ++r) {
            if (std::abs(at(m, r, c)) > std::abs(at(m, pivot, c))) pivot = r;
        }
        for (int j = 0; j < k; ++j) {
            std::swap(at(m, c, j), at(m, pivot, j));
            std::swap(at(inv, c, j), at(inv, pivot, j));
        }
        const double d = at(m, c, c);
        for (int j = 0; j < k; ++j) {
            at(m, c, j) /= d;
            at(inv, c, j) /= d;
        }
        for (int r = 0; r < k; ++r) {
            if (r == c) continue;
            const double f = at(m, r, c);
            for (int j = 0; j < k; ++j) {
                at(m, r, j) -= f * at(m, c, j);
                at(inv, r, j) -= f * at(inv, c, j);
            }
        }
    }
    std::vector<double> t(inv.size());
    for (int r = 0; r < k; ++r) {
        for (int c = 0; c < k; ++c) t[std::size_t(c) * k + r] = inv[std::size_t(r) * k + c];
    }
    return t;
}

}  // namespace

Separable2d::Separable2d(int k, Basis basis) : k_(k) {
    const std::vector<double> a = basis == Basis::Bior15 ? bior15_matrix(k) : dct_matrix(k);
    const std::vector<double> s = inverse_transpose(a, k);
    analysis_.assign(a.begin(), a.end());
    synthesis_.assign(s.begin(), s.end());
    std::vector<double> norm(static_cast<std::size_t>(k));
    for (int u = 0; u < k; ++u) {
        double sum = 0;
        for (int x = 0; x < k; ++x) sum += a[std::size_t(u) * k + x] * a[std::size_t(u) * k + x];
        norm[std::size_t(u)] = std::sqrt(sum);
    }
    noise_gain_.resize(std::size_t(k) * k);
    for (int v = 0; v < k; ++v) {
        for (int u = 0; u < k; ++u) noise_gain_[std::size_t(v) * k + u] = float(norm[std::size_t(v)] * norm[std::size_t(u)]);
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

void Separable2d::forward(const float* in, int stride, float* out) const {
    if (k_ == 8) return forward_fixed<8>(analysis_.data(), k_, in, stride, out);
    forward_fixed<0>(analysis_.data(), k_, in, stride, out);
}

void Separable2d::inverse(const float* in, float* out) const {
    if (k_ == 8) return inverse_fixed<8>(synthesis_.data(), k_, in, out);
    inverse_fixed<0>(synthesis_.data(), k_, in, out);
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
