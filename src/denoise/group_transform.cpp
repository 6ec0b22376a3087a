#include "denoise/group_transform.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
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
    // s is (A⁻¹)ᵀ: its transpose is the synthesis matrix S.
    for (std::size_t r = 0; r < std::size_t(k); ++r) {
        for (std::size_t c = 0; c < std::size_t(k); ++c) {
            forward_.m.push_back(float(a[r * k + c]));
            forward_.mt.push_back(float(a[c * k + r]));
            inverse_.m.push_back(float(s[c * k + r]));
            inverse_.mt.push_back(float(s[r * k + c]));
        }
    }
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

/// out = M·P·Mᵀ for any k ≤ 16: rows first (t = P·Mᵀ), then columns (out = M·t), both
/// as sums of scaled contiguous rows.
void apply_any(const std::vector<float>& m, const std::vector<float>& mt, int k, const float* in, int stride,
               float* out) {
    float t[16 * 16];  // patch sides are at most 16 (CollaborativeOptions::validate)
    for (int y = 0; y < k; ++y) {
        float* ty = t + y * k;
        std::fill(ty, ty + k, 0.0f);
        for (int x = 0; x < k; ++x) {
            const float p = in[std::ptrdiff_t(y) * stride + x];
            for (int u = 0; u < k; ++u) ty[u] += p * mt[std::size_t(x * k + u)];
        }
    }
    for (int v = 0; v < k; ++v) {
        float* ov = out + v * k;
        std::fill(ov, ov + k, 0.0f);
        for (int y = 0; y < k; ++y) {
            const float a = m[std::size_t(v * k + y)];
            for (int u = 0; u < k; ++u) ov[u] += a * t[y * k + u];
        }
    }
}

/// The same for k = 8 with each row of 8 in one vector register (GCC/Clang vector
/// extension): 6x faster than what the compiler makes of apply_any, and most of the
/// filter's time outside the group search is spent here.
using Row8 = float __attribute__((vector_size(8 * sizeof(float))));

void apply8(const std::vector<float>& m, const std::vector<float>& mt, const float* in, int stride, float* out) {
    Row8 cols[8], t[8];
    std::memcpy(cols, mt.data(), sizeof cols);
    for (int y = 0; y < 8; ++y) {
        Row8 acc = {};
        for (int x = 0; x < 8; ++x) acc += in[std::ptrdiff_t(y) * stride + x] * cols[x];
        t[y] = acc;
    }
    for (int v = 0; v < 8; ++v) {
        Row8 acc = {};
        for (int y = 0; y < 8; ++y) acc += m[std::size_t(v * 8 + y)] * t[y];
        std::memcpy(out + v * 8, &acc, sizeof acc);
    }
}

}  // namespace

void Separable2d::apply(const Matrix& matrix, const float* in, int stride, float* out) const {
    if (k_ == 8) {
        apply8(matrix.m, matrix.mt, in, stride, out);
    } else {
        apply_any(matrix.m, matrix.mt, k_, in, stride, out);
    }
}

void Separable2d::forward(const float* in, int stride, float* out) const { apply(forward_, in, stride, out); }

void Separable2d::inverse(const float* in, float* out) const { apply(inverse_, in, k_, out); }

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
