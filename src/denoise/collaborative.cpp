#include "lidecm/denoise/collaborative.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/parallel.hpp"
#include "core/stopwatch.hpp"
#include "denoise/block_matching.hpp"
#include "denoise/colour_planes.hpp"
#include "denoise/group_transform.hpp"
#include "denoise/patch_index.hpp"
#include "denoise/stage_groups.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/noise.hpp"

namespace lidecm {

void require_strength(double strength, const std::string& name) {
    require(std::isfinite(strength) && strength > 0.0 && strength <= 10.0, name, "must be in (0, 10]");
}

void require_global_candidates(int count, const std::string& name) {
    require(count >= 0 && count <= kMaxGlobalCandidates, name, "must be in [0, " + std::to_string(kMaxGlobalCandidates) + "]");
}

void CollaborativeOptions::validate() const {
    require(std::isfinite(noise_sigma) && noise_sigma >= 0.0, "noise_sigma", "must be a finite number >= 0");
    require_strength(strength);
    for (const auto& [value, name] : {std::pair{patch_size_hard, "patch_size_hard"}, {patch_size_wiener, "patch_size_wiener"}}) {
        require(value >= 2 && value <= 16, name, "must be in [2, 16]");
    }
    for (const auto& [value, name] : {std::pair{group_hard, "group_hard"}, {group_wiener, "group_wiener"}}) {
        require(value >= 1 && value <= 256 && (value & (value - 1)) == 0, name, "must be a power of 2 in [1, 256]");
    }
    require(step >= 1 && step <= 16, "step", "must be in [1, 16]");
    require(search_radius >= 0 && search_radius <= 64, "search_radius", "must be in [0, 64]");
    require_global_candidates(global_candidates, "global_candidates");
    require(std::isfinite(lambda_hard) && lambda_hard >= 0.0, "lambda_hard", "must be a finite number >= 0");
    require(std::isfinite(kaiser_beta) && kaiser_beta >= 0.0, "kaiser_beta", "must be a finite number >= 0");
}

CollaborativeOptions CollaborativeOptions::for_image(ImageView noisy, double strength) {
    CollaborativeOptions o;
    o.noise_sigma = estimate_noise_sigma(noisy);
    o.strength = strength;
    return o;
}

namespace {

using detail::Planes;

/// Lebrun's switch to looser matching for strong noise.
constexpr double kStrongNoise = 40.0 / 255.0;

/// What differs between the two stages.
struct StageSpec {
    int patch = 8;
    int max_group = 16;
    float max_distance = 0;  ///< matching threshold on the mean squared distance
    float sigma = 0;         ///< noise std of every opponent channel
    float threshold = 0;     ///< stage 1: hard threshold (λ·σ)
    const Planes* oracle = nullptr;  ///< stage 2: the stage-1 estimate (Wiener oracle); null in stage 1
    detail::Basis basis = detail::Basis::Dct;  ///< 2-D transform of each patch
};

/// Corners of the reference patches along one axis: every `step` px, and the last one that fits.
std::vector<int> reference_corners(int size, int k, int step) {
    std::vector<int> corners;
    for (int v = 0; v + k <= size; v += step) corners.push_back(v);
    if (corners.back() != size - k) corners.push_back(size - k);
    return corners;
}

/// Weighted sums of filtered patches over the rows [y0, y1) of the image.
struct Stripe {
    int y0 = 0, y1 = 0;
    std::vector<float> num, den;  ///< channel-major, (y1 − y0) × width each
};

/// Reference rows per stripe: large enough that the window overlap at its edges stays cheap.
constexpr int kStripeRows = 8;

int floor_pow2(std::size_t n) {
    int p = 1;
    while (std::size_t(p) * 2 <= n) p *= 2;
    return p;
}

class StageRunner {
public:
    /// With `cache`, the groups come from it when it holds this stage's (and are stored
    /// in it otherwise).
    StageRunner(const Planes& noisy, detail::PlaneView guide, const StageSpec& spec, const CollaborativeOptions& o,
                detail::StageGroups* cache = nullptr)
        : noisy_(noisy), guide_(guide), spec_(spec), dct_(spec.patch, spec.basis),
          window_(detail::kaiser_window(spec.patch, o.kaiser_beta)),
          match_{spec.patch, o.search_radius, spec.max_group, spec.max_distance, nullptr, o.global_candidates},
          whole_image_groups_(o.global_candidates > 0),
          rows_(reference_corners(noisy.height, spec.patch, o.step)),
          cols_(reference_corners(noisy.width, spec.patch, o.step)) {
        const detail::StageGroups::Key key{match_.patch, match_.radius, match_.max_matches, o.step,
                                           match_.index_candidates, match_.max_distance};
        if (cache != nullptr && cache->key == key && cache->groups.size() == groups()) {
            cached_ = &cache->groups;
            return;
        }
        if (cache != nullptr) {
            cache->key = key;
            cache->groups.assign(groups(), {});
            store_ = &cache->groups;
        }
        if (o.global_candidates > 0) index_ = std::make_unique<detail::PatchIndex>(guide, spec.patch);
        match_.index = index_.get();
    }

