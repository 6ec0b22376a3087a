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
    parallel_for(ids.size(), [&](std::size_t i) {
        const Item item = run.dataset.item(ids[i]);
        token_mse[i] = mse(token_of(item), item.image);
    });
    double level = 0;
    for (double v : token_mse) level += v;
    metrics.refine_level = std::sqrt(ids.empty() ? metrics.quant_mse : level / double(ids.size()));
    std::vector<ImageScores> scores(ids.size());
    parallel_for(ids.size(), [&](std::size_t i) {
        const Item item = run.dataset.item(ids[i]);
        const Image token = token_of(item);
        scores[i] = score(item.image, token, refine(run, token, item.label, metrics.refine_level), true);
        scores[i].refined = Image{};  // keep memory flat for large validation sets
    });
    metrics.validation_images = ids.size();
    metrics.val_psnr_token = metrics.val_psnr_refined = metrics.val_ssim_token = metrics.val_ssim_refined = 0;
    if (ids.empty()) return;
    for (const ImageScores& s : scores) {
        metrics.val_psnr_token += s.psnr_token;
        metrics.val_psnr_refined += s.psnr_refined;
        metrics.val_ssim_token += s.ssim_token;
        metrics.val_ssim_refined += 1.0 - s.one_minus_ssim;
    }
    const double inv = 1.0 / double(ids.size());
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
    for (std::size_t id : ids) {
        const Item item = run.dataset.item(id);
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
