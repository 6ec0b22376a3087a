#pragma once
// Internal: every patch of a guide plane described by its leading principal components
// (of the guide's own patches), one plane of values per component, for the whole-image
// index (patch_index) to search with a KD-tree. (Ranking the window's candidates by 8 or
// 16 of them instead of the exact distance was measured for issue #23: no faster, and up
// to 0.44 dB worse at σ 50 — BENCHMARKS.md.)
#include <vector>

#include "denoise/block_matching.hpp"

namespace lidecm::detail {

class PatchFeatures {
public:
    static constexpr int kMaxDims = 64;

    /// Features of every patch × patch corner of `guide`, `dims` components each (1 … min(patch², kMaxDims)).
    PatchFeatures(PlaneView guide, int patch, int dims);

    [[nodiscard]] int dims() const { return dims_; }
    [[nodiscard]] int rows() const { return rows_; }  ///< corners per column
    [[nodiscard]] int cols() const { return cols_; }  ///< corners per row
    /// Component `d` of every corner, row-major (rows() × cols()).
    [[nodiscard]] const float* plane(int d) const {
        return values_.data() + std::size_t(d) * std::size_t(rows_) * std::size_t(cols_);
    }
    [[nodiscard]] float at(int d, int y, int x) const {
        return plane(d)[std::size_t(y) * std::size_t(cols_) + std::size_t(x)];
    }

private:
    int dims_, rows_, cols_;
    std::vector<float> values_;  ///< dims planes
};

}  // namespace lidecm::detail