    [[nodiscard]] std::size_t stripes() const { return (rows_.size() + kStripeRows - 1) / kStripeRows; }
    [[nodiscard]] std::size_t groups() const { return rows_.size() * cols_.size(); }

    /// Filters every group whose reference row lies in stripe `s`.
    void run_stripe(std::size_t s, Stripe& out) const {
        const std::size_t r0 = s * kStripeRows, r1 = std::min(rows_.size(), r0 + kStripeRows);
        const int k = spec_.patch, w = noisy_.width, ch = noisy_.channels;
        // A group from the index may hold patches from any row.
        out.y0 = whole_image_groups_ ? 0 : std::max(0, rows_[r0] - match_.radius);
        out.y1 = whole_image_groups_ ? noisy_.height : std::min(noisy_.height, rows_[r1 - 1] + match_.radius + k);
        const std::size_t plane = std::size_t(out.y1 - out.y0) * std::size_t(w);
        out.num.assign(plane * std::size_t(ch), 0.0f);
        out.den.assign(plane * std::size_t(ch), 0.0f);
        Scratch scratch;
        for (std::size_t r = r0; r < r1; ++r) {
            for (std::size_t c = 0; c < cols_.size(); ++c) filter_group(r * cols_.size() + c, scratch, out);
        }
    }

private:
    struct Scratch {
        std::vector<detail::PatchMatch> matches;
        std::vector<float> group, oracle, patch;
    };

    void transform_group(const Planes& src, int c, int n, const std::vector<detail::PatchMatch>& m,
                         float* group) const {
        const int kk = spec_.patch * spec_.patch;
        for (int i = 0; i < n; ++i) {
            dct_.forward(src.at(c, m[std::size_t(i)].y, m[std::size_t(i)].x), src.width, group + std::ptrdiff_t(i) * kk);
        }
        detail::hadamard(group, n, kk);
    }

    /// Filters the group of reference patch `ref` (row-major over rows_ × cols_).
    void filter_group(std::size_t ref, Scratch& s, Stripe& out) const {
        if (cached_ != nullptr) {
            s.matches = (*cached_)[ref];
        } else {
            detail::match_patches(guide_, rows_[ref / cols_.size()], cols_[ref % cols_.size()], match_, s.matches);
            if (store_ != nullptr) (*store_)[ref] = s.matches;  // each reference's own slot: no race
        }
        const int n = floor_pow2(s.matches.size());
        const int k = spec_.patch, kk = k * k, w = noisy_.width;
        const std::size_t size = std::size_t(n) * std::size_t(kk);
        s.group.resize(size);
        s.oracle.resize(size);
        s.patch.resize(std::size_t(kk));
        const std::size_t plane = std::size_t(out.y1 - out.y0) * std::size_t(w);
        for (int c = 0; c < noisy_.channels; ++c) {
            transform_group(noisy_, c, n, s.matches, s.group.data());
            const float weight = spec_.oracle ? wiener(c, n, s) : hard_threshold(s.group, kk);
            detail::hadamard(s.group.data(), n, kk);
            float* num = out.num.data() + std::size_t(c) * plane;
            float* den = out.den.data() + std::size_t(c) * plane;
            for (int i = 0; i < n; ++i) {
                dct_.inverse(s.group.data() + std::ptrdiff_t(i) * kk, s.patch.data());
                const detail::PatchMatch& m = s.matches[std::size_t(i)];
                for (int y = 0; y < k; ++y) {
                    const std::size_t row = std::size_t(m.y + y - out.y0) * std::size_t(w) + std::size_t(m.x);
                    for (int x = 0; x < k; ++x) {
                        const float a = weight * window_[std::size_t(y * k + x)];
                        num[row + std::size_t(x)] += a * s.patch[std::size_t(y * k + x)];
                        den[row + std::size_t(x)] += a;
                    }
                }
            }
        }
    }

