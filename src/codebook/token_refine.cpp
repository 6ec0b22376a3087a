#include "lidecm/codebook/token_refine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/parallel.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/codebook/tokenizer.hpp"

namespace lidecm {
namespace {

/// Without a graph the collaborative refiner has no smoothness of its own; 0.5
/// lies between the learner's class thresholds (0.3, 0.7), so its per-class rule
/// leaves sigma and tau where they are instead of drifting them to a bound, and
/// in the loss proxy a constant cancels in every loss difference.
constexpr double kNeutralSmoothness = 0.5;

/// How far inside its codeword's cell a pulled-back tile stays (relative to the
/// distance to the cell's border): float rounding in the E-step must not tip it over.
constexpr double kCellMargin = 1e-3;

/// Halvings of a tile's blend before it falls back to the token tile itself.
constexpr int kMaxHalvings = 6;

/// a·b over n floats; `omp simd` lets the compiler vectorise the float sum.
float dot(const float* a, const float* b, int n) {
    float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
    for (int e = 0; e < n; ++e) acc += a[e] * b[e];
    return acc;
}

/// Copies the visible pixels of tile i, blended token + t·(refined − token), into `out`.
void blend_tile(const Image& token, const Image& refined, int patch, int cols, std::size_t i, double t, Image& out) {
    const int y0 = int(i / std::size_t(cols)) * patch, x0 = int(i % std::size_t(cols)) * patch;
    const int y1 = std::min(token.height, y0 + patch), x1 = std::min(token.width, x0 + patch);
    const auto tf = float(t);
    for (int y = y0; y < y1; ++y) {
        const std::size_t row = (std::size_t(y) * std::size_t(token.width)) * std::size_t(token.channels);
        for (std::size_t e = row + std::size_t(x0) * token.channels; e < row + std::size_t(x1) * token.channels; ++e) {
            out.data[e] = token.data[e] + tf * (refined.data[e] - token.data[e]);
        }
    }
}

/// ‖c_j‖² of every codeword.
std::vector<float> squared_norms(const Codebook& codebook) {
    std::vector<float> out(std::size_t(codebook.size()));
    for (int j = 0; j < codebook.size(); ++j) out[std::size_t(j)] = dot(codebook.codeword(j), codebook.codeword(j), codebook.dim());
    return out;
}

/// The blend limit of one tile (see keep_codeword_blend). x(t) = token + t·d stays
/// nearest c_k while, for every j,
///   ‖x − c_k‖² ≤ ‖x − c_j‖²  ⇔  2t·d·(c_j − c_k) ≤ ‖c_j‖² − ‖c_k‖² − 2·token·(c_j − c_k),
/// a half-line in t per codeword: the cell's border along d is the smallest bound.
/// Written with the products d·c_j and token·c_j so each costs two dot products.
double tile_blend(const Codebook& codebook, const std::vector<float>& sq_norms, int own, const float* token,
                  const float* refined, std::vector<float>& d) {
    const int dim = codebook.dim();
    d.resize(std::size_t(dim));
    for (int e = 0; e < dim; ++e) d[std::size_t(e)] = refined[e] - token[e];
    const float* ck = codebook.codeword(own);
    const double d_own = dot(d.data(), ck, dim), t_own = dot(token, ck, dim);
    double best = std::numeric_limits<double>::infinity();  // where the ray leaves the cell
    for (int j = 0; j < codebook.size(); ++j) {
        if (j == own) continue;
        const float* cj = codebook.codeword(j);
        const double slope = 2.0 * (dot(d.data(), cj, dim) - d_own);
        if (slope <= 0) continue;  // moving along d brings the tile no closer to c_j
        const double room = double(sq_norms[std::size_t(j)]) - sq_norms[std::size_t(own)] + 2.0 * (t_own - dot(token, cj, dim));
        best = std::min(best, std::max(0.0, room) / slope);
    }
    return best * (1.0 - kCellMargin) >= 1.0 ? 1.0 : best * (1.0 - kCellMargin);  // exactly 1: not pulled back
}

/// keep_codewords: each tile as far toward `refined` as its own codeword (the
/// nearest to the token tile) allows. The closed form is checked by encoding
/// the result again; a tile that still moved (rounding, or a border tile whose
/// reflected padding reaches a neighbour) is halved, then reset to the token
/// tile, and if even that fails the whole image is the token image, which
/// encodes to its own tokens by definition.
Image keep_codewords(const Image& token, const Image& refined, const Codebook& codebook, int patch,
                     std::size_t& pulled_back) {
    const Tiles before = extract_tiles(token, patch), after = extract_tiles(refined, patch);
    const auto own = codebook.assign(before.values.data(), before.size()).index;
    const std::vector<float> norms = squared_norms(codebook);
    std::vector<double> t(before.size());
    detail::parallel_for(before.size(), [&](std::size_t i) {
        std::vector<float> scratch;
        t[i] = tile_blend(codebook, norms, own[i], before.tile(i), after.tile(i), scratch);
    });
    Image out = token;
    for (std::size_t i = 0; i < t.size(); ++i) blend_tile(token, refined, patch, before.cols, i, t[i], out);
    for (int round = 0;; ++round) {
        const Tiles now = extract_tiles(out, patch);
        const auto got = codebook.assign(now.values.data(), now.size()).index;
        bool moved = false;
        for (std::size_t i = 0; i < t.size(); ++i) {
            if (got[i] == own[i]) continue;
            moved = true;
            if (t[i] == 0.0) {
                pulled_back = t.size();
                return token;
            }
            t[i] = round + 1 >= kMaxHalvings ? 0.0 : t[i] * 0.5;
            blend_tile(token, refined, patch, before.cols, i, t[i], out);
        }
        if (!moved) break;
    }
    pulled_back = std::size_t(std::count_if(t.begin(), t.end(), [](double v) { return v < 1.0; }));
    return out;
}

}  // namespace

CollaborativeOptions refine_filter_defaults() {
    // Measured on held-out photos (experiments/training_quality/refine_scan, BENCHMARKS.md), with keep_codewords:
    CollaborativeOptions o;
    o.lambda_hard = 5.0;    // 2.7 (Gaussian noise) gave 0.12–0.15 dB less at strengths 4–6: the error is not white
    o.search_radius = 8;    // 16 was no better (same or 0.01 dB worse) and matches 4× the candidates
    o.group_wiener = 16;    // 32 was 0.01 dB better and cost ~35 % more
    return o;
}

void RefineOptions::validate() const {
    require(std::isfinite(strength) && strength > 0.0 && strength <= 10.0, "refine strength", "must be in (0, 10]");
    require(strength_steps >= 1 && strength_steps <= 16, "strength_steps", "must be in [1, 16]");
    require(std::isfinite(max_pulled_back) && max_pulled_back >= 0.0 && max_pulled_back <= 1.0, "max_pulled_back",
            "must be in [0, 1]");
    CollaborativeOptions f = filter;
    f.strength = strength;
    f.validate();
}

RefineOptions learner_mapped(const RefineOptions& base, const GraphParams& learned, const GraphParams& start) {
    RefineOptions o = base;
    o.strength = std::min(10.0, base.strength * learned.sigma / start.sigma);  // the filter's own cap
    o.filter.lambda_hard = base.filter.lambda_hard * learned.tau / start.tau;
    return o;
}

double keep_codeword_blend(const Codebook& codebook, int own, const float* token, const float* refined) {
    std::vector<float> scratch;
    return tile_blend(codebook, squared_norms(codebook), own, token, refined, scratch);
}

RefineResult refine_tokens(const Image& tokens, const Codebook& codebook, int patch_size, const RefineOptions& options,
                           double quant_rms, const GraphParams& graph) {
    options.validate();
    require(std::isfinite(quant_rms) && quant_rms >= 0.0, "quant_rms", "must be a finite number >= 0");
    require(!tokens.empty(), "refine_tokens", "the image is empty");
    RefineResult r;
    if (options.refiner == Refiner::graph) {
        const DenoiseResult d = denoise(tokens, graph);
        r.image = d.image;
        r.smoothness = d.smoothness;
        if (options.keep_codewords) r.image = keep_codewords(tokens, r.image, codebook, patch_size, r.tiles_pulled_back);
        return r;
    }
    r.smoothness = kNeutralSmoothness;
    CollaborativeOptions f = options.filter;
    f.noise_sigma = quant_rms;
    const int need = std::max(f.patch_size_hard, f.wiener ? f.patch_size_wiener : 0);
    if (tokens.height < need || tokens.width < need) {  // nothing to group: kept as it is
        r.image = tokens;
        return r;
    }
    const bool ladder = options.strength_steps > 1 && options.max_pulled_back > 0;
    const std::size_t tiles = std::size_t((tokens.height + patch_size - 1) / patch_size) *
                              std::size_t((tokens.width + patch_size - 1) / patch_size);
    std::vector<RefineResult> rungs(std::size_t(ladder ? options.strength_steps : 1));
    // Rung i: the filter at strength · 2^(−i/2), pulled back (or only measured) when asked.
    auto rung = [&](int i) -> const RefineResult& {
        RefineResult& t = rungs[std::size_t(i)];
        if (!t.image.empty()) return t;
        f.strength = options.strength * std::pow(2.0, -0.5 * i);
        t.strength_used = f.strength;
        t.smoothness = kNeutralSmoothness;
        t.image = collaborative_denoise(tokens, f).image;
        if (options.keep_codewords || ladder) {
            Image kept = keep_codewords(tokens, t.image, codebook, patch_size, t.tiles_pulled_back);
            if (options.keep_codewords) t.image = std::move(kept);
        }
        return t;
    };
    auto fits = [&](int i) { return double(rung(i).tiles_pulled_back) <= options.max_pulled_back * double(tiles); };
    int pick = 0;
    if (ladder && !fits(0)) {
        // The pull-back share falls as the strength does: bisect for the first rung that fits.
        int fail = 0, pass = options.strength_steps;  // pass == steps: none fits, take the weakest
        while (pass - fail > 1) {
            const int mid = (fail + pass) / 2;
            (fits(mid) ? pass : fail) = mid;
        }
        pick = std::min(pass, options.strength_steps - 1);
    }
    (void)rung(pick);
    return std::move(rungs[std::size_t(pick)]);
}

}  // namespace lidecm
