// denoise_image: the one place that decides σ̂, the method and whether to tune.
#include "lidecm/learner/denoise_image.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "lidecm/core/error.hpp"
#include "lidecm/image/noise.hpp"

namespace lidecm {

void DenoiseRequest::validate() const {
    if (noise_sigma) {
        require(std::isfinite(*noise_sigma) && *noise_sigma >= 0, "noise_sigma", "must be a finite number >= 0");
    }
    require_strength(strength);
    require(iterations >= 1, "iterations", "must be >= 1, got " + std::to_string(iterations));
    self_tune.validate();
    require_global_candidates(global_candidates, "global_candidates");
}

namespace {

// `sigma` is σ̂ · strength, the noise level the graph's start parameters are chosen for.
void run_graph(ImageView noisy, double sigma, const DenoiseRequest& request, DenoisedImage& out) {
    out.initial_params = request.graph_params ? request.graph_params(sigma) : recommended_params(sigma);
    out.sigma_assumed = sigma;
    if (!request.adapt) {
        out.params = out.initial_params;
        out.graph = denoise(noisy, out.params);
    } else {
        AdaptOptions a = AdaptOptions::for_noise(sigma, request.iterations);
        a.noise_sigma_estimated = out.noise_sigma_estimated;
        a.perceptual = request.perceptual;
        a.start_from(out.initial_params);  // for_noise's start with the caller's parameters
        AdaptResult r = adaptive_denoise(noisy, a, request.progress);
        out.params = r.best_params;
        out.graph = std::move(r.best);
        out.adaptation = std::move(r);
    }
    out.image = std::move(out.graph.image);
}

void run_collaborative(ImageView noisy, const DenoiseRequest& request, DenoisedImage& out) {
    CollaborativeOptions options;
    options.noise_sigma = out.noise_sigma;
    options.strength = request.strength;
    options.global_candidates = request.global_candidates;
    out.global_candidates = request.global_candidates;
    if (!request.adapt) {
        out.collaborative = collaborative_denoise(noisy, options);
    } else {
        SelfTuneResult t = self_tuned_denoise(noisy, options, request.self_tune);
        out.global_candidates = t.global_candidates;
        out.collaborative = std::move(t.result);
        out.self_tune = std::move(t);
    }
    out.sigma_assumed = out.collaborative.sigma_used;
    out.image = std::move(out.collaborative.image);
}

}  // namespace

DenoisedImage denoise_image(ImageView noisy, const DenoiseRequest& request) {
    request.validate();
    DenoisedImage out;
    out.noise_sigma_estimated = !request.noise_sigma.has_value();
    out.noise_sigma = request.noise_sigma ? *request.noise_sigma : estimate_noise_sigma(noisy);
    if (request.method == DenoiseMethod::Graph) {
        run_graph(noisy, out.noise_sigma * request.strength, request, out);
    } else {
        run_collaborative(noisy, request, out);
    }
    return out;
}

}  // namespace lidecm
