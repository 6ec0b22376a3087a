#include "lidecm/learner/em_learner.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/parallel.hpp"
#include "learner/history.hpp"
#include "learner/softmax.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {
namespace {

using detail::keep_newest;
using detail::push_capped;

constexpr double kFeatureScale = 0.1;  // the seed's normalisation of the three detail scores

double clip01(double v) { return std::clamp(v, 0.0, 1.0); }

struct PatchStats {
    double texture = 0, structure = 0, color = 0;
};

// Float loops over contiguous memory, vectorised by `omp simd` (the reductions
// would otherwise stay scalar: float addition is not associative): in HWC order the right
// neighbour of value k is k + C and the one below is k + P·C. Deviations are
// taken from the patch's first pixel and the colour spread from pairwise
// differences, so flat patches and grey pixels give exactly 0, not round-off.
PatchStats patch_stats(const float* v, int P, int C) {
    PatchStats s;
    const int n = P * P;
    const int dim = n * C;
    for (int c = 0; c < C; ++c) {
        const float x0 = v[c];
        float sum = 0, sq = 0;
#pragma omp simd reduction(+ : sum, sq)
        for (int i = 0; i < n; ++i) {
            const float d = v[i * C + c] - x0;
            sum += d;
            sq += d * d;
        }
        const double mean = double(sum) / n;
        s.texture += std::sqrt(std::max(0.0, double(sq) / n - mean * mean));
    }
    s.texture /= C;
    if (P > 1) {
        float h = 0, vert = 0;
        for (int y = 0; y < P; ++y) {
            const float* row = v + y * P * C;
#pragma omp simd reduction(+ : h)
            for (int k = 0; k < (P - 1) * C; ++k) h += std::fabs(row[k + C] - row[k]);
        }
#pragma omp simd reduction(+ : vert)
        for (int k = 0; k < dim - P * C; ++k) vert += std::fabs(v[k + P * C] - v[k]);
        const double count = double(P) * (P - 1) * C;
        s.structure = (double(h) / count + double(vert) / count) / 2.0;
    }
    if (C == 3) {
        // Population variance of three values = ((a−b)² + (b−c)² + (a−c)²) / 9.
        float total = 0;
#pragma omp simd reduction(+ : total)
        for (int i = 0; i < n; ++i) {
            const float a = v[3 * i], b = v[3 * i + 1], c = v[3 * i + 2];
            total += std::sqrt(((a - b) * (a - b) + (b - c) * (b - c) + (a - c) * (a - c)) / 9.0f);
        }
        s.color = double(total) / n;
    }
    return s;
}

// Std of the centers around their (weighted) mean: sqrt(Σ w |c − c̄|² / Σ w).
double center_spread(const PatchSet& p, const std::vector<double>& w) {
    double sw = 0, my = 0, mx = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        sw += w[i];
        my += w[i] * p.center_y(i);
        mx += w[i] * p.center_x(i);
    }
    if (sw <= 0) return 0.0;
    my /= sw;
    mx /= sw;
    double var = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double dy = p.center_y(i) - my, dx = p.center_x(i) - mx;
        var += w[i] * (dy * dy + dx * dx);
    }
    return std::sqrt(var / sw);
}

