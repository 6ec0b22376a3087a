#pragma once
// Element-wise exp and tanh over float arrays with Eigen's SIMD kernels
// (internal). libm's scalar calls were 31 % of a denoise.
#include <vector>

namespace lidecm::detail {

/// v[i] = exp(scale · v[i]).
void exp_in_place(std::vector<float>& v, float scale = 1.0f);
/// v[i] = tanh(v[i]).
void tanh_in_place(std::vector<float>& v);

}  // namespace lidecm::detail
