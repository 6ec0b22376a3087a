// Graph weights, similarity, restricted diffusion, patch denoising, smoothness.
#include "lidecm/denoise/graph.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "denoise/denoise_internal.hpp"
#include "denoise/patch_source.hpp"
#include "lidecm/core/error.hpp"
#include "core/simd_math.hpp"

namespace lidecm {
namespace {

float mean_squared_difference(const detail::PatchSource& src, std::size_t i, std::size_t j) {
    const float* a = src.row0(i);
    const float* b = src.row0(j);
    // Packed values are one contiguous run: one long vector loop instead of P
    // short ones (the two paths then differ in float rounding only).
    const int rows = src.row_stride == std::size_t(src.row_len) ? 1 : src.rows;
    const int len = rows == 1 ? int(src.dim) : src.row_len;
    float acc = 0.0f;
    for (int r = 0; r < rows; ++r, a += src.row_stride, b += src.row_stride) {
#pragma omp simd reduction(+ : acc)
        for (int k = 0; k < len; ++k) {
            const float d = a[k] - b[k];
            acc += d * d;
        }
    }
    return acc / float(src.dim);
}

PatchGraph build_graph(const PatchSet& patches, const detail::PatchSource& src, const GraphParams& params,
                       NeighbourSearch search) {
    params.validate();
    PatchGraph g = radius_graph(patches, params.radius, search);
    g.distance.resize(g.nnz());
    g.weight.resize(g.nnz());
    g.degree.assign(g.n, 0.0);
    // Each distance is computed once, by the row with the smaller index, and
    // written to both (i, j) and its mirror (j, i): no position has two writers.
#pragma omp parallel for schedule(dynamic, 64)
    for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(g.n); ++ii) {
        const auto i = std::size_t(ii);
        for (std::size_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) {
            const auto j = std::size_t(g.col[p]);
            if (j < i) continue;
            const float d = mean_squared_difference(src, i, j);
            g.distance[p] = d;
            g.distance[g.mirror[p]] = d;
        }
    }
    const double inv_s = 1.0 / (2.0 * params.sigma_s * params.sigma_s);
    const double inv_f = 1.0 / (2.0 * params.sigma_f * params.sigma_f);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(g.n); ++ii) {
        const auto i = std::size_t(ii);
        for (std::size_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) {
            const auto j = std::size_t(g.col[p]);
            const double dy = patches.center_y(i) - patches.center_y(j);
            const double dx = patches.center_x(i) - patches.center_x(j);
            g.weight[p] = float(-(dy * dy + dx * dx) * inv_s - g.distance[p] * inv_f);  // exponent
        }
    }
    detail::exp_in_place(g.weight);
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(g.n); ++ii) {
        const auto i = std::size_t(ii);
        double deg = 0.0;
        for (std::size_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) deg += g.weight[p];
        g.degree[i] = deg;
    }
    return g;
}

}  // namespace

PatchGraph build_patch_graph(const PatchSet& patches, const GraphParams& params, NeighbourSearch search) {
    return build_graph(patches, detail::packed_source(patches), params, search);
}

PatchGraph build_patch_graph(ImageView image, const PatchSet& grid, const GraphParams& params,
                             NeighbourSearch search) {
    return build_graph(grid, detail::image_source(image, grid), params, search);
}

Similarity similarity(const PatchGraph& graph, double sigma) {
    require_positive(sigma, "sigma");
    Similarity s;
    s.diag.assign(graph.n, 1.0f);
    const auto scale = float(-1.0 / (2.0 * sigma * sigma));
    s.off = graph.distance;
    detail::exp_in_place(s.off, scale);
    return s;
}

