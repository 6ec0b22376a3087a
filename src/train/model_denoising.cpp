#include "lidecm/train/model_denoising.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <utility>

#include "lidecm/core/error.hpp"

namespace lidecm {

void apply_model(const Model& model, const std::string& model_name, ImageView image, const std::string& image_name,
                 DenoiseRequest& request, bool keep_global) {
    if (!model.prior || !model.denoising) {
        throw IoError(model_name + ": the model has no patch prior (trained before priors, or with "
                                   "--prior-components 0): train it again to denoise with it");
    }
    const int channels = model.config.dataset.channels;
    // A grey model knows nothing of colour, and a colour model's settings were measured on colour.
    require(image.channels == channels, model_name,
            "is a model of " + std::to_string(channels) + "-channel images, " + image_name + " has " +
                std::to_string(image.channels));
    if (!keep_global) request.global_candidates = model.denoising->global_candidates;
}

void PriorStepOptions::validate() const {
    for (double b : blends) require(b > 0.0 && b <= 1.0, "blends", "each must be in (0, 1]");
    require(eval_step >= 1 && eval_step <= 64, "eval_step", "must be in [1, 64], got " + std::to_string(eval_step));
    wiener.validate();
    sure.validate();
}

namespace {

Image blend(const Image& filter, const Image& prior, double alpha) {
    Image out = filter;
    for (std::size_t i = 0; i < out.size(); ++i) {
        out.data[i] = float((1.0 - alpha) * filter.data[i] + alpha * prior.data[i]);
    }
    return out;
}

// SURE of every α (0 first) for the filter followed by the prior, on the image or, when it
// has more than tune.max_eval_pixels, on its centre. The filter is the full run's: on the
// texture set the cheaper evaluation filter ranked blends that the full run lost by
// (grass at σ 25: α 0.5, 0.2 dB below α 0).
PriorStep rank_blends(ImageView noisy, const Image& denoised, const PatchPrior& prior,
                      const CollaborativeOptions& filter, const SelfTuneOptions& tune, double sigma,
                      const PriorStepOptions& o) {
    PriorStep step;
    const bool whole = noisy.pixels() <= tune.max_eval_pixels;
    const int side = int(std::sqrt(double(tune.max_eval_pixels)));
    const int h = std::min(noisy.height, side), w = std::min(noisy.width, side);
    const int y0 = (noisy.height - h) / 2, x0 = (noisy.width - w) / 2;
    const Image y = whole ? to_image(noisy) : crop(noisy, y0, x0, h, w);
    const Image probe = sure_probe(y.height, y.width, y.channels, o.sure.seed);
    const double epsilon = o.sure.step(sigma);
    const Image y2 = perturb(y, probe, epsilon);
    const Image f = whole ? denoised : collaborative_denoise(y, filter).image;
    const Image f2 = collaborative_denoise(y2, filter).image;
    PriorWienerOptions wo = o.wiener;
    wo.step = o.eval_step;
    const Image e = prior_wiener(y, f, prior, sigma, wo), e2 = prior_wiener(y2, f2, prior, sigma, wo);
    step.candidates.push_back(0.0);
    step.candidates.insert(step.candidates.end(), o.blends.begin(), o.blends.end());
    for (double a : step.candidates) {
        step.sure_mse.push_back(sure_from_runs(y, blend(f, e, a), blend(f2, e2, a), probe, epsilon, sigma).risk);
    }
    const auto best = std::min_element(step.sure_mse.begin(), step.sure_mse.end()) - step.sure_mse.begin();
    step.blend = step.candidates[std::size_t(best)];
    return step;
}

}  // namespace

PriorStep blend_with_prior(ImageView noisy, DenoisedImage& d, const PatchPrior& prior, const SelfTuneOptions& tune,
                           const PriorStepOptions& options) {
    options.validate();
    const double sigma = d.noise_sigma;
    PriorStep skipped;
    if (!options.enabled) {
        skipped.skipped_because = "the prior step is off";
        return skipped;
    }
    if (!(sigma >= tune.min_sigma)) {  // nothing for the prior to remove (and SURE needs σ > 0)
        skipped.skipped_because = "the image is clean";
        return skipped;
    }
    const auto start = std::chrono::steady_clock::now();
    CollaborativeOptions filter;
    filter.noise_sigma = sigma;
    filter.strength = d.sigma_assumed / sigma;
    filter.global_candidates = d.global_candidates;
    PriorStep step = rank_blends(noisy, d.image, prior, filter, tune, sigma, options);
    if (step.blend > 0.0) {
        const Image e = prior_wiener(noisy, d.image, prior, sigma, options.wiener);
        d.image = blend(d.image, e, step.blend);
    }
    step.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return step;
}

ModelDenoised denoise_with_model(ImageView noisy, const Model& model, const std::string& model_name,
                                 const std::string& image_name, DenoiseRequest request, bool keep_global,
                                 const PriorStepOptions& options) {
    options.validate();
    require(request.method == DenoiseMethod::Collaborative, "method", "only the collaborative filter denoises with a model");
    apply_model(model, model_name, noisy, image_name, request, keep_global);
    ModelDenoised out;
    out.denoised = denoise_image(noisy, request);
    if (!model.denoising->use_prior) {  // skip its cost
        out.prior.skipped_because = "its training images gained nothing from the prior";
        return out;
    }
    // The class priors are weighed on the filter's output: the noisy image's statistics
    // describe its noise as much as its content.
    std::vector<double> weights;
    std::optional<PatchPrior> mixed;
    if (model.denoising->prior_tau >= 0) mixed = model.class_priors->for_image(out.denoised.image, model.denoising->prior_tau, &weights);
    out.prior = blend_with_prior(noisy, out.denoised, mixed ? *mixed : *model.prior, request.self_tune, options);
    out.prior.class_weights = std::move(weights);
    return out;
}

}  // namespace lidecm