void require_finite(double v, const char* name) {
    if (!std::isfinite(v)) throw InvalidArgument(std::string(name) + ": must be finite, got " + std::to_string(v));
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

void LearnerOptions::validate() const {
    require(num_classes >= 1, "num_classes", "must be >= 1, got " + std::to_string(num_classes));
    initial.validate();
    const ParamBounds& b = bounds;
    require(b.sigma_min > 0 && b.sigma_min <= b.sigma_max, "bounds.sigma", "need 0 < min <= max");
    require(b.tau_min > 0 && b.tau_min <= b.tau_max, "bounds.tau", "need 0 < min <= max");
    require(b.radius_min > 0 && b.radius_min <= b.radius_max, "bounds.radius", "need 0 < min <= max");
    require(b.sigma_s_min > 0 && b.sigma_s_min <= b.sigma_s_max, "bounds.sigma_s", "need 0 < min <= max");
    require(b.sigma_f_min > 0 && b.sigma_f_min <= b.sigma_f_max, "bounds.sigma_f", "need 0 < min <= max");
    require(history_cap >= 5, "history_cap", "must be >= 5 (the per-class rule reads the last 5 losses)");
    risk.validate();
}

EMParameterLearner::EMParameterLearner(const LearnerOptions& options) : options_(options), global_(options.initial) {
    options_.validate();
    ClassParams c;
    c.sigma = options.initial.sigma;
    c.tau = options.initial.tau;
    c.smooth_steps = options.initial.smooth_steps;
    classes_.assign(std::size_t(options.num_classes), c);
    theta_.resize(std::size_t(options.num_classes) * 4 * 2);
    for (std::size_t i = 0; i < theta_.size(); i += 2) {
        theta_[i] = std::log(options.initial.sigma);
        theta_[i + 1] = std::log(options.initial.tau);
    }
}

std::size_t EMParameterLearner::state_bytes(bool include_histories) const {
    std::size_t bytes = sizeof(*this) + classes_.capacity() * sizeof(ClassParams);
    if (!include_histories) return bytes;
    bytes += (loss_history_.capacity() + sigma_history_.capacity() + tau_history_.capacity()) * sizeof(double) +
             attention_history_.capacity() * sizeof(AttentionWeights);
    for (const ClassParams& c : classes_) {
        bytes += c.loss_history.capacity() * sizeof(double) + c.param_history.capacity() * sizeof(GraphParams);
    }
    return bytes;
}

LearnerState EMParameterLearner::state() const {
    return {global_,           classes_,        loss_history_, sigma_history_, tau_history_,
            attention_history_, last_attention_, theta_,        head_stats_,    paired_updates_};
}

void EMParameterLearner::restore(LearnerState state) {
    require(state.classes.size() == classes_.size(), "learner state",
            "has " + std::to_string(state.classes.size()) + " classes, the options say " +
                std::to_string(classes_.size()));
    state.global.validate();
    for (const ClassParams& c : state.classes) {
        require(std::isfinite(c.sigma) && c.sigma > 0 && std::isfinite(c.tau) && c.tau > 0 && c.smooth_steps >= 0,
                "learner state", "a class has invalid parameters");
    }
    require(state.sigma_history.size() == state.tau_history.size(), "learner state",
            "sigma and tau histories differ in length");
    // A hostile or corrupt file must not bring NaN into later updates.
    auto finite = [](const std::vector<double>& v) {
        return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
    };
    bool ok = finite(state.loss_history) && finite(state.sigma_history) && finite(state.tau_history);
    for (const ClassParams& c : state.classes) ok = ok && finite(c.loss_history);
    require(ok, "learner state", "a history holds a non-finite value");
    require(state.theta.empty() || state.theta.size() == theta_.size(), "learner state",
            "theta has " + std::to_string(state.theta.size()) + " values, the options need " +
                std::to_string(theta_.size()));
    require(finite(state.theta) && std::isfinite(state.head_stats.count) && state.head_stats.count >= 0,
            "learner state", "theta or the head statistics hold a non-finite value");
    const std::size_t cap = options_.history_cap;
    for (ClassParams& c : state.classes) {
        keep_newest(c.loss_history, cap);
        keep_newest(c.param_history, cap);
    }
    keep_newest(state.loss_history, cap);
    keep_newest(state.sigma_history, cap);
    keep_newest(state.tau_history, cap);
    keep_newest(state.attention_history, cap);
    global_ = state.global;
    classes_ = std::move(state.classes);
    loss_history_ = std::move(state.loss_history);
    sigma_history_ = std::move(state.sigma_history);
    tau_history_ = std::move(state.tau_history);
    attention_history_ = std::move(state.attention_history);
    last_attention_ = state.last_attention;
    if (!state.theta.empty()) theta_ = std::move(state.theta);  // empty: a model from before the risk rule
    head_stats_ = state.head_stats;
    paired_updates_ = state.paired_updates;
}

HeadStats EMParameterLearner::compute_head_stats(const PatchSet& patches) {
    HeadStats h;
    const std::size_t n = patches.size();
    if (n == 0) return h;
    std::vector<PatchStats> stats(n);
#pragma omp parallel for schedule(static) if (n * std::size_t(patches.dim()) >= detail::kParallelMinWork)
    for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(n); ++i) {
        stats[std::size_t(i)] = patch_stats(patches.patch(std::size_t(i)), patches.patch_size, patches.channels);
    }
    std::vector<double> texture(n);
    double t = 0, s = 0, c = 0;
    for (std::size_t i = 0; i < n; ++i) {
        texture[i] = stats[i].texture;
        t += stats[i].texture;
        s += stats[i].structure;
        c += stats[i].color;
    }
    h.texture = t / double(n);
    h.structure = s / double(n);
    h.color = c / double(n);
    const double plain = center_spread(patches, std::vector<double>(n, 1.0));
    const double weighted = center_spread(patches, texture);
    const bool no_detail = t <= 0.0;  // t sums the per-patch textures, each >= 0
    // One patch (or all at one place) has no spread to compare against: neutral 0.5.
    h.spatial = (no_detail || plain <= 0.0) ? 0.5 : weighted / plain;
    return h;
}