void diffuse(Similarity& s, const PatchGraph& g, double tau, int steps) {
    require_positive(tau, "tau");
    require(steps >= 0, "smooth_steps", "must be >= 0");
    Similarity next = s;
    for (int step = 0; step < steps; ++step) {
#pragma omp parallel for schedule(dynamic, 64)
        for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(g.n); ++ii) {
            const auto i = std::size_t(ii);
            const std::size_t a0 = g.row_ptr[i], a1 = g.row_ptr[i + 1];
            // (L·S)(i, i) = D_i S_ii − Σ_k W_ik S_ki
            double ws = 0.0;
            for (std::size_t a = a0; a < a1; ++a) ws += double(g.weight[a]) * s.off[g.mirror[a]];
            next.diag[i] = float(s.diag[i] - tau * (g.degree[i] * s.diag[i] - ws));  // tanh below
            // (L·S)(i, j) = D_i S_ij − W_ij S_jj − Σ_{k ∈ N(i) ∩ N(j)} W_ik S_kj.
            // S_kj sits in row k; it is the mirror of the entry (j, k) in row j,
            // so one sorted merge of rows i and j finds every term.
            for (std::size_t p = a0; p < a1; ++p) {
                const auto j = std::size_t(g.col[p]);
                double acc = double(g.weight[p]) * s.diag[j];
                std::size_t a = a0, b = g.row_ptr[j];
                const std::size_t b1 = g.row_ptr[j + 1];
                while (a < a1 && b < b1) {
                    const int ka = g.col[a], kb = g.col[b];
                    if (ka < kb) {
                        ++a;
                    } else if (kb < ka) {
                        ++b;
                    } else {
                        acc += double(g.weight[a]) * s.off[g.mirror[b]];
                        ++a;
                        ++b;
                    }
                }
                next.off[p] = float(s.off[p] - tau * (g.degree[i] * s.off[p] - acc));
            }
        }
        detail::tanh_in_place(next.diag);
        detail::tanh_in_place(next.off);
        std::swap(s, next);
    }
}

namespace detail {

void denoise_patch_range(const PatchSource& src, const PatchGraph& g, const Similarity& s, std::size_t first,
                         std::size_t last, float* out) {
    const auto dim = src.dim;
    const auto len = std::size_t(src.row_len);
#pragma omp parallel
    {
        std::vector<double> acc(dim, 0.0);
        // acc += a · patch j, read row by row from wherever the source keeps it.
        auto add = [&](double a, std::size_t j) {
            const float* row = src.row0(j);
            for (int r = 0; r < src.rows; ++r, row += src.row_stride) {
                double* dst = acc.data() + std::size_t(r) * len;
                for (std::size_t k = 0; k < len; ++k) dst[k] += a * row[k];
            }
        };
#pragma omp for schedule(dynamic, 64)
        for (std::ptrdiff_t ii = std::ptrdiff_t(first); ii < std::ptrdiff_t(last); ++ii) {
            const auto i = std::size_t(ii);
            float* dst = out + (i - first) * dim;
            const double a_ii = std::max(s.diag[i], 0.0f);
            double total = a_ii;
            std::fill(acc.begin(), acc.end(), 0.0);
            add(a_ii, i);
            for (std::size_t p = g.row_ptr[i]; p < g.row_ptr[i + 1]; ++p) {
                const double a = std::max(s.off[p], 0.0f);
                if (a == 0.0) continue;
                total += a;
                add(a, std::size_t(g.col[p]));
            }
            if (total <= 1e-8) {  // keep the patch as it was
                const float* row = src.row0(i);
                for (int r = 0; r < src.rows; ++r, row += src.row_stride) std::copy_n(row, len, dst + r * len);
                continue;
            }
            for (std::size_t k = 0; k < dim; ++k) dst[k] = float(acc[k] / total);
        }
    }
}

}  // namespace detail

PatchSet denoise_patches(const PatchSet& patches, const PatchGraph& g, const Similarity& s) {
    require(patches.size() == g.n, "denoise", "graph and patch set sizes differ");
    PatchSet out = patches;
    detail::denoise_patch_range(detail::packed_source(patches), g, s, 0, g.n, out.values.data());
    return out;
}

double smoothness(const PatchGraph& g, const Similarity& s) {
    const std::size_t entries = s.diag.size() + s.off.size();
    if (entries == 0 || g.n == 0) return 0.0;
    double sum = 0.0;
    for (float v : s.diag) sum += v;
    for (float v : s.off) sum += v;
    return smoothness_score(sum / double(entries), g.nnz(), g.n);
}

double smoothness_score(double mean_similarity, std::size_t edges, std::size_t nodes) {
    if (nodes == 0) return 0.0;
    const double density = double(edges) / (5.0 * double(nodes));
    return std::clamp(0.5 * std::min(1.0, mean_similarity) + 0.5 * std::min(1.0, density), 0.0, 1.0);
}

}  // namespace lidecm
