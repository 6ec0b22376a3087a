#include "lidecm/denoise/self_tune.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/stopwatch.hpp"
#include "denoise/stage_groups.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {

void SelfTuneOptions::validate() const {
    require(!strengths.empty(), "strengths", "needs at least one candidate");
    for (std::size_t i = 0; i < strengths.size(); ++i) {
        require_strength(strengths[i], "strengths");
        require(i == 0 || strengths[i] > strengths[i - 1], "strengths", "must be increasing");
    }
    require(max_evaluations >= int(strengths.size()), "max_evaluations", "must be >= the number of strengths");
    require(eval_step >= 1 && eval_step <= 16, "eval_step", "must be in [1, 16]");
    require(eval_search_radius >= 0 && eval_search_radius <= 64, "eval_search_radius", "must be in [0, 64]");
    require_global_candidates(eval_global_candidates, "eval_global_candidates");
    require(max_eval_pixels >= 64 * 64, "max_eval_pixels", "must be >= 4096");
    require(crop_side >= 16, "crop_side", "must be >= 16");
    require(std::isfinite(min_sigma) && min_sigma >= 0, "min_sigma", "must be a finite number >= 0");
    require(max_sigma > min_sigma, "max_sigma", "must be > min_sigma (infinity: tune at any noise level)");
    sure.validate();
}

namespace {

/// The parts of the image the evaluations filter: the whole image, or crops on an even grid.
std::vector<PixelRect> evaluation_regions(ImageView image, const SelfTuneOptions& o) {
    if (image.pixels() <= o.max_eval_pixels) return {PixelRect{0, 0, image.height, image.width}};
    const int side_y = std::min(o.crop_side, image.height), side_x = std::min(o.crop_side, image.width);
    const std::size_t wanted = std::max<std::size_t>(1, o.max_eval_pixels / (std::size_t(side_y) * std::size_t(side_x)));
    // The smallest grid with enough cells, in the image's aspect; one crop per chosen cell.
    const double aspect = double(image.width) / double(image.height);
    int rows = std::max(1, int(std::round(std::sqrt(double(wanted) / aspect))));
    int cols = std::max(1, int(std::ceil(double(wanted) / rows)));
    std::vector<PixelRect> regions;
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols && regions.size() < wanted; ++c) {
            // Cell centres, spread over the whole image: (i + ½)/n of each axis.
            const int y = std::clamp(int((r + 0.5) * image.height / rows) - side_y / 2, 0, image.height - side_y);
            const int x = std::clamp(int((c + 0.5) * image.width / cols) - side_x / 2, 0, image.width - side_x);
            regions.push_back({y, x, y + side_y, x + side_x});
        }
    }
    return regions;
}

/// Filters each region at one strength (and its perturbed copy) and pools the estimates.
class Evaluator {
public:
    Evaluator(ImageView noisy, const CollaborativeOptions& eval, const SelfTuneOptions& o)
        : eval_(eval), sigma_(eval.noise_sigma), epsilon_(o.sure.step(eval.noise_sigma)) {
        for (const PixelRect& r : evaluation_regions(noisy, o)) {
            Image crop_image = crop(noisy, r.y0, r.x0, r.y1 - r.y0, r.x1 - r.x0);
            Image probe = sure_probe(crop_image.height, crop_image.width, crop_image.channels,
                                     o.sure.seed + crops_.size());
            Image perturbed = perturb(crop_image, probe, epsilon_);
            pixels_ += crop_image.pixels();
            crops_.push_back({std::move(crop_image), std::move(probe), std::move(perturbed)});
        }
    }

    [[nodiscard]] std::size_t pixels() const { return pixels_; }

    SureEstimate operator()(double strength) const { return (*this)(strength, eval_.global_candidates); }

    /// The estimate at `strength` with `global_candidates` whole-image candidates per group.
    SureEstimate operator()(double strength, int global_candidates) const {
        CollaborativeOptions o = eval_;
        o.strength = strength;
        o.global_candidates = global_candidates;
        // Stage 1's groups of each crop are searched by the first evaluation only; each
        // evaluation searches stage 2's, and the perturbed copy filters with the groups
        // of the unperturbed one (stage_groups.hpp says why).
        SureEstimate pooled;
        for (const Crop& c : crops_) {
            c.wiener.clear();
            const Image denoised = detail::collaborative_denoise(c.noisy, o, c.hard, c.wiener).image;
            const SureEstimate e = sure_from_runs(c.noisy, denoised,
                                                  detail::collaborative_denoise(c.perturbed, o, c.hard, c.wiener).image,
                                                  c.probe, epsilon_, sigma_);
            const double n = double(e.values);
            pooled.risk += e.risk * n;
            pooled.residual += e.residual * n;
            pooled.divergence += e.divergence * n;
            pooled.values += e.values;
        }
        const double n = double(pooled.values);
        pooled.risk /= n;
        pooled.residual /= n;
        pooled.divergence /= n;
        return pooled;
    }

private:
    struct Crop {
        Image noisy, probe, perturbed;
        /// The crop's groups (evaluations are sequential: an evaluation owns them while it runs).
        mutable detail::StageGroups hard{}, wiener{};
    };
    CollaborativeOptions eval_;
    double sigma_, epsilon_;
    std::vector<Crop> crops_;
    std::size_t pixels_ = 0;
};

/// σ in 0-255 units, as the messages give it.
std::string on_8bit_scale(double sigma) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", sigma * 255.0);
    return text;
}

