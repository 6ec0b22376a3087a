// What training learns about denoising its domain (issue 22): whether whole-image patch
// groups and the prior step pay on its images. Measured, not guessed: the same noisy copies of a few training
// images denoised with and without them, by the filter told the noise level, so the
// comparison is paired and blind-estimation errors do not enter it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "core/random_salts.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/image/noise.hpp"
#include "lidecm/train/model_denoising.hpp"
#include "train/train_internal.hpp"

namespace lidecm::detail {
namespace {

// Eight images give the sign of a domain's gain (text pages: +2 to +4 dB each, photos:
// −0.2 to +0.4 dB) in a few seconds.
constexpr std::size_t kDenoiseImages = 8;
// σ 25 on [0, 255]: the middle of the noise levels the project measures.
constexpr double kDenoiseSigma = 25.0 / 255.0;

// Up to kDenoiseImages items of the uniform order, at most an equal share from each class,
// so the choice among class priors sees every class.
std::vector<std::size_t> measured_items(const Dataset& dataset) {
    const std::size_t classes = std::max<std::size_t>(1, dataset.class_names().size());
    const std::size_t share = (kDenoiseImages + classes - 1) / classes;
    std::vector<std::size_t> taken, per_class(classes, 0);
    for (const std::size_t i : dataset.uniform_order(0)) {
        const auto c = std::size_t(std::clamp(dataset.label(i), 0, int(classes) - 1));
        if (per_class[c] == share) continue;
        ++per_class[c];
        taken.push_back(i);
        if (taken.size() == kDenoiseImages) break;
    }
    return taken;
}

}  // namespace

LearnedDenoising learn_denoising(const Model& model, const Dataset& dataset,
                                 const std::function<void(const std::string&)>& log) {
    const auto start = std::chrono::steady_clock::now();
    const TrainConfig& config = model.config;
    CollaborativeOptions window;
    window.noise_sigma = kDenoiseSigma;
    CollaborativeOptions global = window;
    global.global_candidates = kLearnedGlobalCandidates;
    LearnedDenoising learned;
    double gain = 0.0;
    std::vector<std::pair<Image, Image>> pairs;  // clean, noisy
    std::vector<Image> by_groups, by_window;
    for (const Item& item : dataset.items(measured_items(dataset))) {
        if (item.image.height < window.patch_size_hard || item.image.width < window.patch_size_hard) continue;
        RandomStream rng{config.seed, kDenoiseNoiseSalt, item.index};
        pairs.emplace_back(item.image, add_gaussian_noise(item.image, kDenoiseSigma, rng.next()));
        by_groups.push_back(collaborative_denoise(pairs.back().second, global).image);
        by_window.push_back(collaborative_denoise(pairs.back().second, window).image);
        gain += psnr(by_groups.back(), item.image) - psnr(by_window.back(), item.image);
        ++learned.images;
    }
    learned.gain_db = learned.images > 0 ? gain / learned.images : 0.0;
    learned.global_candidates = learned.gain_db > kLearnedGainThresholdDb ? kLearnedGlobalCandidates : 0;
    // The mean gain of the prior step with the pooled prior (tau < 0) or the class priors
    // mixed at tau for each filtered image, as denoise_with_model chooses.
    const auto prior_gain = [&](double tau) {
        double total = 0.0;
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            DenoisedImage d;
            d.noise_sigma = d.sigma_assumed = kDenoiseSigma;
            d.global_candidates = learned.global_candidates;
            d.image = learned.global_candidates > 0 ? by_groups[i] : by_window[i];
            const double before = psnr(d.image, pairs[i].first);
            std::optional<PatchPrior> mixed;
            if (tau >= 0) mixed = model.class_priors->for_image(d.image, tau);
            blend_with_prior(pairs[i].second, d, mixed ? *mixed : *model.prior, SelfTuneOptions{});
            total += psnr(d.image, pairs[i].first) - before;
        }
        return learned.images > 0 ? total / learned.images : 0.0;
    };
    learned.pooled_gain_db = learned.prior_gain_db = prior_gain(-1.0);
    std::string choices;
    if (model.class_priors) {
        for (const double tau : kPriorAttentionTaus) {
            const double g = prior_gain(tau);
            char part[64];
            std::snprintf(part, sizeof part, ", class priors at tau %g %+.2f dB", tau, g);
            choices += part;
            if (g > learned.prior_gain_db) learned.prior_gain_db = g, learned.prior_tau = tau;
        }
    }
    learned.use_prior = learned.prior_gain_db > kLearnedPriorGainThresholdDb;
    char line[200];
    std::snprintf(line, sizeof line, "denoising: whole-image patch groups %+.2f dB on %d training images at sigma 25: %s",
                  learned.gain_db, learned.images, learned.global_candidates > 0 ? "used" : "not used");
    log(line);
    char chosen[64] = "no prior";
    if (learned.use_prior && learned.prior_tau < 0) std::snprintf(chosen, sizeof chosen, "the pooled prior");
    if (learned.use_prior && learned.prior_tau >= 0) {
        std::snprintf(chosen, sizeof chosen, "the class priors at tau %g", learned.prior_tau);
    }
    std::snprintf(line, sizeof line, "denoising: the pooled prior %+.2f dB", learned.pooled_gain_db);
    char tail[120];
    std::snprintf(tail, sizeof tail, ": %s used (%.1f s)", chosen,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    log(line + choices + tail);
    return learned;
}

}  // namespace lidecm::detail