    /// Zeroes coefficients at or below the threshold (never the group's mean, the
    /// first one); returns the aggregation weight 1 / retained.
    float hard_threshold(std::vector<float>& g, int kk) const {
        const float* gain = dct_.noise_gain().data();
        const float mean = g[0];
        int retained = 0;
        for (std::size_t first = 0; first < g.size(); first += std::size_t(kk)) {
            float* v = g.data() + first;
            for (int e = 0; e < kk; ++e) {
                const bool keep = std::abs(v[e]) > spec_.threshold * gain[e];
                retained += keep;
                v[e] = keep ? v[e] : 0.0f;
            }
        }
        if (g[0] == 0.0f && mean != 0.0f) {  // the group's mean is always kept
            g[0] = mean;
            ++retained;
        }
        return 1.0f / float(std::max(retained, 1));
    }

    /// Empirical Wiener shrinkage with the stage-1 group as oracle; returns 1 / Σ shrink².
    float wiener(int c, int n, Scratch& s) const {
        transform_group(*spec_.oracle, c, n, s.matches, s.oracle.data());
        const float var = spec_.sigma * spec_.sigma;
        const std::vector<float>& gain = dct_.noise_gain();
        const std::size_t kk = gain.size();
        float energy = 0.0f;
        for (std::size_t first = 0; first < s.group.size(); first += kk) {
            float* v = s.group.data() + first;
            const float* o = s.oracle.data() + first;
            for (std::size_t e = 0; e < kk; ++e) {
                const float o2 = o[e] * o[e];
                const float shrink = o2 / (o2 + var * gain[e] * gain[e]);
                v[e] *= shrink;
                energy += shrink * shrink;
            }
        }
        // A group the oracle calls empty has shrinkage ~0: 1 / Σ shrink² would reach
        // 1e38 and overflow the aggregation (NaN on near-flat colour images); such a
        // group is weighted as an empty one.
        return energy > 1e-12f ? 1.0f / energy : 1.0f;
    }

