// One file through `lidecm denoise`: load it with its sample depth, denoise it with
// denoise_image (the flags as its request), save it with the input's depth, and
// describe it all in JSON.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "cli_support.hpp"
#include "denoise_job.hpp"
#include "lidecm/train/model_denoising.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/data/samples.hpp"
#include "lidecm/learner/denoise_image.hpp"
#include "lidecm/report/adapt_report.hpp"
#include "lidecm/train/json.hpp"

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

// The flags as the library's request; `noisy` and `input` name the image in the graph's refusals.
DenoiseRequest request_for(const DenoiseOptions& o, const GraphFlags& flags, const Image& noisy,
                           const std::string& input) {
    DenoiseRequest request;
    request.strength = o.strength;
    if (o.noise_sigma) request.noise_sigma = *o.noise_sigma / 255.0;
    if (o.method != "graph") {
        request.adapt = !o.no_adapt;
        request.global_candidates = o.global_candidates.value_or(0);
        return request;
    }
    request.method = DenoiseMethod::Graph;
    request.adapt = o.adapt;
    request.iterations = o.iterations;
    request.perceptual = o.perceptual;
    request.graph_params = [&o, &flags, &noisy, input](double sigma) {
        const GraphParams params = chosen_params(o, flags, sigma);
        require(params.patch_size <= noisy.height && params.patch_size <= noisy.width, "--patch-size",
                std::to_string(params.patch_size) + " is larger than the " + std::to_string(noisy.width) + "x" +
                    std::to_string(noisy.height) + " image " + input);
        return params;
    };
    return request;
}

nlohmann::json adapt_summary(const AdaptResult& r) {
    nlohmann::json its = nlohmann::json::array();
    for (const AdaptIteration& it : r.iterations) {
        its.push_back({{"params", it.params}, {"recon", it.recon}, {"percep", it.percep},
                       {"smoothness", it.smoothness}, {"loss", it.loss},
                       {"attention", it.attention}, {"seconds", it.seconds}});
    }
    return {{"best_iteration", r.best_iteration}, {"iterations", its}, {"features", r.features},
            {"attention", r.iterations.back().attention},
            {"status", {{"sigma", r.status.sigma}, {"tau", r.status.tau}, {"radius", r.status.radius},
                        {"recent_loss", r.status.recent_loss}}}};
}

void summarise_graph(const DenoisedImage& d, nlohmann::json& summary) {
    summary["initial_params"] = d.initial_params;
    summary["adapt"] = d.adaptation.has_value();
    if (d.adaptation) summary.update(adapt_summary(*d.adaptation));
    summary["params"] = d.params;
    summary["smoothness"] = d.graph.smoothness;
    summary["patches"] = d.graph.patches;
    summary["edges"] = d.graph.edges;
    const DenoiseTimings& t = d.graph.timings;
    summary["timings"] = {{"extract", t.extract}, {"graph", t.graph}, {"diffusion", t.diffusion},
                          {"aggregate", t.aggregate}, {"reassemble", t.reassemble}};
}

