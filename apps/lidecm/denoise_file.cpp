// One file through `lidecm denoise`: load it with its sample depth, decide σ̂ once,
// run the chosen filter, save with the input's depth, and describe it all in JSON.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "cli_support.hpp"
#include "denoise_job.hpp"
#include "lidecm/report/adapt_report.hpp"
#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/image/noise.hpp"
#include "lidecm/data/samples.hpp"
#include "lidecm/denoise/self_tune.hpp"

namespace lidecm::cli {

GraphParams chosen_params(const DenoiseOptions& o, const GraphFlags& f, double noise_sigma) {
    GraphParams p = recommended_params(noise_sigma);
    if (f.sigma->count()) p.sigma = o.params.sigma;
    if (f.tau->count()) p.tau = o.params.tau;
    if (f.radius->count()) p.radius = o.params.radius;
    if (f.sigma_s->count()) p.sigma_s = o.params.sigma_s;
    if (f.sigma_f->count()) p.sigma_f = o.params.sigma_f;
    if (f.steps->count()) p.smooth_steps = o.params.smooth_steps;
    if (f.patch->count()) p.patch_size = o.params.patch_size;
    if (f.stride->count()) p.stride = o.params.stride;
    validate_as_flags(p);
    return p;
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// `sigma` is the noise level the graph's defaults are chosen for (σ̂ · strength).
Image run_graph(const Image& noisy, double sigma, bool estimated, const DenoiseJob& job, const DenoiseOptions& o,
                const GraphFlags& flags, bool progress, nlohmann::json& summary) {
    const GraphParams params = chosen_params(o, flags, sigma);
    require(params.patch_size <= noisy.height && params.patch_size <= noisy.width, "--patch-size",
            std::to_string(params.patch_size) + " is larger than the " + std::to_string(noisy.width) + "x" +
                std::to_string(noisy.height) + " image " + job.input);
    summary["noise_sigma_assumed"] = sigma * 255.0;
    summary["initial_params"] = params;
    summary["adapt"] = o.adapt;
    DenoiseResult result;
    if (o.adapt) {
        AdaptOptions a = AdaptOptions::for_noise(sigma, o.iterations);
        a.noise_sigma_estimated = estimated;
        a.perceptual = o.perceptual;
        a.start_from(params);  // for_noise's start with the flags the user set
        std::optional<ProgressBar> bar;
        if (progress) bar.emplace("denoise --adapt");
        AdaptResult r = adaptive_denoise(noisy, a, [&bar](int done, int total) {
            if (bar) bar->update(done, total);
        });
        if (bar) bar->finish();
        result = std::move(r.best);
        nlohmann::json its = nlohmann::json::array();
        for (const AdaptIteration& it : r.iterations) {
            its.push_back({{"params", it.params}, {"recon", it.recon}, {"percep", it.percep},
                           {"smoothness", it.smoothness}, {"loss", it.loss},
                           {"attention", it.attention}, {"seconds", it.seconds}});
        }
        summary["params"] = r.best_params;
        summary["best_iteration"] = r.best_iteration;
        summary["iterations"] = its;
        summary["features"] = r.features;
        summary["attention"] = r.iterations.back().attention;
        summary["status"] = {{"sigma", r.status.sigma}, {"tau", r.status.tau}, {"radius", r.status.radius},
                             {"recent_loss", r.status.recent_loss}};
        if (!o.report_file.empty()) {
            const std::string html = adapt_report_html(r, "lidecm denoise --adapt — " + job.input);
            write_file_atomically(o.report_file, std::vector<unsigned char>(html.begin(), html.end()));
        }
    } else {
        result = denoise(noisy, params);
        summary["params"] = params;
    }
    summary["smoothness"] = result.smoothness;
    summary["patches"] = result.patches;
    summary["edges"] = result.edges;
    summary["timings"] = {{"extract", result.timings.extract}, {"graph", result.timings.graph},
                          {"diffusion", result.timings.diffusion}, {"aggregate", result.timings.aggregate},
                          {"reassemble", result.timings.reassemble}};
    return std::move(result.image);
}

// Self-tuned by SURE unless --no-adapt; the summary says what was evaluated, or why not.
CollaborativeResult run_self_tuned(const Image& noisy, const CollaborativeOptions& options, nlohmann::json& summary) {
    SelfTuneResult t = self_tuned_denoise(noisy, options);
    nlohmann::json evaluations = nlohmann::json::array();
    for (const SureEvaluation& e : t.evaluations) {
        evaluations.push_back({{"strength", e.strength}, {"sure_mse", e.sure.risk}, {"divergence", e.sure.divergence}});
    }
    summary["self_tune"] = {{"tuned", t.tuned}, {"strength", t.strength}, {"evaluations", evaluations},
                            {"eval_pixels", t.eval_pixels}, {"seconds", t.tune_seconds}};
    if (!t.tuned) summary["self_tune"]["skipped_because"] = t.skipped_because;
    return std::move(t.result);
}

Image run_collaborative(const Image& noisy, double sigma_hat, const DenoiseOptions& o, nlohmann::json& summary) {
    CollaborativeOptions options;
    options.noise_sigma = sigma_hat;
    options.strength = o.strength;
    summary["adapt"] = !o.no_adapt;
    CollaborativeResult r = o.no_adapt ? collaborative_denoise(noisy, options) : run_self_tuned(noisy, options, summary);
    summary["noise_sigma_assumed"] = r.sigma_used * 255.0;
    summary["groups"] = r.groups;
    summary["timings"] = {{"hard", r.timings.hard}, {"wiener", r.timings.wiener}, {"colour", r.timings.colour}};
    return std::move(r.image);
}

}  // namespace

nlohmann::json denoise_file(const DenoiseJob& job, const DenoiseOptions& o, const GraphFlags& flags, bool progress) {
    const auto t0 = std::chrono::steady_clock::now();
    // Before the work, so that an -o of unknown format fails at once. A format that
    // holds less than the input (a 16-bit PNG to .jpg) gets the nearest it holds.
    const SampleDepth output_depth_limit = deepest_depth_for(job.output);
    const LoadedImage loaded = load_image_with_depth(job.source, LoadOptions{o.max_pixels});
    const Image& noisy = loaded.image;
    std::optional<Image> reference;
    if (!o.reference.empty()) {
        reference = load_image(resolve_image_argument(o.reference), LoadOptions{o.max_pixels});
        require(reference->height == noisy.height && reference->width == noisy.width &&
                    reference->channels == noisy.channels,
                "--reference", "image has a different size or channel count than the input");
    }
    const SampleDepth depth = std::min(loaded.depth, output_depth_limit);
    nlohmann::json summary = {{"input", job.input}, {"output", job.output.string()}, {"method", o.method},
                              {"strength", o.strength},
                              {"depth", {{"input", to_string(loaded.depth)}, {"output", to_string(depth)}}}};
    double load_seconds = 0;
    Image denoised;
    try {
        const bool estimated = !o.noise_sigma.has_value();
        const double sigma_hat = estimated ? estimate_noise_sigma(noisy) : *o.noise_sigma / 255.0;
        load_seconds = seconds_since(t0);
        summary["noise_sigma"] = sigma_hat * 255.0;
        summary["noise_sigma_estimated"] = estimated;
        summary["noise_estimator"] = "patch PCA (Chen, Zhu & Heng 2015)";
        denoised = o.method == "graph"
                       ? run_graph(noisy, sigma_hat * o.strength, estimated, job, o, flags, progress, summary)
                       : run_collaborative(noisy, sigma_hat, o, summary);
    } catch (const InvalidArgument& e) {  // the estimator's and filters' messages name the image's size, not its file
        const std::string message = e.what();
        if (message.find(job.input) != std::string::npos) throw;
        throw InvalidArgument(job.input + ": " + message);
    }
    save_image(denoised, job.output, depth);
    summary["timings"]["load"] = load_seconds;
    summary["timings"]["total"] = seconds_since(t0);
    if (reference) {
        summary["quality"] = {{"psnr_noisy", psnr(noisy, *reference)}, {"psnr_denoised", psnr(denoised, *reference)},
                              {"ssim_noisy", ssim(noisy, *reference)}, {"ssim_denoised", ssim(denoised, *reference)}};
    }
    return summary;
}

void print_summary_text(const nlohmann::json& s) {
    char detail[128];
    if (s["method"] == "graph") {
        std::snprintf(detail, sizeof detail, "sigma %.4f tau %.4f, %zu patches", s["params"]["sigma"].get<double>(),
                      s["params"]["tau"].get<double>(), s["patches"].get<std::size_t>());
    } else {
        std::snprintf(detail, sizeof detail, "%zu groups", s["groups"].get<std::size_t>());
    }
    std::printf("%s -> %s: %s strength %g, noise sigma %.1f (%s), %s, %s, %.3f s\n",
                s["input"].get<std::string>().c_str(), s["output"].get<std::string>().c_str(),
                s["method"].get<std::string>().c_str(), s["strength"].get<double>(), s["noise_sigma"].get<double>(),
                s["noise_sigma_estimated"].get<bool>() ? "estimated" : "given", detail,
                s["depth"]["output"].get<std::string>().c_str(), s["timings"]["total"].get<double>());
    if (s.contains("self_tune")) {
        const auto& t = s["self_tune"];
        if (t["tuned"].get<bool>()) {
            std::printf("self-tuned: strength %.3f by SURE (%zu evaluations, %.3f s)\n", t["strength"].get<double>(),
                        t["evaluations"].size(), t["seconds"].get<double>());
        } else {
            std::printf("not tuned: %s\n", t["skipped_because"].get<std::string>().c_str());
        }
    }
    if (s["method"] == "graph" && s.value("adapt", false)) {
        const auto& w = s["attention"];
        std::printf("attention: texture %.3f structure %.3f color %.3f spatial %.3f; best iteration %d of %zu\n",
                    w["texture"].get<double>(), w["structure"].get<double>(), w["color"].get<double>(),
                    w["spatial"].get<double>(), s["best_iteration"].get<int>(), s["iterations"].size());
    }
    if (s.contains("quality")) {
        const auto& q = s["quality"];
        std::printf("PSNR %.2f -> %.2f dB, SSIM %.4f -> %.4f\n", q["psnr_noisy"].get<double>(),
                    q["psnr_denoised"].get<double>(), q["ssim_noisy"].get<double>(), q["ssim_denoised"].get<double>());
    }
}

}  // namespace lidecm::cli