    const Planes& noisy_;
    detail::PlaneView guide_;
    StageSpec spec_;
    detail::Separable2d dct_;
    std::vector<float> window_;
    detail::MatchParams match_;
    bool whole_image_groups_;  ///< groups may hold patches from any row
    std::vector<int> rows_, cols_;
    std::unique_ptr<detail::PatchIndex> index_;
    const std::vector<std::vector<detail::PatchMatch>>* cached_ = nullptr;  ///< groups found before
    std::vector<std::vector<detail::PatchMatch>>* store_ = nullptr;         ///< where to keep them
};

/// One stage over the whole image: stripes are filtered on every thread and added to
/// the image in stripe order, so the sums (and the result) do not depend on the thread
/// count.
Planes run_stage(const Planes& noisy, detail::PlaneView guide, const StageSpec& spec, const CollaborativeOptions& o,
                 std::size_t& groups, detail::StageGroups* cache = nullptr) {
    const StageRunner runner(noisy, guide, spec, o, cache);
    groups += runner.groups();
    Planes num(noisy.height, noisy.width, noisy.channels), den(noisy.height, noisy.width, noisy.channels);
    const std::size_t plane = std::size_t(noisy.height) * std::size_t(noisy.width);
    detail::parallel_ordered<Stripe>(
        runner.stripes(), [&](std::size_t s, Stripe& st) { runner.run_stripe(s, st); },
        [&](std::size_t, const Stripe& st) {
            const std::size_t rows = std::size_t(st.y1 - st.y0) * std::size_t(noisy.width);
            for (int c = 0; c < noisy.channels; ++c) {
                float* n = num.values.data() + std::size_t(c) * plane + std::size_t(st.y0) * std::size_t(noisy.width);
                float* d = den.values.data() + std::size_t(c) * plane + std::size_t(st.y0) * std::size_t(noisy.width);
                const float* sn = st.num.data() + std::size_t(c) * rows;
                const float* sd = st.den.data() + std::size_t(c) * rows;
                for (std::size_t e = 0; e < rows; ++e) {
                    n[e] += sn[e];
                    d[e] += sd[e];
                }
            }
        });
    // Every pixel lies in some reference patch (the last row and column of
    // references touch the border), so den > 0 everywhere.
    for (std::size_t e = 0; e < num.values.size(); ++e) num.values[e] /= den.values[e];
    return num;
}

StageSpec stage_spec(const CollaborativeOptions& o, double sigma, bool wiener, int channels) {
    const bool strong = sigma >= kStrongNoise;
    // Lebrun's matching thresholds are on the 0-255 scale for the mean of the channels.
    const double scale = detail::guide_distance_scale(channels) / (255.0 * 255.0);
    StageSpec s;
    s.sigma = float(sigma);
    if (!wiener) {
        s.patch = o.patch_size_hard;
        s.max_group = o.group_hard;
        s.max_distance = float((strong ? 5000.0 : 2500.0) * scale);
        s.threshold = float(o.lambda_hard * sigma);
        s.basis = o.bior_hard && (s.patch & (s.patch - 1)) == 0 ? detail::Basis::Bior15 : detail::Basis::Dct;
    } else {
        s.patch = o.patch_size_wiener;
        s.max_group = o.group_wiener;
        s.max_distance = float((strong ? 3500.0 : 400.0) * scale);
    }
    return s;
}

CollaborativeResult run_collaborative(ImageView image, const CollaborativeOptions& options,
                                      detail::StageGroups* hard_groups, detail::StageGroups* wiener_groups) {
    options.validate();
    require(!image.empty(), "collaborative_denoise", "the image is empty");
    const double sigma = options.noise_sigma * options.strength;
    CollaborativeResult r;
    r.sigma_used = sigma;
    if (sigma == 0.0) {  // nothing to remove, whatever the size
        r.image = to_image(image);
        return r;
    }
    const StageSpec hard = stage_spec(options, sigma, false, image.channels),
                    wien = stage_spec(options, sigma, true, image.channels);
    const int need = std::max(hard.patch, options.wiener ? wien.patch : 0);
    require(image.height >= need && image.width >= need, "collaborative_denoise",
            "the " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                " image is smaller than the " + std::to_string(need) + "x" + std::to_string(need) + " patch");
    detail::Stopwatch clock;
    const int border = options.border;
    const Planes noisy = detail::to_opponent(image, border);
    r.timings.colour = clock.lap();
    Planes basic = run_stage(noisy, noisy.guide(), hard, options, r.groups, hard_groups);
    r.timings.hard = clock.lap();
    if (options.wiener) {
        StageSpec spec = wien;
        spec.oracle = &basic;
        basic = run_stage(noisy, basic.guide(), spec, options, r.groups, wiener_groups);
        r.timings.wiener = clock.lap();
    }
    r.image = detail::from_opponent(basic, border);
    r.timings.colour += clock.lap();
    return r;
}

}  // namespace

CollaborativeResult collaborative_denoise(ImageView image, const CollaborativeOptions& options) {
    return run_collaborative(image, options, nullptr, nullptr);
}

CollaborativeResult detail::collaborative_denoise(ImageView image, const CollaborativeOptions& options,
                                                  StageGroups& hard, StageGroups& wiener) {
    return run_collaborative(image, options, &hard, &wiener);
}

}  // namespace lidecm
