#include "lidecm/codebook/prior_attention.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "lidecm/core/error.hpp"
#include "lidecm/denoise/patches.hpp"
#include "lidecm/learner/em_learner.hpp"

namespace lidecm {

std::array<double, 4> head_statistics(ImageView image, int patch_size) {
    const HeadStats h = EMParameterLearner::compute_head_stats(extract_patches(image, patch_size, patch_size));
    return {h.texture, h.structure, h.color, h.spatial};
}

std::vector<double> PriorAttention::weights(const std::array<double, 4>& stats, double tau) const {
    require(!keys.empty(), "prior attention", "has no keys");
    require(std::isfinite(tau) && tau >= 0, "prior attention", "tau must be finite and >= 0");
    std::vector<double> logits;
    for (const auto& key : keys) {
        double d2 = 0;
        for (std::size_t j = 0; j < 4; ++j) d2 += std::pow((stats[j] - mean[j]) / scale[j] - key[j], 2);
        logits.push_back(-tau * d2);
    }
    // A statistic that is not finite (it cannot be for an image of finite values) must not
    // turn the weights into NaN: it counts as no information, the equal mixture.
    if (!std::all_of(logits.begin(), logits.end(), [](double l) { return std::isfinite(l); })) {
        std::fill(logits.begin(), logits.end(), 0.0);
    }
    const double top = *std::max_element(logits.begin(), logits.end());
    double total = 0;
    for (double& l : logits) total += (l = std::exp(l - top));
    for (double& l : logits) l /= total;
    return logits;
}

PriorAttention fit_prior_attention(const std::vector<std::array<double, 4>>& stats, const std::vector<int>& labels,
                                   int classes) {
    require(stats.size() == labels.size(), "prior attention", "needs one label per item");
    require(classes >= 1, "prior attention", "needs at least one class");
    std::vector<std::size_t> count(std::size_t(classes), 0);
    for (const int l : labels) {
        require(l >= 0 && l < classes, "prior attention", "label " + std::to_string(l) + " is out of range");
        ++count[std::size_t(l)];
    }
    for (int c = 0; c < classes; ++c) {
        require(count[std::size_t(c)] > 0, "prior attention", "class " + std::to_string(c) + " has no item");
    }
    PriorAttention a;
    const double n = double(stats.size());
    for (std::size_t j = 0; j < 4; ++j) {
        double m = 0, v = 0;
        for (const auto& s : stats) m += s[j] / n;
        for (const auto& s : stats) v += (s[j] - m) * (s[j] - m) / n;
        a.mean[j] = m;
        a.scale[j] = std::max(std::sqrt(v), 1e-6);
    }
    a.keys.assign(std::size_t(classes), {});
    for (std::size_t i = 0; i < stats.size(); ++i) {
        auto& key = a.keys[std::size_t(labels[i])];
        for (std::size_t j = 0; j < 4; ++j) {
            key[j] += (stats[i][j] - a.mean[j]) / a.scale[j] / double(count[std::size_t(labels[i])]);
        }
    }
    return a;
}

PatchPrior ClassPriors::for_image(ImageView pilot, double tau, std::vector<double>* weights) const {
    require(!priors.empty() && priors.size() == attention.keys.size(), "class priors", "need one key per prior");
    const std::vector<double> w = attention.weights(head_statistics(pilot, priors.front().patch_size()), tau);
    std::vector<const PatchPrior*> all;
    for (const PatchPrior& p : priors) all.push_back(&p);
    if (weights) *weights = w;
    return mix_priors(all, w);
}

}  // namespace lidecm
