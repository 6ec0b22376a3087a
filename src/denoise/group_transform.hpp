#pragma once
// Internal: the separable 3-D transform of a patch group (2-D DCT per patch,
// Walsh–Hadamard across the group) and the Kaiser window used when aggregating.
#include <vector>

namespace lidecm::detail {

/// The 1-D transforms a patch is taken through along rows and columns.
enum class Basis {
    Dct,     ///< orthonormal DCT-II (any k)
    Bior15,  ///< biorthogonal 1.5 wavelet, full depth (k a power of 2); BM3D's stage-1 transform
};

/// A separable 2-D transform A·P·Aᵀ of k×k patches and its exact inverse S·C·Sᵀ, S = A⁻¹.
class Separable2d {
public:
    Separable2d(int k, Basis basis);
    /// out (k·k, row-major) = DCT of the k×k patch whose rows start `stride` floats apart at `in`.
    void forward(const float* in, int stride, float* out) const;
    /// out (k·k) = inverse DCT of the coefficients `in` (k·k).
    void inverse(const float* in, float* out) const;
    [[nodiscard]] int size() const { return k_; }
    /// Std of each coefficient (k·k, row-major) when the patch is white noise of std 1:
    /// 1 everywhere for the orthonormal DCT, near 1 for bior1.5.
    [[nodiscard]] const std::vector<float>& noise_gain() const { return noise_gain_; }

private:
    int k_;
    std::vector<float> analysis_;    ///< A, row u = basis function u
    std::vector<float> synthesis_;   ///< Sᵀ = (A⁻¹)ᵀ (= A for the DCT), so both passes read rows
    std::vector<float> noise_gain_;
};

/// Orthonormal Walsh–Hadamard transform across `n` (a power of 2) vectors of
/// `len` floats stored one after the other, in place. It is its own inverse.
void hadamard(float* group, int n, int len);

/// k×k separable Kaiser window with shape `beta` (beta = 0: all ones).
std::vector<float> kaiser_window(int k, double beta);

}  // namespace lidecm::detail