// The summary says what self-tuning evaluated, or why it did not tune.
void summarise_collaborative(const DenoisedImage& d, nlohmann::json& summary) {
    summary["adapt"] = d.self_tune.has_value();
    summary["global_candidates"] = d.global_candidates;
    if (d.self_tune) {
        const SelfTuneResult& t = *d.self_tune;
        nlohmann::json evaluations = nlohmann::json::array();
        const auto as_json = [](const SureEvaluation& e) {
            return nlohmann::json{{"strength", e.strength}, {"sure_mse", e.sure.risk}, {"divergence", e.sure.divergence}};
        };
        for (const SureEvaluation& e : t.evaluations) evaluations.push_back(as_json(e));
        summary["self_tune"] = {{"tuned", t.tuned}, {"strength", t.strength}, {"evaluations", evaluations},
                                {"eval_pixels", t.eval_pixels}, {"seconds", t.tune_seconds}};
        if (!t.tuned) summary["self_tune"]["skipped_because"] = t.skipped_because;
        if (t.global_check) summary["self_tune"]["global_check"] = as_json(*t.global_check);
    }
    summary["groups"] = d.collaborative.groups;
    const CollaborativeTimings& t = d.collaborative.timings;
    summary["timings"] = {{"hard", t.hard}, {"wiener", t.wiener}, {"colour", t.colour}};
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
    const double load_seconds = seconds_since(t0);
    DenoiseRequest request = request_for(o, flags, noisy, job.input);
    if (o.model) summary["model"] = o.model_file;
    std::optional<ProgressBar> bar;
    if (progress && request.method == DenoiseMethod::Graph && request.adapt) {
        bar.emplace("denoise --adapt");
        request.progress = [&bar](int done, int total) { bar->update(done, total); };
    }
    DenoisedImage d;
    try {
        if (o.model) {
            ModelDenoised m = denoise_with_model(noisy, *o.model, o.model_file, job.input, request,
                                                 o.global_candidates.has_value());
            summary["prior"] = {{"blend", m.prior.blend}, {"candidates", m.prior.candidates},
                                {"sure_mse", m.prior.sure_mse}, {"seconds", m.prior.seconds}};
            if (!m.prior.skipped_because.empty()) summary["prior"]["skipped_because"] = m.prior.skipped_because;
            if (!m.prior.class_weights.empty()) {  // the attention's weight of each class prior, by class name
                nlohmann::json weights = nlohmann::json::object();
                for (std::size_t c = 0; c < m.prior.class_weights.size(); ++c) {
                    weights[o.model->class_names[c]] = m.prior.class_weights[c];
                }
                summary["prior"]["class_weights"] = weights;
            }
            d = std::move(m.denoised);
        } else {
            d = denoise_image(noisy, request);
        }
    } catch (const InvalidArgument& e) {  // the estimator's and filters' messages name the image's size, not its file
        const std::string message = e.what();
        if (message.find(job.input) != std::string::npos) throw;
        throw InvalidArgument(job.input + ": " + message);
    }
    if (bar) bar->finish();
    summary["noise_sigma"] = d.noise_sigma * 255.0;
    summary["noise_sigma_estimated"] = d.noise_sigma_estimated;
    summary["noise_estimator"] = "patch PCA (Chen, Zhu & Heng 2015)";
    summary["noise_sigma_assumed"] = d.sigma_assumed * 255.0;
    if (request.method == DenoiseMethod::Graph) {
        summarise_graph(d, summary);
    } else {
        summarise_collaborative(d, summary);
    }
    if (d.adaptation && !o.report_file.empty()) {
        const std::string html = adapt_report_html(*d.adaptation, "lidecm denoise --adapt — " + job.input);
        write_file_atomically(o.report_file, std::vector<unsigned char>(html.begin(), html.end()));
    }
    save_image(d.image, job.output, depth);
    summary["timings"]["load"] = load_seconds;
    summary["timings"]["total"] = seconds_since(t0);
    if (reference) {
        summary["quality"] = {{"psnr_noisy", psnr(noisy, *reference)}, {"psnr_denoised", psnr(d.image, *reference)},
                              {"ssim_noisy", ssim(noisy, *reference)}, {"ssim_denoised", ssim(d.image, *reference)}};
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
    if (s.contains("prior")) {
        if (s["prior"].contains("class_weights")) {
            std::printf("class priors by attention:");
            for (const auto& [name, w] : s["prior"]["class_weights"].items()) std::printf(" %s %.2f", name.c_str(), w.get<double>());
            std::printf("\n");
        }
        const double blend = s["prior"]["blend"].get<double>();
        if (s["prior"].contains("skipped_because")) {
            std::printf("model prior: not used, %s\n", s["prior"]["skipped_because"].get<std::string>().c_str());
        } else if (blend > 0) {
            std::printf("model prior: weight %.2f by SURE (%.3f s)\n", blend, s["prior"]["seconds"].get<double>());
        } else {
            std::printf("model prior: not used, SURE preferred the filter alone (%.3f s)\n", s["prior"]["seconds"].get<double>());
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
