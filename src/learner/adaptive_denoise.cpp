#include "lidecm/learner/adaptive_denoise.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "lidecm/core/error.hpp"
#include "lidecm/image/noise.hpp"

namespace lidecm {

AdaptOptions AdaptOptions::for_noise(double noise_sigma, int iterations) {
    AdaptOptions o;
    o.iterations = iterations;
    o.noise_sigma = noise_sigma;
    o.start_from(recommended_params(noise_sigma));
    // One image has no classes: only the global parameters move.
    o.learner.num_classes = 1;
    return o;
}

AdaptOptions AdaptOptions::for_image(ImageView noisy, int iterations) {
    AdaptOptions o = for_noise(estimate_noise_sigma(noisy), iterations);
    o.noise_sigma_estimated = true;
    return o;
}

void AdaptOptions::start_from(const GraphParams& initial) {
    learner.initial = initial;
    learner.bounds = adapt_bounds(initial);
}

AdaptResult adaptive_denoise(ImageView noisy, const AdaptOptions& options, const ProgressCallback& progress) {
    require(options.iterations >= 1, "iterations", "must be >= 1, got " + std::to_string(options.iterations));
    options.learner.validate();
    AdaptResult r;
    if (options.noise_sigma) {
        require(std::isfinite(*options.noise_sigma) && *options.noise_sigma >= 0, "noise sigma",
                "must be a finite number >= 0");
        r.noise_sigma = *options.noise_sigma;
        r.noise_sigma_estimated = options.noise_sigma_estimated;
    } else {
        r.noise_sigma = estimate_noise_sigma(noisy);
        r.noise_sigma_estimated = true;
    }
    EMParameterLearner learner(options.learner);
    const GraphParams& start = options.learner.initial;
    // The features need the patch values; the graph reads them from the image,
    // so the extracted set lives only as long as the features take.
    r.features = EMParameterLearner::compute_patch_features(extract_patches(noisy, start.patch_size, start.stride));
    const PatchSet patches = patch_grid(noisy, start.patch_size, start.stride);
    // The learner moves sigma and tau only (and clamps the rest): the graph is
    // built once and rebuilt only if a clamp changed radius, sigma_s or sigma_f.
    GraphParams graph_params = start;
    PatchGraph graph = build_patch_graph(noisy, patches, graph_params);
    auto same_graph = [](const GraphParams& a, const GraphParams& b) {
        return a.radius == b.radius && a.sigma_s == b.sigma_s && a.sigma_f == b.sigma_f;
    };
    const double target = r.noise_sigma * r.noise_sigma;
    double best_loss = 0;
    for (int it = 0; it < options.iterations; ++it) {
        const auto t0 = std::chrono::steady_clock::now();
        AdaptIteration step;
        step.params = learner.get_parameters();
        if (!same_graph(step.params, graph_params)) {
            graph_params = step.params;
            graph = build_patch_graph(noisy, patches, graph_params);
        }
        DenoiseResult d = denoise_on_graph(noisy, patches, graph, step.params);
        step.recon = std::fabs(mse(d.image, noisy) - target);
        step.percep = options.perceptual ? 1.0 - ssim(d.image, noisy) : 0.0;
        step.smoothness = d.smoothness;
        step.loss = EMParameterLearner::compute_loss_proxy(step.recon, step.percep, step.smoothness);
        learner.update_global_params(step.loss, step.smoothness, r.features);  // same patches every round
        step.attention = learner.last_attention();
        step.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (it == 0 || step.loss < best_loss) {
            best_loss = step.loss;
            r.best = std::move(d);
            r.best_params = step.params;
            r.best_iteration = it;
        }
        r.iterations.push_back(step);
        if (progress) progress(it + 1, options.iterations);
    }
    r.status = learner.get_status();
    return r;
}

}  // namespace lidecm

namespace lidecm {
ParamBounds adapt_bounds(const GraphParams& initial) {
    initial.validate();
    ParamBounds b;
    b.sigma_min = initial.sigma / 2;
    b.sigma_max = initial.sigma * 2;
    b.tau_min = initial.tau / 2;
    b.tau_max = initial.tau * 2;
    b.radius_min = b.radius_max = initial.radius;
    b.sigma_s_min = b.sigma_s_max = initial.sigma_s;
    b.sigma_f_min = b.sigma_f_max = initial.sigma_f;
    return b;
}
}  // namespace lidecm
