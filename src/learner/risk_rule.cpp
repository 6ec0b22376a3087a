// The risk rule of EMParameterLearner (issue #13): per-head parameter vectors mixed
// by each image's attention, moved by SPSA steps along the slope a paired objective measures.
#include <algorithm>
#include <cmath>
#include <string>

#include "core/random_salts.hpp"
#include "learner/history.hpp"
#include "learner/softmax.hpp"
#include "lidecm/learner/em_learner.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"

namespace lidecm {
namespace {

constexpr int kHeads = 4;
constexpr double kMaxZ = 3.0;         // a single outlier image must not take all the weight
constexpr double kMaxMove = 3.0;      // at most 3 a_k in one update, whatever one batch measured

std::array<double, 4> as_array(const HeadStats& h) { return {h.texture, h.structure, h.color, h.spatial}; }

std::array<double, 4> as_array(const AttentionWeights& w) { return {w.texture, w.structure, w.color, w.spatial}; }

}  // namespace

void RiskRuleOptions::validate() const {
    require(std::isfinite(delta) && delta > 0 && delta <= 1, "risk.delta", "must be in (0, 1]");
    require(std::isfinite(step) && step > 0 && step <= 1, "risk.step", "must be in (0, 1]");
    require(std::isfinite(stability) && stability >= 0, "risk.stability", "must be a finite number >= 0");
    require(std::isfinite(temperature) && temperature >= 0, "risk.temperature", "must be a finite number >= 0");
    require(paired_images >= 1, "risk.paired_images", "must be >= 1");
}

double RiskRuleOptions::step_size(std::uint64_t k) const {
    return step / std::pow(1.0 + double(k) / std::max(stability, 1e-9), 0.602);
}

AttentionWeights EMParameterLearner::image_attention(const HeadStats& stats) const {
    if (!options_.risk.heads || head_stats_.count < 2) return {};
    const std::array<double, 4> v = as_array(stats);
    std::array<double, 4> z{};
    for (std::size_t h = 0; h < 4; ++h) {
        const double var = head_stats_.m2[h] / (head_stats_.count - 1);
        const double sd = std::sqrt(var) + 1e-9 * (1.0 + std::fabs(head_stats_.mean[h]));
        z[h] = options_.risk.temperature * std::clamp((v[h] - head_stats_.mean[h]) / sd, -kMaxZ, kMaxZ);
    }
    return detail::softmax(z);
}

void EMParameterLearner::observe(const HeadStats& stats) {
    const std::array<double, 4> v = as_array(stats);
    for (double x : v) require(std::isfinite(x), "head statistics", "must be finite");
    head_stats_.count += 1;
    for (std::size_t h = 0; h < 4; ++h) {
        const double d = v[h] - head_stats_.mean[h];
        head_stats_.mean[h] += d / head_stats_.count;
        head_stats_.m2[h] += d * (v[h] - head_stats_.mean[h]);
    }
}

std::array<double, 2> EMParameterLearner::head_parameters(int class_index, int head) const {
    check_class(class_index);
    require(head >= 0 && head < kHeads, "head", std::to_string(head) + " is outside [0, 4)");
    const std::size_t i = (std::size_t(class_index) * kHeads + std::size_t(head)) * 2;
    return {theta_[i], theta_[i + 1]};
}

GraphParams EMParameterLearner::parameters_for(int class_index, const AttentionWeights& weights) const {
    if (options_.rule == LearnerRule::seed) return class_index < 0 ? get_parameters() : get_parameters(class_index);
    if (class_index != kAnyClass) check_class(class_index);
    const std::array<double, 4> w = as_array(weights);
    const int first = class_index == kAnyClass ? 0 : class_index;
    const int last = class_index == kAnyClass ? num_classes() : class_index + 1;
    double ls = 0, lt = 0;
    for (int c = first; c < last; ++c) {
        for (int h = 0; h < kHeads; ++h) {
            const std::array<double, 2> t = head_parameters(c, h);
            ls += w[std::size_t(h)] * t[0] / double(last - first);
            lt += w[std::size_t(h)] * t[1] / double(last - first);
        }
    }
    const ParamBounds& b = options_.bounds;
    GraphParams p = options_.initial;
    p.sigma = std::clamp(std::exp(ls), b.sigma_min, b.sigma_max);
    p.tau = std::clamp(std::exp(lt), b.tau_min, b.tau_max);
    return p;
}

GraphParams EMParameterLearner::image_parameters(ImageView image, int patch_size, int class_index) const {
    if (options_.rule == LearnerRule::seed) return parameters_for(class_index, last_attention_);
    return parameters_for(class_index, image_attention(compute_head_stats(extract_patches(image, patch_size, patch_size))));
}

std::array<int, 2> EMParameterLearner::paired_direction(std::uint64_t seed) const {
    RandomStream rng{seed, detail::kPairedSalt, paired_updates_};
    const std::uint64_t bits = rng.next();
    return {(bits & 1U) ? 1 : -1, (bits & 2U) ? 1 : -1};
}

GraphParams EMParameterLearner::perturbed(const GraphParams& params, const std::array<int, 2>& direction,
                                          int sign) const {
    GraphParams p = params;
    const double d = options_.risk.delta * double(sign);
    p.sigma *= std::exp(d * direction[0]);
    p.tau *= std::exp(d * direction[1]);
    return p;
}

void EMParameterLearner::update_paired(const std::vector<PairedSample>& samples, const std::array<int, 2>& direction,
                                       double loss) {
    require(options_.rule == LearnerRule::risk, "update_paired", "needs LearnerOptions::rule = risk");
    require(!samples.empty(), "update_paired", "needs at least one sample");
    require(std::isfinite(loss), "loss", "must be finite, got " + std::to_string(loss));
    for (const PairedSample& s : samples) {
        check_class(s.class_index);
        require(std::isfinite(s.loss_plus) && std::isfinite(s.loss_minus), "paired loss", "must be finite");
    }
    // Per class and head: the head-weighted mean of the samples' loss differences
    // relative to the samples' mean loss (SPSA's gradient estimate along Δ of the
    // summed loss, free of its scale).
    const std::size_t cells = std::size_t(num_classes()) * kHeads;
    std::vector<double> vote(cells, 0.0), weight(cells, 0.0);
    AttentionWeights mean{0, 0, 0, 0};
    double level = 0;
    const double n = double(samples.size());
    for (const PairedSample& s : samples) level += (std::fabs(s.loss_plus) + std::fabs(s.loss_minus)) / (2 * n);
    for (const PairedSample& s : samples) {
        const double rel = level > 0 ? (s.loss_plus - s.loss_minus) / level : 0.0;
        const std::array<double, 4> w = as_array(s.weights);
        for (int h = 0; h < kHeads; ++h) {
            const std::size_t cell = std::size_t(s.class_index) * kHeads + std::size_t(h);
            vote[cell] += w[std::size_t(h)] * rel;
            weight[cell] += w[std::size_t(h)];
        }
        mean.texture += s.weights.texture / n;
        mean.structure += s.weights.structure / n;
        mean.color += s.weights.color / n;
        mean.spatial += s.weights.spatial / n;
    }
    // vote / weight / 2δ estimates d log L / d log θ along Δ: a slope in relative
    // units, so a_k means the same for any loss scale, and a flat objective (where
    // the differences are small) moves the parameters little.
    const double a = options_.risk.step_size(paired_updates_);
    const double two_delta = 2 * options_.risk.delta;
    const ParamBounds& b = options_.bounds;
    for (std::size_t cell = 0; cell < cells; ++cell) {
        if (weight[cell] <= 0) continue;
        // A higher loss at +δΔ means the descent is along −Δ.
        const double move = -a * std::clamp(vote[cell] / weight[cell] / two_delta, -kMaxMove, kMaxMove);
        double* t = theta_.data() + cell * 2;
        t[0] = std::clamp(t[0] + move * direction[0], std::log(b.sigma_min), std::log(b.sigma_max));
        t[1] = std::clamp(t[1] + move * direction[1], std::log(b.tau_min), std::log(b.tau_max));
    }
    ++paired_updates_;
    const std::size_t cap = options_.history_cap;
    last_attention_ = mean;
    detail::push_capped(loss_history_, loss, cap);
    detail::push_capped(attention_history_, mean, cap);
    const GraphParams now = get_parameters();
    detail::push_capped(sigma_history_, now.sigma, cap);
    detail::push_capped(tau_history_, now.tau, cap);
}

}  // namespace lidecm
