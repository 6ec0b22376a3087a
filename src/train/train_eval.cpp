// Validation figures and the sample grid of a training run.
#include <algorithm>
#include <cmath>

#include "lidecm/image/image_grid.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "train/distributed.hpp"
#include "train/train_internal.hpp"

namespace lidecm::detail {
namespace {

// Validation inputs use epoch −1 for their noise: the same inputs every epoch.
constexpr int kValidationEpoch = -1;

// Validation items are loaded this many at a time (each file decoded once per
// chunk), so memory stays flat for large validation sets.
constexpr std::size_t kChunk = 512;

struct TokenRecord {
    std::uint64_t at = 0;
    double mse = 0;
};

struct ValidationRecord {
    std::uint64_t at = 0;
    double psnr_token = 0, psnr_refined = 0, ssim_token = 0, ssim_refined = 0;
};

}  // namespace

void validate_model(const TrainingRun& run, EpochMetrics& metrics, Communicator& comm) {
    const TrainConfig& config = run.model.config;
    const std::vector<std::size_t> sample = run.dataset.validation_sample(config.validation_images);
    // Each rank validates every size()-th image; the figures are combined in the sample's order.
    std::vector<std::size_t> ids, at;
    for (std::size_t k = std::size_t(comm.rank()); k < sample.size(); k += std::size_t(comm.size())) {
        ids.push_back(sample[k]);
        at.push_back(k);
    }
    auto token_of = [&](const Item& item) {
        const Image input = model_input(config, item.image, kValidationEpoch, item.index);
        return decode(*run.model.codebook, encode(*run.model.codebook, input, config.patch_size));
    };
    // The refinement's level first: the RMS token error over the validation
    // images (held out, like the images detokenize meets later). Tokens are made
    // twice rather than kept, so memory stays flat for large validation sets.
    std::vector<TokenRecord> token_mse(ids.size());
    std::vector<char> seen(ids.size(), 0);
    for_each_item(run.dataset, ids, kChunk, [&](const Item& item, std::size_t k) {
        token_mse[k] = {at[k], mse(token_of(item), item.image)};
        seen[k] = 1;
    });
    std::vector<TokenRecord> mine;
    std::vector<std::size_t> again, ids_again;  // the items the first pass saw: where in `ids`, which
    for (std::size_t k = 0; k < ids.size(); ++k) {
        if (!seen[k]) continue;
        mine.push_back(token_mse[k]);
        again.push_back(k);
        ids_again.push_back(ids[k]);
    }
    const std::vector<TokenRecord> levels = gather_in_order(comm, mine);
    const std::size_t count = levels.size();
    double level = 0;
    for (const TokenRecord& r : levels) level += r.mse;
    metrics.refine_level = std::sqrt(count == 0 ? metrics.quant_mse : level / double(count));
    std::vector<ValidationRecord> my_scores(again.size());
    for_each_item(run.dataset, ids_again, kChunk, [&](const Item& item, std::size_t j) {
        const Image token = token_of(item);
        const ImageScores s = score(item.image, token, refine(run, token, item.label, metrics.refine_level), true);
        my_scores[j] = {at[again[j]], s.psnr_token, s.psnr_refined, s.ssim_token, 1.0 - s.one_minus_ssim};
    });
    metrics.validation_images = count;
    metrics.val_psnr_token = metrics.val_psnr_refined = metrics.val_ssim_token = metrics.val_ssim_refined = 0;
    if (count == 0) return;
    for (const ValidationRecord& s : gather_in_order(comm, my_scores)) {
        metrics.val_psnr_token += s.psnr_token;
        metrics.val_psnr_refined += s.psnr_refined;
        metrics.val_ssim_token += s.ssim_token;
        metrics.val_ssim_refined += s.ssim_refined;
    }
    const double inv = 1.0 / double(count);
    metrics.val_psnr_token *= inv;
    metrics.val_psnr_refined *= inv;
    metrics.val_ssim_token *= inv;
    metrics.val_ssim_refined *= inv;
}

Image sample_grid(const TrainingRun& run) {
    const TrainConfig& config = run.model.config;
    const std::vector<std::size_t> ids = run.dataset.validation_sample(std::max<std::size_t>(1, config.sample_images));
    const bool noisy = config.input_noise > 0 || config.input_noise_max > 0;
    std::vector<GridRow> rows = {{"original", {}}};
    if (noisy) rows.push_back({"noisy input", {}});
    rows.push_back({"tokens", {}});
    rows.push_back({"refined", {}});
    for (const Item& item : run.dataset.items(ids)) {
        const Image input = model_input(config, item.image, kValidationEpoch, item.index);
        const Image token = decode(*run.model.codebook, encode(*run.model.codebook, input, config.patch_size));
        std::size_t r = 0;
        rows[r++].images.push_back(item.image);
        if (noisy) rows[r++].images.push_back(input);
        rows[r++].images.push_back(token);
        rows[r].images.push_back(refine(run, token, item.label, refine_level(run.model)).image);
    }
    return make_grid(rows);
}

}  // namespace lidecm::detail
