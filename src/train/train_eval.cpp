// Validation figures and the sample grid of a training run.
#include <algorithm>
#include <cmath>

#include "lidecm/image_grid.hpp"
#include "lidecm/tokenizer.hpp"
#include "train/train_internal.hpp"

namespace lidecm::detail {
namespace {

// Validation inputs use epoch −1 for their noise: the same inputs every epoch.
constexpr int kValidationEpoch = -1;

// Validation items are loaded this many at a time (each file decoded once per
// chunk), so memory stays flat for large validation sets.
constexpr std::size_t kChunk = 512;

// Calls body(item) for the items of `ids`, loaded a chunk at a time; items of files
// that fail to decode are left out. Returns the number of items seen.
template <class Body>
std::size_t for_each_item(const Dataset& dataset, const std::vector<std::size_t>& ids, Body&& body) {
    std::size_t seen = 0;
    for (std::size_t first = 0; first < ids.size(); first += kChunk) {
        const std::vector<std::size_t> chunk(ids.begin() + std::ptrdiff_t(first),
                                             ids.begin() + std::ptrdiff_t(std::min(ids.size(), first + kChunk)));
        const std::vector<Item> items = dataset.items(chunk);
        parallel_for(items.size(), [&](std::size_t i) { body(items[i], seen + i); });
        seen += items.size();
    }
    return seen;
}

}  // namespace

void validate_model(const TrainingRun& run, EpochMetrics& metrics) {
    const TrainConfig& config = run.model.config;
    const std::vector<std::size_t> ids = run.dataset.validation_sample(config.validation_images);
    auto token_of = [&](const Item& item) {
        const Image input = model_input(config, item.image, kValidationEpoch, item.index);
        return decode(*run.model.codebook, encode(*run.model.codebook, input, config.patch_size));
    };
    // The refinement's level first: the RMS token error over the validation
    // images (held out, like the images detokenize meets later). Tokens are made
    // twice rather than kept, so memory stays flat for large validation sets.
    std::vector<double> token_mse(ids.size());
    const std::size_t count = for_each_item(run.dataset, ids, [&](const Item& item, std::size_t i) {
        token_mse[i] = mse(token_of(item), item.image);
    });
    token_mse.resize(count);
    double level = 0;
    for (double v : token_mse) level += v;
    metrics.refine_level = std::sqrt(count == 0 ? metrics.quant_mse : level / double(count));
    std::vector<ImageScores> scores(count);
    for_each_item(run.dataset, ids, [&](const Item& item, std::size_t i) {
        if (i >= count) return;  // a file that failed between the two passes
        const Image token = token_of(item);
        scores[i] = score(item.image, token, refine(run, token, item.label, metrics.refine_level), true);
        scores[i].refined = Image{};  // keep memory flat for large validation sets
    });
    metrics.validation_images = count;
    metrics.val_psnr_token = metrics.val_psnr_refined = metrics.val_ssim_token = metrics.val_ssim_refined = 0;
    if (count == 0) return;
    for (const ImageScores& s : scores) {
        metrics.val_psnr_token += s.psnr_token;
        metrics.val_psnr_refined += s.psnr_refined;
        metrics.val_ssim_token += s.ssim_token;
        metrics.val_ssim_refined += 1.0 - s.one_minus_ssim;
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
