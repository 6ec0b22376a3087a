// What training learns about denoising its domain (issue 22): whether whole-image patch
// groups and the prior step pay on its images. Measured, not guessed: the same noisy copies of a few training
// images denoised with and without them, by the filter told the noise level, so the
// comparison is paired and blind-estimation errors do not enter it.
#include <algorithm>
#include <chrono>
#include <cstdio>

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

}  // namespace

LearnedDenoising learn_denoising(const TrainConfig& config, const Dataset& dataset, const PatchPrior& prior,
                                 const std::function<void(const std::string&)>& log) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::size_t> order = dataset.uniform_order(0);
    order.resize(std::min(order.size(), kDenoiseImages));
    CollaborativeOptions window;
    window.noise_sigma = kDenoiseSigma;
    CollaborativeOptions global = window;
    global.global_candidates = kLearnedGlobalCandidates;
    LearnedDenoising learned;
    double gain = 0.0;
    std::vector<std::pair<Image, Image>> pairs;  // clean, noisy
    std::vector<Image> by_groups, by_window;
    for (const Item& item : dataset.items(order)) {
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
    double prior_gain = 0.0;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        DenoisedImage d;
        d.noise_sigma = d.sigma_assumed = kDenoiseSigma;
        d.global_candidates = learned.global_candidates;
        d.image = learned.global_candidates > 0 ? by_groups[i] : by_window[i];
        const double before = psnr(d.image, pairs[i].first);
        blend_with_prior(pairs[i].second, d, prior, SelfTuneOptions{});
        prior_gain += psnr(d.image, pairs[i].first) - before;
    }
    learned.prior_gain_db = learned.images > 0 ? prior_gain / learned.images : 0.0;
    learned.use_prior = learned.prior_gain_db > kLearnedPriorGainThresholdDb;
    char line[240];
    std::snprintf(line, sizeof line,
                  "denoising: whole-image patch groups %+.2f dB on %d training images at sigma 25: %s; the prior "
                  "%+.2f dB: %s (%.1f s)",
                  learned.gain_db, learned.images, learned.global_candidates > 0 ? "used" : "not used",
                  learned.prior_gain_db, learned.use_prior ? "used" : "not used",
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    log(line);
    return learned;
}

}  // namespace lidecm::detail
