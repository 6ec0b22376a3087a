// What training learns about denoising its domain (issue 22): whether whole-image patch
// groups pay on its images. Measured, not guessed: the same noisy copies of a few training
// images denoised with and without them, by the filter told the noise level, so the
// comparison is paired and blind-estimation errors do not enter it.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/random_salts.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/image/noise.hpp"
#include "train/train_internal.hpp"

namespace lidecm::detail {
namespace {

// Eight images give the sign of a domain's gain (text pages: +2 to +4 dB each, photos:
// −0.2 to +0.4 dB) in a few seconds.
constexpr std::size_t kDenoiseImages = 8;
// σ 25 on [0, 255]: the middle of the noise levels the project measures.
constexpr double kDenoiseSigma = 25.0 / 255.0;

}  // namespace

LearnedDenoising learn_denoising(const TrainConfig& config, const Dataset& dataset,
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
    for (const Item& item : dataset.items(order)) {
        if (item.image.height < window.patch_size_hard || item.image.width < window.patch_size_hard) continue;
        RandomStream rng{config.seed, kDenoiseNoiseSalt, item.index};
        const Image noisy = add_gaussian_noise(item.image, kDenoiseSigma, rng.next());
        gain += psnr(collaborative_denoise(noisy, global).image, item.image) -
                psnr(collaborative_denoise(noisy, window).image, item.image);
        ++learned.images;
    }
    learned.gain_db = learned.images > 0 ? gain / learned.images : 0.0;
    learned.global_candidates = learned.gain_db > kLearnedGainThresholdDb ? kLearnedGlobalCandidates : 0;
    char line[200];
    std::snprintf(line, sizeof line,
                  "denoising: whole-image patch groups %+.2f dB on %d training images at sigma 25: %s (%.1f s)",
                  learned.gain_db, learned.images, learned.global_candidates > 0 ? "used" : "not used",
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    log(line);
    return learned;
}

}  // namespace lidecm::detail
