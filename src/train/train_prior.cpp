// The patch prior of a finished run (issue 22): a Gaussian mixture fitted to a sample of
// the training split's patches, the tokenizer's tiles when there are enough of them, else
// patches at a smaller step (a folder of a few images has too few tiles: 8 tiles of 128²
// give 2,048, and 20 Gaussians of 64 values fitted to them lost 0.3 dB on brick). The items are taken as
// they are stored, without augmentation or --input-noise: the prior describes clean
// image patches, whatever the codebook was trained on.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "core/random_salts.hpp"
#include "lidecm/codebook/prior_attention.hpp"
#include "lidecm/denoise/patches.hpp"
#include "lidecm/core/random.hpp"
#include "train/train_internal.hpp"

namespace lidecm::detail {
namespace {

// EM costs about n · K · dim² per iteration: 20,000 tiles fit 20 Gaussians of 8×8×3
// in under a minute on two cores, and more tiles barely move the fit.
constexpr std::size_t kPriorTiles = 20'000;
// The sample spreads over at least this many training items (when there are as many),
// taking a few random tiles of each, so large items do not fill it from a handful of photos.
constexpr std::size_t kPriorItems = 1'000;
// Items decoded at once: memory stays that of a few dozen images whatever the split's size.
constexpr std::size_t kChunkItems = 64;

struct TileSample {
    std::vector<float> values;  ///< count × dim
    std::size_t count = 0;
    std::size_t items = 0;  ///< items the tiles come from
    std::vector<std::array<double, 4>> statistics;  ///< head_statistics of each of those items (class samples)
};

// `share` tiles of each of the first items of the uniform order (the codebook start's
// order, so the sample is of all training images) whose label is `label` (−1: every
// item), chosen from (seed, item) alone, until `target` tiles are taken.
TileSample sample_tiles(const TrainConfig& config, const Dataset& dataset, int label, std::size_t target) {
    std::vector<std::size_t> order = dataset.uniform_order(0);
    if (label >= 0) std::erase_if(order, [&](std::size_t i) { return dataset.label(i) != label; });
    const int R = config.dataset.resolution, P = config.patch_size;
    // The largest step from P down whose patches, over all items, fill the sample.
    int step = P;
    const auto per_item_at = [&](int s) { return patch_corners(R, P, s).size() * patch_corners(R, P, s).size(); };
    while (step > 1 && per_item_at(step) * order.size() < target) --step;
    const std::size_t per_item = per_item_at(step);
    const std::size_t items = std::min(order.size(), std::max(kPriorItems, (target + per_item - 1) / per_item));
    const std::size_t share = items == 0 ? 0 : std::min(per_item, (target + items - 1) / items);
    TileSample sample;
    for (std::size_t first = 0; first < items && sample.count < target; first += kChunkItems) {
        const std::vector<std::size_t> chunk(order.begin() + std::ptrdiff_t(first),
                                             order.begin() + std::ptrdiff_t(std::min(items, first + kChunkItems)));
        for (const Item& item : dataset.items(chunk)) {  // files that fail to decode are left out
            const PatchSet tiles = extract_patches(item.image, P, step);
            std::vector<std::size_t> pick(tiles.size());
            std::iota(pick.begin(), pick.end(), std::size_t(0));
            RandomStream rng{config.seed, kPriorSampleSalt, item.index};
            shuffle(pick, rng);
            pick.resize(std::min({share, pick.size(), target - sample.count}));
            for (const std::size_t t : pick) {
                sample.values.insert(sample.values.end(), tiles.patch(t), tiles.patch(t) + tiles.dim());
            }
            sample.count += pick.size();
            ++sample.items;
            if (label >= 0) sample.statistics.push_back(head_statistics(item.image, P));  // the attention's keys
            if (sample.count == target) break;
        }
    }
    return sample;
}

// The prior of a sample; none, with its reason logged, when the sample is smaller than the
// prior's components. `what` names it in the log ("patch prior", "prior of class brick").
std::optional<PatchPrior> fit_sample(const TrainConfig& config, const TileSample& sample, const std::string& what,
                                     const std::function<void(const std::string&)>& log) {
    const auto start = std::chrono::steady_clock::now();
    const int k = config.prior_components;
    if (sample.count < std::size_t(k)) {
        // The run itself succeeded: no prior is better than failing it at its very end.
        log("no " + what + ": " + std::to_string(sample.count) + " training patches are fewer than its " +
            std::to_string(k) + " components (lower --prior-components)");
        return std::nullopt;
    }
    const std::string p = std::to_string(config.patch_size), r = std::to_string(config.dataset.resolution);
    log("fitting the " + what + ": " + std::to_string(k) + " Gaussians to " + std::to_string(sample.count) + " " + p + "x" +
        p + " patches from " + std::to_string(sample.items) +
        (config.dataset.tiles ? " training tiles of " + r + "x" + r : std::string(" training images")) + ", " +
        std::to_string(config.prior_iterations) + " EM iterations at most");
    PatchPriorOptions options;
    options.components = k;
    options.iterations = config.prior_iterations;
    options.seed = config.seed;
    PatchPriorFit fit =
        fit_patch_prior(sample.values.data(), sample.count, config.patch_size, config.dataset.channels, options);
    char line[240];
    std::snprintf(line, sizeof line, "%s: %d Gaussians of dim %d in %zu EM iterations, mean log-likelihood %.1f (%.1f s)",
                  what.c_str(), k, fit.prior.dim(), fit.log_likelihood.size(), fit.log_likelihood.back(),
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    log(line);
    return std::move(fit.prior);
}

}  // namespace

std::optional<PatchPrior> training_prior(const TrainConfig& config, const Dataset& dataset,
                                         const std::function<void(const std::string&)>& log) {
    return fit_sample(config, sample_tiles(config, dataset, -1, kPriorTiles), "patch prior", log);
}

std::optional<ClassPriors> training_class_priors(const TrainConfig& config, const Dataset& dataset,
                                                 const std::function<void(const std::string&)>& log) {
    const int classes = int(dataset.class_names().size());
    if (classes < 2 || config.class_priors == 0) return std::nullopt;
    if (classes > config.class_priors) {
        log("no class priors: " + std::to_string(classes) + " classes, more than --class-priors " +
            std::to_string(config.class_priors));
        return std::nullopt;
    }
    // Each class prior gets the pooled prior's sample size: on the texture set, a third of
    // it each (their fits together costing one pooled fit) gave brick +0.28 dB over the
    // filter told σ 25 instead of +0.30, gravel −0.02 instead of +0.04.
    const std::size_t target = kPriorTiles;
    ClassPriors made;
    std::vector<std::array<double, 4>> statistics;
    std::vector<int> labels;
    for (int c = 0; c < classes; ++c) {
        const TileSample sample = sample_tiles(config, dataset, c, target);
        std::optional<PatchPrior> prior =
            fit_sample(config, sample, "prior of class " + dataset.class_names()[std::size_t(c)], log);
        if (!prior) return std::nullopt;  // its line says why; the pooled prior still serves
        made.priors.push_back(std::move(*prior));
        statistics.insert(statistics.end(), sample.statistics.begin(), sample.statistics.end());
        labels.insert(labels.end(), sample.statistics.size(), c);
    }
    made.attention = fit_prior_attention(statistics, labels, classes);
    return made;
}

}  // namespace lidecm::detail