/// Why σ̂ = `sigma` is not tuned; empty when it is.
std::string reason_not_to_tune(double sigma, const SelfTuneOptions& o) {
    if (sigma < o.min_sigma) {
        return "the estimated noise is below " + on_8bit_scale(o.min_sigma) + " (0-255): the image looks clean";
    }
    if (sigma >= o.max_sigma) {
        return "the estimated noise is " + on_8bit_scale(o.max_sigma) +
               " (0-255) or more: noise that strong is clipped at black and white, SURE misjudges the strengths "
               "there, so the noise level's table is used";
    }
    return {};
}

/// The vertex of the parabola through three points (u, r), u increasing, kept within [u0, u2].
double parabola_vertex(double u0, double r0, double u1, double r1, double u2, double r2) {
    const double d0 = (r1 - r0) / (u1 - u0), d1 = (r2 - r1) / (u2 - u1);
    const double curvature = (d1 - d0) / (u2 - u0);
    if (!(curvature > 0)) return u1;  // flat or concave: no better guess than the best point
    // r(u) = r0 + d0 (u − u0) + curvature (u − u0)(u − u1), whose slope is 0 at:
    return std::clamp((u0 + u1) / 2 - d0 / (2 * curvature), u0, u2);
}

struct StrengthSearch {
    double strength = 1.0;  ///< the parabola's vertex, or the best evaluated
    SureEvaluation best;    ///< the best evaluated
};

/// SURE at the candidates (× base_strength), outward while the best is at an end, then the
/// parabola through the best and its neighbours. `run(strength)` evaluates and logs.
template <class Run>
StrengthSearch search_strength(Run&& run, double base_strength, const SelfTuneOptions& options) {
    std::vector<SureEvaluation> points;  // kept sorted by strength
    auto lower_risk = [](const SureEvaluation& a, const SureEvaluation& b) { return a.sure.risk < b.sure.risk; };
    for (const double s : options.strengths) points.push_back(run(std::min(10.0, s * base_strength)));
    // Step outward while the best is at an end, by the ratio of the nearest two candidates.
    while (int(points.size()) < options.max_evaluations && points.size() >= 2) {
        const auto best = std::min_element(points.begin(), points.end(), lower_risk);
        if (best == points.begin()) {
            const double next = points[0].strength * points[0].strength / points[1].strength;
            points.insert(points.begin(), run(next));
        } else if (best == points.end() - 1 && points.back().strength < 10.0) {
            const std::size_t n = points.size();
            const double next = std::min(10.0, points[n - 1].strength * points[n - 1].strength / points[n - 2].strength);
            points.push_back(run(next));
        } else {
            break;
        }
    }
    const std::size_t best = std::size_t(
        std::min_element(points.begin(), points.end(), lower_risk) - points.begin());
    StrengthSearch result{points[best].strength, points[best]};
    if (best > 0 && best + 1 < points.size()) {
        const SureEvaluation &a = points[best - 1], &b = points[best], &c = points[best + 1];
        result.strength = std::exp(parabola_vertex(std::log(a.strength), a.sure.risk, std::log(b.strength),
                                                   b.sure.risk, std::log(c.strength), c.sure.risk));
    }
    return result;
}

}  // namespace

SelfTuneResult self_tuned_denoise(ImageView noisy, const CollaborativeOptions& base, const SelfTuneOptions& options) {
    base.validate();
    options.validate();
    require(!noisy.empty(), "self_tuned_denoise", "the image is empty");
    SelfTuneResult r;
    r.strength = base.strength;
    r.global_candidates = base.global_candidates;
    r.skipped_because = reason_not_to_tune(base.noise_sigma, options);
    CollaborativeOptions eval = base;
    eval.step = std::max(base.step, options.eval_step);
    eval.search_radius = std::min(base.search_radius, options.eval_search_radius);
    eval.global_candidates = std::min(base.global_candidates, options.eval_global_candidates);
    // Strong noise keeps the base's strength but still asks SURE whether whole-image groups pay:
    // that check kept photos unlike a model's domain within 0.2 dB up to σ 50 (issue #22).
    const bool check_global = base.global_candidates > eval.global_candidates && base.noise_sigma >= options.min_sigma;
    if (!r.skipped_because.empty() && !check_global) {
        r.result = collaborative_denoise(noisy, base);
        return r;
    }
    detail::Stopwatch clock;
    const Evaluator evaluate(noisy, eval, options);
    r.eval_pixels = evaluate.pixels();
    auto run = [&](double strength) {
        r.evaluations.push_back({strength, evaluate(strength)});
        return r.evaluations.back();
    };
    SureEvaluation at;  // the best evaluated strength (the base's when not tuned)
    if (r.skipped_because.empty()) {
        const StrengthSearch search = search_strength(run, base.strength, options);
        r.tuned = true;
        r.strength = search.strength;
        at = search.best;
    } else {
        at = run(base.strength);
    }
    r.tune_seconds = clock.lap();
    CollaborativeOptions final_options = base;
    final_options.strength = r.strength;
    if (check_global) {
        // The strengths were ranked with fewer whole-image candidates than the final run would
        // use: SURE at the best evaluated strength, with and without them, says whether they
        // pay on this image (text: by dB; some photos lose 0.3 dB to them), so an image unlike
        // the model's domain falls back to the window.
        r.global_check = SureEvaluation{at.strength, evaluate(at.strength, base.global_candidates)};
        if (!(r.global_check->sure.risk < at.sure.risk)) final_options.global_candidates = eval.global_candidates;
        r.tune_seconds += clock.lap();
    }
    r.global_candidates = final_options.global_candidates;
    r.result = collaborative_denoise(noisy, final_options);
    return r;
}

}  // namespace lidecm
