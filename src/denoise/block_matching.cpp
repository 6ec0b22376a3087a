#include "denoise/block_matching.hpp"

#include <algorithm>
#include <cstddef>

namespace lidecm::detail {

void match_patches(PlaneView guide, int ry, int rx, const MatchParams& p, std::vector<PatchMatch>& out) {
    const int k = p.patch, w = guide.width;
    const int y0 = std::max(0, ry - p.radius), y1 = std::min(guide.height - k, ry + p.radius);
    const int x0 = std::max(0, rx - p.radius), x1 = std::min(guide.width - k, rx + p.radius);
    const int span = x1 - x0 + 1;
    float ref[16 * 16];  // patch sides are at most 16
    for (int i = 0; i < k; ++i) {
        for (int j = 0; j < k; ++j) ref[i * k + j] = guide.data[std::size_t(ry + i) * w + rx + j];
    }
    out.clear();
    out.push_back({0.0f, ry, rx});
    std::vector<float> row_dist(std::size_t(span), 0.0f);
    const float scale = 1.0f / float(k * k);
    // One candidate row at a time, the sum runs over the patch and is vectorised
    // across the row's candidates (contiguous in memory).
    for (int cy = y0; cy <= y1; ++cy) {
        std::fill(row_dist.begin(), row_dist.end(), 0.0f);
        for (int i = 0; i < k; ++i) {
            const float* line = guide.data + std::size_t(cy + i) * w + x0;
            for (int j = 0; j < k; ++j) {
                const float r = ref[i * k + j];
                const float* g = line + j;
                for (int c = 0; c < span; ++c) {
                    const float d = r - g[c];
                    row_dist[std::size_t(c)] += d * d;
                }
            }
        }
        for (int c = 0; c < span; ++c) {
            const float d = row_dist[std::size_t(c)] * scale;
            if (d <= p.max_distance && !(cy == ry && x0 + c == rx)) out.push_back({d, cy, x0 + c});
        }
    }
    const auto nearer = [](const PatchMatch& a, const PatchMatch& b) {
        if (a.distance != b.distance) return a.distance < b.distance;
        return a.y != b.y ? a.y < b.y : a.x < b.x;
    };
    const std::size_t keep = std::min(out.size(), std::size_t(std::max(1, p.max_matches)));
    std::partial_sort(out.begin() + 1, out.begin() + std::ptrdiff_t(keep), out.end(), nearer);
    out.resize(keep);
}

}  // namespace lidecm::detail
