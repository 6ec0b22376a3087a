#include "denoise/block_matching.hpp"

#include "denoise/patch_index.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace lidecm::detail {
namespace {

/// dist[c] = Σ (ref − patch at column c of the line)² for c in [0, span): the sum runs over
/// the patch and is vectorised across the candidates (contiguous in memory).
void row_distances(const float* ref, int k, const float* line, int stride, int span, float* dist) {
    std::fill(dist, dist + span, 0.0f);
    for (int i = 0; i < k; ++i) {
        const float* row = line + std::ptrdiff_t(i) * stride;
        for (int j = 0; j < k; ++j) {
            const float r = ref[i * k + j];
            const float* g = row + j;
            for (int c = 0; c < span; ++c) {
                const float d = r - g[c];
                dist[c] += d * d;
            }
        }
    }
}

/// Candidates summed at once in one vector register (GCC/Clang vector extension:
/// left to itself the compiler vectorises across the patch instead, 6x slower).
constexpr int kChunk = 16;
using Chunk = float __attribute__((vector_size(kChunk * sizeof(float))));

/// The same for a patch side known at compile time, kChunk candidates at a time with
/// their sums held in a register across the whole patch (1.6x faster than
/// row_distances); the last chunk overlaps the one before instead of reading past
/// the window, so it needs span ≥ kChunk. Same sums in the same order: same results.
template <int K>
void row_distances_fixed(const float* ref, const float* line, int stride, int span, float* dist) {
    for (int start = 0; start < span; start += kChunk) {
        const int c0 = std::min(start, span - kChunk);
        Chunk acc = {};
        for (int i = 0; i < K; ++i) {
            const float* row = line + std::ptrdiff_t(i) * stride + c0;
            for (int j = 0; j < K; ++j) {
                Chunk g;
                std::memcpy(&g, row + j, sizeof g);  // unaligned load
                const Chunk d = ref[i * K + j] - g;
                acc += d * d;
            }
        }
        std::memcpy(dist + c0, &acc, sizeof acc);
    }
}

/// Mean squared difference between the reference and the patch at (y, x).
float patch_distance(const float* ref, PlaneView guide, int y, int x, int k) {
    float acc = 0.0f;
    for (int i = 0; i < k; ++i) {
        const float* row = guide.data + std::size_t(y + i) * std::size_t(guide.width) + std::size_t(x);
        for (int j = 0; j < k; ++j) {
            const float d = ref[i * k + j] - row[j];
            acc += d * d;
        }
    }
    return acc / float(k * k);
}

bool nearer(const PatchMatch& a, const PatchMatch& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.y != b.y ? a.y < b.y : a.x < b.x;
}

/// The `cap` nearest candidates offered (by `nearer`) whose distance is at most `limit`,
/// kept in a max-heap: a candidate farther than bound() cannot enter, so a scan compares
/// most candidates once and stores none of them.
class Nearest {
public:
    Nearest(std::vector<PatchMatch>& heap, std::size_t cap, float limit) : heap_(heap), cap_(cap), limit_(limit), bound_(limit) {
        heap_.clear();
    }
    [[nodiscard]] float bound() const { return bound_; }
    void offer(float distance, int y, int x) {
        if (distance > bound_ || cap_ == 0) return;
        const PatchMatch m{distance, y, x};
        if (heap_.size() < cap_) {
            heap_.push_back(m);
            std::push_heap(heap_.begin(), heap_.end(), nearer);
        } else if (nearer(m, heap_.front())) {
            std::pop_heap(heap_.begin(), heap_.end(), nearer);
            heap_.back() = m;
            std::push_heap(heap_.begin(), heap_.end(), nearer);
        } else {
            return;
        }
        if (heap_.size() == cap_) bound_ = std::min(limit_, heap_.front().distance);
    }
    /// The candidates kept, nearest first (the heap is used up).
    void sort() { std::sort_heap(heap_.begin(), heap_.end(), nearer); }

private:
    std::vector<PatchMatch>& heap_;
    std::size_t cap_;
    float limit_, bound_;
};

}  // namespace

void match_patches(PlaneView guide, int ry, int rx, const MatchParams& p, std::vector<PatchMatch>& out) {
    const int k = p.patch, w = guide.width;
    const int y0 = std::max(0, ry - p.radius), y1 = std::min(guide.height - k, ry + p.radius);
    const int x0 = std::max(0, rx - p.radius), x1 = std::min(guide.width - k, rx + p.radius);
    const int span = x1 - x0 + 1;
    float ref[16 * 16];  // patch sides are at most 16
    for (int i = 0; i < k; ++i) {
        for (int j = 0; j < k; ++j) ref[i * k + j] = guide.data[std::size_t(ry + i) * w + rx + j];
    }
    // The reference is always first; the others compete for the remaining places.
    thread_local std::vector<PatchMatch> kept;
    Nearest best(kept, std::size_t(std::max(1, p.max_matches) - 1), p.max_distance);
    thread_local std::vector<float> row_dist;
    row_dist.resize(std::size_t(span));
    const float scale = 1.0f / float(k * k);
    for (int cy = y0; cy <= y1; ++cy) {
        const float* first_line = guide.data + std::size_t(cy) * w + x0;
        if (k == 8 && span >= kChunk) {
            row_distances_fixed<8>(ref, first_line, w, span, row_dist.data());
        } else {
            row_distances(ref, k, first_line, w, span, row_dist.data());
        }
        for (int c = 0; c < span; ++c) {
            const float d = row_dist[std::size_t(c)] * scale;
            if (d <= best.bound() && !(cy == ry && x0 + c == rx)) best.offer(d, cy, x0 + c);
        }
    }
    if (p.index != nullptr) {
        // The window's candidates have been offered; add the far ones.
        thread_local std::vector<std::pair<int, int>> far;
        far.clear();
        p.index->nearest(ry, rx, p.index_candidates, far);
        for (const auto& [cy, cx] : far) {
            if (cy >= y0 && cy <= y1 && cx >= x0 && cx <= x1) continue;
            best.offer(patch_distance(ref, guide, cy, cx, k), cy, cx);
        }
    }
    best.sort();
    out.clear();
    out.push_back({0.0f, ry, rx});
    out.insert(out.end(), kept.begin(), kept.end());
}

}  // namespace lidecm::detail
