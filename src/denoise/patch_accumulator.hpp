#pragma once
// Overlap-averaging of patches into an image (internal). Sums are doubles so
// that k copies of one float average back to exactly that float.
#include <vector>

#include "lidecm/image/image.hpp"

namespace lidecm::detail {

class PatchAccumulator {
public:
    PatchAccumulator(int height, int width, int channels, int patch_size);
    /// Adds one P×P×C patch (row-major HWC) whose top-left corner is (y, x).
    void add(int y, int x, const float* values);
    /// Mean of the patches at each pixel (0 where none was added).
    [[nodiscard]] Image average() const;

private:
    int height_, width_, channels_, patch_;
    std::vector<double> sum_;
    std::vector<int> count_;
};

}  // namespace lidecm::detail