PatchFeatures EMParameterLearner::compute_patch_features(const PatchSet& patches) {
    const HeadStats h = compute_head_stats(patches);
    return {clip01(h.texture / kFeatureScale), clip01(h.structure / kFeatureScale), clip01(h.color / kFeatureScale),
            clip01(h.spatial)};
}

AttentionWeights EMParameterLearner::compute_attention_weights(const PatchFeatures& f) {
    // Scores outside [0, 1] are clipped first, as the prototype did; compute_patch_features
    // never gives any, so this matters only for scores a caller makes up.
    const auto clip = [](double v) { return std::clamp(v, 0.0, 1.0); };
    return detail::softmax({2 * clip(f.texture), 2 * clip(f.structure), 2 * clip(f.color), 2 * clip(f.spatial)});
}

GraphParams EMParameterLearner::weighted_parameter_update(const GraphParams& params, const AttentionWeights& w,
                                                          double loss_delta) {
    GraphParams out = params;
    if (loss_delta > 0) {
        out.sigma *= 1.0 - 0.02 * (w.texture + w.color);
        out.tau *= 1.0 - 0.05 * (w.spatial + w.structure);
    } else {
        out.sigma = std::min(0.5, out.sigma * (1.0 + 0.02 * (w.color + w.texture)));
        out.tau = std::min(0.3, out.tau * (1.0 + 0.05 * (w.spatial + w.structure)));
    }
    return out;
}

double EMParameterLearner::compute_loss_proxy(double recon, double percep, double smoothness) {
    return recon + percep - 0.1 * smoothness;
}

double EMParameterLearner::estimate_smoothness(const PatchGraph& graph, const Similarity& s) {
    return smoothness(graph, s);
}

void EMParameterLearner::update_global_params(double loss, double smoothness_value, const PatchSet* patches) {
    if (patches != nullptr) {
        update_global_params(loss, smoothness_value, compute_patch_features(*patches));
    } else {
        apply_global_update(loss, smoothness_value, AttentionWeights{}, false);  // uniform, not recorded
    }
}

void EMParameterLearner::update_global_params(double loss, double smoothness_value, const PatchFeatures& features) {
    apply_global_update(loss, smoothness_value, compute_attention_weights(features), true);
}

