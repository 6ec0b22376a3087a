#pragma once
// Internal: the separable 3-D transform of a patch group (2-D DCT per patch,
// Walsh–Hadamard across the group) and the Kaiser window used when aggregating.
#include <vector>

namespace lidecm::detail {

/// Orthonormal k×k DCT-II, applied as D·P·Dᵀ (its inverse is Dᵀ·C·D).
class Dct2d {
public:
    explicit Dct2d(int k);
    /// out (k·k, row-major) = DCT of the k×k patch whose rows start `stride` floats apart at `in`.
    void forward(const float* in, int stride, float* out) const;
    /// out (k·k) = inverse DCT of the coefficients `in` (k·k).
    void inverse(const float* in, float* out) const;
    [[nodiscard]] int size() const { return k_; }

private:
    int k_;
    std::vector<float> basis_;  ///< basis_[u·k + x] = α(u)·cos(π(2x+1)u / 2k)
};

/// Orthonormal Walsh–Hadamard transform across `n` (a power of 2) vectors of
/// `len` floats stored one after the other, in place. It is its own inverse.
void hadamard(float* group, int n, int len);

/// k×k separable Kaiser window with shape `beta` (beta = 0: all ones).
std::vector<float> kaiser_window(int k, double beta);

}  // namespace lidecm::detail
