// `lidecm denoise`: flags, checks of the whole call, and the loop over its files.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_support.hpp"
#include "commands.hpp"
#include "denoise_job.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"

namespace lidecm::cli {
namespace {

// Graph flags with the collaborative filter would be ignored without a word.
void check_method_flags(const DenoiseOptions& o, const GraphFlags& f) {
    if (o.method == "graph") {
        // Only sigma depends on the noise level: a bad flag combination (--stride
        // larger than --patch-size) is refused before any file is read.
        chosen_params(o, f, 0.1);
        require(f.global->count() == 0, f.global->get_name(), "only --method collaborative has this flag");
        return;
    }
    for (const CLI::Option* flag : {f.sigma, f.tau, f.radius, f.sigma_s, f.sigma_f, f.steps, f.patch, f.stride,
                                    f.iterations, f.perceptual}) {
        require(flag->count() == 0, flag->get_name(),
                "only --method graph has this flag (the method is " + o.method + ")");
    }
    require(o.report_file.empty(), "--report", "only --method graph --adapt writes a report (the method is " + o.method + ")");
}

void write_summary(const DenoiseOptions& o, const nlohmann::json& summary) {
    const std::string text = summary.dump(2) + "\n";
    if (!o.summary_file.empty()) write_file_atomically(o.summary_file, text);
    if (o.json) std::cout << text;
}

// Several files: one bad file is reported and skipped, and the exit status says so at the end.
void run_folder(const DenoisePlan& plan, const DenoiseOptions& o, const GraphFlags& flags) {
    make_output_folder(o.output);
    ProgressBar bar("denoise");
    nlohmann::json summaries = nlohmann::json::array();
    std::size_t failed = 0;
    const int total = int(plan.jobs.size());
    bar.update(0, total);
    for (int i = 0; i < total; ++i) {
        const DenoiseJob& job = plan.jobs[std::size_t(i)];
        try {
            nlohmann::json s = denoise_file(job, o, flags, false);
            bar.clear();
            if (!o.json) print_summary_text(s);
            summaries.push_back(std::move(s));
        } catch (const Error& e) {
            ++failed;
            const std::string message = e.what();
            bar.clear();
            std::fprintf(stderr, "lidecm: error: %s\n", message.c_str());
            summaries.push_back({{"input", job.input}, {"output", job.output.string()}, {"error", message}});
        }
        bar.update(i + 1, total);
    }
    bar.finish();
    write_summary(o, summaries);
    if (failed > 0) {
        std::fprintf(stderr, "lidecm: error: %zu of %d files failed\n", failed, total);
        throw ExitStatus{1};
    }
    if (!o.json) std::printf("%d file%s denoised -> %s\n", total, total == 1 ? "" : "s", o.output.c_str());
}

void run(DenoiseOptions o, const GraphFlags& flags) {
    require(!(o.adapt && o.no_adapt), "--no-adapt", "contradicts --adapt");
    check_method_flags(o, flags);
    if (!o.model_file.empty()) {
        require(o.method == "collaborative", "--model", "only --method collaborative denoises with a model");
        o.model = std::make_shared<const Model>(load_model(o.model_file));
    }
    const DenoisePlan plan = plan_denoise(o.inputs, o.output);
    if (plan.jobs.size() > 1) {
        require(o.reference.empty(), "--reference", "needs a single input file");
        require(o.report_file.empty(), "--report", "needs a single input file");
    }
    if (plan.to_folder) return run_folder(plan, o, flags);
    const nlohmann::json summary = denoise_file(plan.jobs.front(), o, flags, true);
    write_summary(o, summary);
    if (!o.json) print_summary_text(summary);
}

}  // namespace

void add_denoise_command(CLI::App& app) {
    auto o = std::make_shared<DenoiseOptions>();
    auto flags = std::make_shared<GraphFlags>();
    CLI::App* cmd = app.add_subcommand(
        "denoise",
        "Denoise images: collaborative filtering of patch groups (BM3D's two stages, the default), or\n"
        "the patch-graph diffusion denoiser (--method graph), whose unset flags take quality defaults\n"
        "chosen from the noise level and whose sigma and tau --adapt tunes on the image with the EM learner.\n"
        "The collaborative filter tunes its strength on each image by default: Monte-Carlo SURE, an\n"
        "estimate of the output's error from the noisy image and its noise level alone (--no-adapt: the\n"
        "noise level's table, strength 1).\n"
        "Several inputs or a folder (its image files, by name) go to the folder -o, each as -o/<its name>;\n"
        "a file that fails is reported and skipped, and the exit status is 1 at the end.\n"
        "Outputs keep the input's sample depth (8-bit, 16-bit, 32-bit float TIFF) as far as -o's format holds it.");
    cmd->add_option("inputs", o->inputs, "Noisy images: files, folders, or samples:NAME")->required();
    cmd->add_option("-o,--output", o->output,
                    "Denoised image (format from the extension), or the output folder for several inputs or a folder")
        ->required();
    cmd->add_option("--method", o->method, "collaborative (patch groups) or graph (patch-graph diffusion)")
        ->default_val(o->method)->check(CLI::IsMember({"collaborative", "graph"}));
    cmd->add_option("--strength", o->strength,
                    "Multiplies the noise sigma the filter assumes (graph: the sigma its defaults are chosen for)")
        ->default_val(o->strength)
        ->check(library_range("(0, 10]", [](double v) {
            DenoiseRequest r;
            r.strength = v;
            r.validate();
        }));
    flags->sigma = cmd->add_option("--sigma", o->params.sigma,
                                   "graph: similarity bandwidth on the mean squared patch distance (default: from the noise level)")
                       ->check(finite_range(1e-6, 10.0));
    flags->tau = cmd->add_option("--tau", o->params.tau, "graph: diffusion step size")->check(finite_range(1e-6, 10.0));
    flags->radius = cmd->add_option("--radius", o->params.radius, "graph: neighbour radius between patch centers, px")
                        ->check(finite_range(1e-6, 1000.0));
    flags->sigma_s = cmd->add_option("--sigma-s", o->params.sigma_s, "graph: spatial bandwidth of the graph weights, px")
                         ->check(finite_range(1e-6, 1000.0));
    flags->sigma_f = cmd->add_option("--sigma-f", o->params.sigma_f, "graph: feature bandwidth of the graph weights")
                         ->check(finite_range(1e-6, 10.0));
    flags->steps = cmd->add_option("--smooth-steps", o->params.smooth_steps, "graph: diffusion steps (0 = none)")
                       ->check(CLI::Range(0, 100));
    flags->patch = cmd->add_option("--patch-size", o->params.patch_size, "graph: patch side, px")->check(CLI::Range(1, 64));
    flags->stride = cmd->add_option("--stride", o->params.stride, "graph: distance between patch corners, px (<= patch size)")
                        ->check(CLI::Range(1, 64));
    cmd->add_option_function<double>(
           "--noise-sigma", [o](double v) { o->noise_sigma = v; },
           "Noise standard deviation on the 0-255 scale (default: estimated from each image)")
        ->check(finite_range(0.0, 255.0));
    flags->global = cmd->add_option_function<int>(
                            "--global-candidates", [o](int v) { o->global_candidates = v; },
                            "collaborative: also gather each patch group from the whole image, this many nearest "
                            "patches from a KD-tree of patch features (0 = the search window only, the default; "
                            "pays on images that repeat themselves far apart, as text pages do)")
                       ->check(CLI::Range(0, kMaxGlobalCandidates));
    cmd->add_option("--model", o->model_file,
                    "A model from `lidecm train` (with its patch prior): denoise as its training measured best "
                    "for its images (whole-image patch groups when they paid there); --global-candidates overrides");
    cmd->add_flag("--adapt", o->adapt,
                  "Tune on each image: collaborative (the default there) its strength by SURE; graph sigma and tau "
                  "with the EM learner");
    cmd->add_flag("--no-adapt", o->no_adapt, "collaborative: no tuning, the strength --strength as it is");
    flags->iterations = cmd->add_option("--iterations", o->iterations, "graph: rounds of --adapt")
                            ->default_val(o->iterations)->check(CLI::Range(1, 1000));
    flags->perceptual = cmd->add_flag("--perceptual", o->perceptual, "graph: with --adapt, add 1 - SSIM(denoised, noisy) to the loss");
    cmd->add_option("--reference", o->reference, "Clean image: report PSNR/SSIM of the input and the result (one input only)");
    cmd->add_option("--max-pixels", o->max_pixels, "Refuse larger images (checked from the header)")
        ->default_val(o->max_pixels)->check(CLI::Range(std::int64_t(1), std::int64_t(1) << 40));
    cmd->add_flag("--json", o->json,
                  "Print a JSON summary (method, strength, noise, depth, parameters, timings) on stdout; "
                  "an array of them when -o is a folder");
    cmd->add_option("--summary", o->summary_file, "Also write the JSON summary to this file");
    cmd->add_option("--report", o->report_file, "With --adapt: write an HTML report of the rounds (one input only)")
        ->needs("--adapt");
    cmd->callback([o, flags] { run(*o, *flags); });
}

}  // namespace lidecm::cli
