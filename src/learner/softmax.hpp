#pragma once
// Internal: the softmax both attention rules end in (the seed's over 2 · scores, the
// risk rule's over standardised statistics).
#include <algorithm>
#include <array>
#include <cmath>

#include "lidecm/learner/em_learner.hpp"

namespace lidecm::detail {

inline AttentionWeights softmax(const std::array<double, 4>& z) {
    const double top = *std::max_element(z.begin(), z.end());  // shift for numerical safety
    std::array<double, 4> e{};
    double sum = 0;
    for (std::size_t k = 0; k < 4; ++k) sum += e[k] = std::exp(z[k] - top);
    return {e[0] / sum, e[1] / sum, e[2] / sum, e[3] / sum};
}

}  // namespace lidecm::detail