void EMParameterLearner::apply_global_update(double loss, double smoothness_value, const AttentionWeights& w,
                                             bool record_attention) {
    require_finite(loss, "loss");
    require_finite(smoothness_value, "smoothness");
    const std::size_t cap = options_.history_cap;
    push_capped(loss_history_, loss, cap);
    if (record_attention) push_capped(attention_history_, w, cap);
    last_attention_ = w;
    if (loss_history_.size() >= 2) {
        const double delta = loss_history_.back() - loss_history_[loss_history_.size() - 2];
        global_ = weighted_parameter_update(global_, w, delta);
    }
    const ParamBounds& b = options_.bounds;
    global_.tau = std::clamp(global_.tau, b.tau_min, b.tau_max);
    global_.sigma = std::clamp(global_.sigma, b.sigma_min, b.sigma_max);
    global_.radius = std::clamp(global_.radius, b.radius_min, b.radius_max);
    global_.sigma_s = std::clamp(global_.sigma_s, b.sigma_s_min, b.sigma_s_max);
    global_.sigma_f = std::clamp(global_.sigma_f, b.sigma_f_min, b.sigma_f_max);
    push_capped(sigma_history_, global_.sigma, cap);
    push_capped(tau_history_, global_.tau, cap);
}

void EMParameterLearner::check_class(int class_index) const {
    require(class_index >= 0 && class_index < num_classes(), "class index",
            std::to_string(class_index) + " is outside [0, " + std::to_string(num_classes()) + ")");
}

void EMParameterLearner::update_class_params(int class_index, double loss, double smoothness_value) {
    check_class(class_index);
    require_finite(loss, "loss");
    require_finite(smoothness_value, "smoothness");
    ClassParams& c = classes_[std::size_t(class_index)];
    push_capped(c.loss_history, loss, options_.history_cap);
    const std::size_t n = c.loss_history.size();
    const double avg = n >= 5 ? std::accumulate(c.loss_history.end() - 5, c.loss_history.end(), 0.0) / 5.0 : loss;
    if (avg > 0.5) c.smooth_steps = std::min(10, c.smooth_steps + 1);
    if (avg < 0.2) c.smooth_steps = std::max(2, c.smooth_steps - 1);
    const ParamBounds& b = options_.bounds;
    if (smoothness_value > 0.7) {
        c.sigma = std::min(b.sigma_max, c.sigma * 1.02);
        c.tau = std::min(b.tau_max, c.tau * 1.02);
    } else if (smoothness_value < 0.3) {
        c.sigma = std::max(b.sigma_min, c.sigma * 0.98);
        c.tau = std::max(b.tau_min, c.tau * 0.98);
    }
    push_capped(c.param_history, get_parameters(class_index), options_.history_cap);
}

GraphParams EMParameterLearner::get_parameters() const {
    if (options_.rule == LearnerRule::seed) return global_;
    return parameters_for(kAnyClass, last_attention_);  // θ averaged over classes, mixed with the last attention
}

GraphParams EMParameterLearner::get_parameters(int class_index) const {
    check_class(class_index);
    if (options_.rule == LearnerRule::risk) return parameters_for(class_index, last_attention_);
    const ClassParams& c = classes_[std::size_t(class_index)];
    GraphParams p = global_;
    p.sigma = c.sigma;
    p.tau = c.tau;
    p.smooth_steps = c.smooth_steps;
    return p;
}

const ClassParams& EMParameterLearner::class_params(int class_index) const {
    check_class(class_index);
    return classes_[std::size_t(class_index)];
}

LearnerStatus EMParameterLearner::get_status() const {
    LearnerStatus s{fixed(global_.sigma, 4), fixed(global_.tau, 4), fixed(global_.radius, 2), "N/A"};
    if (!loss_history_.empty()) {
        const std::size_t k = std::min<std::size_t>(5, loss_history_.size());
        const double mean = std::accumulate(loss_history_.end() - std::ptrdiff_t(k), loss_history_.end(), 0.0) / double(k);
        s.recent_loss = fixed(mean, 4);
    }
    return s;
}

}  // namespace lidecm
