#pragma once
// The parts of `lidecm denoise`: its options, the files one call works on
// (denoise_plan.cpp) and what is done to one file (denoise_file.cpp).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/learner/denoise_image.hpp"
#include "lidecm/train/model.hpp"

namespace lidecm::cli {

struct DenoiseOptions {
    std::vector<std::string> inputs;
    std::string output, reference, summary_file, report_file;
    std::string method = "collaborative";  // or "graph"
    double strength = DenoiseRequest{}.strength;  // multiplies the noise sigma the filter assumes
    GraphParams params;                     // only the flags the user set are applied
    std::optional<double> noise_sigma;      // 0-255 scale
    bool adapt = false, no_adapt = false, perceptual = false, json = false;
    int iterations = DenoiseRequest{}.iterations;
    std::optional<int> global_candidates;  // unset: 0, or the model's with --model
    std::string model_file;                 // --model
    std::shared_ptr<const Model> model;     // read from model_file before any image
    std::int64_t max_pixels = LoadOptions{}.max_pixels;
};

/// The flags that only --method graph reads; params takes those the user set.
struct GraphFlags {
    CLI::Option *sigma, *tau, *radius, *sigma_s, *sigma_f, *steps, *patch, *stride;
    CLI::Option *iterations, *perceptual;
    CLI::Option* global;  ///< the one flag only the collaborative filter reads
};

/// recommended_params(noise_sigma) with the graph flags the user set; InvalidArgument naming the flag.
GraphParams chosen_params(const DenoiseOptions& o, const GraphFlags& f, double noise_sigma);

/// One input file and where its result goes.
struct DenoiseJob {
    std::string input;             ///< as the user named it (a folder's files as FOLDER/NAME)
    std::filesystem::path source;  ///< the file to read (samples:NAME resolved)
    std::filesystem::path output;
};

/// The files of one call. With one input file and an -o that is not a folder,
/// one job writing -o. Otherwise (several inputs, a folder among them, -o ending
/// in '/' or naming a folder) -o is a folder, made if missing, and each input is
/// written to -o/<its file name>. Throws InvalidArgument (exit 2) for an -o that
/// cannot be that folder, two inputs of one file name, or an output that would
/// replace its input; IoError for a folder holding no image file.
struct DenoisePlan {
    std::vector<DenoiseJob> jobs;
    bool to_folder = false;
};
DenoisePlan plan_denoise(const std::vector<std::string>& inputs, const std::string& output);
/// Makes the output folder of a plan that has one.
void make_output_folder(const std::string& output);

/// Denoises one file (denoise_image, the flags as its request) and writes the result with the input's sample depth (or the
/// nearest -o's format holds). Returns the JSON summary; prints nothing but the
/// --adapt progress bar when `progress`. Throws lidecm::Error.
nlohmann::json denoise_file(const DenoiseJob& job, const DenoiseOptions& o, const GraphFlags& flags, bool progress);

/// The text form of a summary: one line, and one more each for --adapt and --reference.
void print_summary_text(const nlohmann::json& summary);

}  // namespace lidecm::cli
