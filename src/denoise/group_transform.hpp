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
    /// out (k·k, row-major) = A·P·Aᵀ of the k×k patch P whose rows start `stride` floats apart at `in`.
    void forward(const float* in, int stride, float* out) const;
    /// out (k·k) = S·C·Sᵀ of the coefficients C at `in` (k·k): the patch back.
    void inverse(const float* in, float* out) const;
    [[nodiscard]] int size() const { return k_; }
    /// Std of each coefficient (k·k, row-major) when the patch is white noise of std 1:
    /// 1 everywhere for the orthonormal DCT, near 1 for bior1.5.
    [[nodiscard]] const std::vector<float>& noise_gain() const { return noise_gain_; }

private:
    /// A k×k matrix M row-major, and its transpose, so both passes of M·P·Mᵀ read rows.
    struct Matrix {
        std::vector<float> m, mt;
    };
    void apply(const Matrix& matrix, const float* in, int stride, float* out) const;

    int k_;
    Matrix forward_;   ///< A, row u = basis function u
    Matrix inverse_;   ///< S = A⁻¹ (= Aᵀ for the DCT)
    std::vector<float> noise_gain_;
};

/// Orthonormal Walsh–Hadamard transform across `n` (a power of 2) vectors of
/// `len` floats stored one after the other, in place. It is its own inverse.
void hadamard(float* group, int n, int len);

/// k×k separable Kaiser window with shape `beta` (beta = 0: all ones).
std::vector<float> kaiser_window(int k, double beta);

}  // namespace lidecm::detail
