#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "commands.hpp"
#include "lidecm/adapt_report.hpp"
#include "lidecm/adaptive_denoise.hpp"
#include "lidecm/error.hpp"
#include "lidecm/file_io.hpp"
#include "lidecm/image.hpp"
#include "lidecm/json.hpp"
#include "lidecm/noise.hpp"
#include "lidecm/samples.hpp"

namespace lidecm::cli {
namespace {

struct DenoiseOptions {
    std::string input, output, reference, summary_file, report_file;
    GraphParams params;                 // only the flags the user set are applied
    std::optional<double> noise_sigma;  // 0-255 scale
    bool adapt = false, perceptual = false, json = false;
    int iterations = AdaptOptions{}.iterations;
    std::int64_t max_pixels = LoadOptions{}.max_pixels;
};

struct FlagSet {
    CLI::Option *sigma, *tau, *radius, *sigma_s, *sigma_f, *steps, *patch, *stride;
};

GraphParams chosen_params(const DenoiseOptions& o, const FlagSet& f, double noise_sigma) {
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

void run(const DenoiseOptions& o, const FlagSet& flags) {
    const auto t0 = std::chrono::steady_clock::now();
    const Image noisy = load_image(resolve_image_argument(o.input), LoadOptions{o.max_pixels});
    std::optional<Image> reference;
    if (!o.reference.empty()) {
        reference = load_image(resolve_image_argument(o.reference), LoadOptions{o.max_pixels});
        require(reference->height == noisy.height && reference->width == noisy.width &&
                    reference->channels == noisy.channels,
                "--reference", "image has a different size or channel count than the input");
    }
    const bool estimated = !o.noise_sigma.has_value();
    const double sigma_hat = estimated ? estimate_noise_sigma(noisy) : *o.noise_sigma / 255.0;
    const GraphParams params = chosen_params(o, flags, sigma_hat);
    require(params.patch_size <= noisy.height && params.patch_size <= noisy.width, "--patch-size",
            std::to_string(params.patch_size) + " is larger than the " + std::to_string(noisy.width) + "x" +
                std::to_string(noisy.height) + " image " + o.input);
    const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    nlohmann::json summary = {{"input", o.input}, {"output", o.output},
                              {"noise_sigma", sigma_hat * 255.0}, {"noise_sigma_estimated", estimated},
                              {"noise_estimator", "patch PCA (Chen, Zhu & Heng 2015)"},
                              {"initial_params", params}, {"adapt", o.adapt}};
    DenoiseResult result;
    if (o.adapt) {
        AdaptOptions a = AdaptOptions::for_noise(sigma_hat, o.iterations);
        a.noise_sigma_estimated = estimated;
        a.perceptual = o.perceptual;
        a.start_from(params);  // for_noise's start with the flags the user set
        ProgressBar bar("denoise --adapt");
        AdaptResult r = adaptive_denoise(noisy, a, [&bar](int done, int total) { bar.update(done, total); });
        bar.finish();
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
            const std::string html = adapt_report_html(r, "lidecm denoise --adapt — " + o.input);
            write_file_atomically(o.report_file, std::vector<unsigned char>(html.begin(), html.end()));
        }
    } else {
        result = denoise(noisy, params);
        summary["params"] = params;
    }
    save_image(result.image, o.output);
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    summary["smoothness"] = result.smoothness;
    summary["patches"] = result.patches;
    summary["edges"] = result.edges;
    summary["timings"] = {{"load", load_seconds}, {"extract", result.timings.extract},
                          {"graph", result.timings.graph}, {"diffusion", result.timings.diffusion},
                          {"aggregate", result.timings.aggregate}, {"reassemble", result.timings.reassemble},
                          {"total", total}};
    if (reference) {
        summary["quality"] = {{"psnr_noisy", psnr(noisy, *reference)}, {"psnr_denoised", psnr(result.image, *reference)},
                              {"ssim_noisy", ssim(noisy, *reference)}, {"ssim_denoised", ssim(result.image, *reference)}};
    }
    const std::string summary_text = summary.dump(2) + "\n";
    if (!o.summary_file.empty()) {
        write_file_atomically(o.summary_file, std::vector<unsigned char>(summary_text.begin(), summary_text.end()));
    }
    if (o.json) {
        std::cout << summary_text;
        return;
    }
    std::printf("%s -> %s: noise sigma %.1f (%s), sigma %.4f tau %.4f, %zu patches, %.3f s\n", o.input.c_str(),
                o.output.c_str(), sigma_hat * 255.0, estimated ? "estimated" : "given",
                summary["params"]["sigma"].get<double>(), summary["params"]["tau"].get<double>(), result.patches, total);
    if (o.adapt) {
        const auto& w = summary["attention"];
        std::printf("attention: texture %.3f structure %.3f color %.3f spatial %.3f; best iteration %d of %d\n",
                    w["texture"].get<double>(), w["structure"].get<double>(), w["color"].get<double>(),
                    w["spatial"].get<double>(), summary["best_iteration"].get<int>(), o.iterations);
    }
    if (reference) {
        const auto& q = summary["quality"];
        std::printf("PSNR %.2f -> %.2f dB, SSIM %.4f -> %.4f\n", q["psnr_noisy"].get<double>(),
                    q["psnr_denoised"].get<double>(), q["ssim_noisy"].get<double>(), q["ssim_denoised"].get<double>());
    }
}

}  // namespace

void add_denoise_command(CLI::App& app) {
    auto o = std::make_shared<DenoiseOptions>();
    auto flags = std::make_shared<FlagSet>();
    CLI::App* cmd = app.add_subcommand(
        "denoise",
        "Denoise an image with the patch-graph diffusion denoiser.\n"
        "Unset graph flags take quality defaults chosen from the noise level (see README).\n"
        "--adapt tunes sigma and tau on the image itself with the multi-head attention EM learner.");
    cmd->add_option("input", o->input, "Noisy image, or samples:NAME")->required();
    cmd->add_option("-o,--output", o->output, "Denoised image (format from the extension)")->required();
    flags->sigma = cmd->add_option("--sigma", o->params.sigma,
                                   "Similarity bandwidth on the mean squared patch distance (default: from the noise level)")
                       ->check(finite_range(1e-6, 10.0));
    flags->tau = cmd->add_option("--tau", o->params.tau, "Diffusion step size")->check(finite_range(1e-6, 10.0));
    flags->radius = cmd->add_option("--radius", o->params.radius, "Neighbour radius between patch centers, px")
                        ->check(finite_range(1e-6, 1000.0));
    flags->sigma_s = cmd->add_option("--sigma-s", o->params.sigma_s, "Spatial bandwidth of the graph weights, px")
                         ->check(finite_range(1e-6, 1000.0));
    flags->sigma_f = cmd->add_option("--sigma-f", o->params.sigma_f, "Feature bandwidth of the graph weights")
                         ->check(finite_range(1e-6, 10.0));
    flags->steps = cmd->add_option("--smooth-steps", o->params.smooth_steps, "Diffusion steps (0 = none)")
                       ->check(CLI::Range(0, 100));
    flags->patch = cmd->add_option("--patch-size", o->params.patch_size, "Patch side, px")->check(CLI::Range(1, 64));
    flags->stride = cmd->add_option("--stride", o->params.stride, "Distance between patch corners, px (<= patch size)")
                        ->check(CLI::Range(1, 64));
    cmd->add_option_function<double>(
           "--noise-sigma", [o](double v) { o->noise_sigma = v; },
           "Noise standard deviation on the 0-255 scale (default: estimated from the image)")
        ->check(finite_range(0.0, 255.0));
    cmd->add_flag("--adapt", o->adapt, "Tune sigma and tau on this image with the EM learner");
    cmd->add_option("--iterations", o->iterations, "Rounds of --adapt")->default_val(o->iterations)->check(CLI::Range(1, 1000));
    cmd->add_flag("--perceptual", o->perceptual, "With --adapt, add 1 - SSIM(denoised, noisy) to the loss");
    cmd->add_option("--reference", o->reference, "Clean image: report PSNR/SSIM of the input and the result");
    cmd->add_option("--max-pixels", o->max_pixels, "Refuse larger images (checked from the header)")
        ->default_val(o->max_pixels)->check(CLI::Range(std::int64_t(1), std::int64_t(1) << 40));
    cmd->add_flag("--json", o->json, "Print a JSON summary (parameters, attention, noise, timings) on stdout");
    cmd->add_option("--summary", o->summary_file, "Also write the JSON summary to this file");
    cmd->add_option("--report", o->report_file, "With --adapt: write an HTML report of the rounds (parameters, attention, loss)")
        ->needs("--adapt");
    cmd->callback([o, flags] { run(*o, *flags); });
}

}  // namespace lidecm::cli
