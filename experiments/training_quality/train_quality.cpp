// Training harness: throughput of the training loop and quality of the model on
// photos it never saw.
//
// The built-in sample images are split by whole image: every --holdout-every-th
// (sorted by name) is held out, the others are copied to a scratch folder, and
// `lidecm::train` runs on that folder (one class, K codewords, the refinement and
// the learner on every image), cutting each photo into R×R tiles (--data tiles,
// the dataset's `tiles` option) or resizing each to R×R (--data resize).
// Then every held-out photo, resized to 256 on its shorter side and center-
// cropped to 256×256, is tokenized and decoded (token PSNR) and refined as
// `detokenize --refine` refines it: the run's refiner (--refiner, default
// collaborative) driven by the learned parameters at the model's quantisation
// level (refined PSNR). With the collaborative refiner the table also shows the
// rung each photo got.
//
// Output: Markdown tables on stdout: per-epoch throughput and time shares, then
// per held-out image PSNR of the token and refined reconstructions.
//
//   train_quality [--data tiles|resize] [--resolution 64] [--codes 512] [--epochs 3] [--batch-size 32]
//                 [--holdout-every 4] [--refiner collaborative|graph]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/data/samples.hpp"
#include "lidecm/codebook/token_refine.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/train/trainer.hpp"
#include "photo_tiles.hpp"  // split_photos

namespace fs = std::filesystem;
using namespace lidecm;

int main(int argc, char** argv) {
    CLI::App app{"Training throughput and held-out quality of lidecm::train on the sample photos"};
    TrainConfig config;
    int holdout_every = 4;
    std::string data_mode = "tiles", refiner = "collaborative";
    std::string scratch = (fs::temp_directory_path() / "lidecm_train_quality").string();
    config.epochs = 3;
    app.add_option("--data", data_mode, "Cut the photos into R x R tiles, or resize each to R x R")
        ->check(CLI::IsMember({"tiles", "resize"}))->default_val("tiles");
    app.add_option("--resolution", config.dataset.resolution, "Tile side R")->default_val(config.dataset.resolution);
    app.add_option("--codes", config.codebook.num_codes, "Codewords K")->default_val(config.codebook.num_codes);
    app.add_option("--epochs", config.epochs, "Epochs")->default_val(config.epochs);
    app.add_option("--batch-size", config.batch_size, "Images per batch")->default_val(config.batch_size);
    app.add_option("--holdout-every", holdout_every, "Hold out every N-th sample photo")->default_val(4);
    app.add_option("--scratch", scratch, "Scratch folder for the tiles and the run");
    app.add_option("--refiner", refiner, "Refinement of token reconstructions")
        ->check(CLI::IsMember({"collaborative", "graph"}))->default_val(refiner);
    CLI11_PARSE(app, argc, argv);
    try {
        const bench::PhotoSplit split = bench::split_photos(holdout_every);
        fs::remove_all(scratch);
        const fs::path photos = fs::path(scratch) / "photos";
        fs::create_directories(photos);
        for (const auto& file : split.train) fs::copy_file(file, photos / file.filename());
        config.data = photos.string();
        config.dataset.tiles = data_mode == "tiles";
        select_refiner(config, refiner == "graph" ? Refiner::graph : Refiner::collaborative);
        std::fprintf(stderr, "%zu photos (%s), %zu held out\n", split.train.size(), data_mode.c_str(),
                     split.held_out.size());
        struct EpochTimes {
            double steps = 0, learner = 0, e = 0, m = 0, decode = 0, refine = 0, wait = 0;
            std::uint64_t images = 0;
        };
        std::vector<EpochTimes> times(std::size_t(config.epochs));
        TrainEvents events;
        events.on_batch = [&](const BatchMetrics& m, std::uint64_t) {
            EpochTimes& t = times[std::size_t(m.epoch)];
            t.steps += m.timings.total;
            t.learner += m.timings.learner;
            t.e += m.timings.e_step;
            t.m += m.timings.m_step;
            t.decode += m.timings.decode;
            t.refine += m.timings.refine;
            t.wait += m.timings.data_wait;
            t.images += m.images;
        };
        std::vector<EpochMetrics> epochs;
        events.on_epoch = [&](const EpochMetrics& e) { epochs.push_back(e); };
        const TrainResult r = train(config, fs::path(scratch) / "run", events, true);

        std::printf("| epoch | images/s (steps) | E-step | M-step | decode | refine | learner | data wait | val PSNR token | val PSNR refined |\n");
        std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
        for (std::size_t i = 0; i < epochs.size(); ++i) {
            const EpochTimes& t = times[i];
            auto share = [&](double v) { return 100.0 * v / t.steps; };
            std::printf("| %zu | %.0f | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.2f %% | %.1f ms | %.2f | %.2f |\n", i + 1,
                        double(t.images) / t.steps, share(t.e), share(t.m), share(t.decode), share(t.refine),
                        share(t.learner), 1000 * t.wait, epochs[i].val_psnr_token, epochs[i].val_psnr_refined);
        }
        std::printf("\nWhole run: %.1f s, %.0f training images/s (including validation and checkpoints)\n\n", r.seconds,
                    r.images_per_second);
        const GraphParams learned = r.model.make_learner().get_parameters();
        const RefineOptions refine = learner_mapped(r.model.config.refine, learned, r.model.config.learner.initial);
        const double level = refine_level(r.model);
        std::printf("| held-out photo (256²) | token PSNR | refined PSNR (learned) | gain | rung × level |\n"
                    "|---|---|---|---|---|\n");
        double sum_token = 0, sum_refined = 0, worst = 1e9;
        for (const auto& file : split.held_out) {
            const Image img = center_crop(resize_shorter_side(to_rgb(load_image(file)), 256), 256, 256);
            const Image token = decode(*r.model.codebook, encode(*r.model.codebook, img, config.patch_size));
            const RefineResult refined = refine_tokens(token, *r.model.codebook, config.patch_size, refine, level, learned);
            const double pt = psnr(token, img), pr = psnr(refined.image, img);
            sum_token += pt;
            sum_refined += pr;
            worst = std::min(worst, pr - pt);
            if (refine.refiner == Refiner::graph) {
                std::printf("| %s | %.2f | %.2f | %+.2f | (graph) |\n", file.stem().c_str(), pt, pr, pr - pt);
            } else {
                std::printf("| %s | %.2f | %.2f | %+.2f | %.2f × %.4f |\n", file.stem().c_str(), pt, pr, pr - pt,
                            refined.strength_used, level);
            }
        }
        const double n = double(split.held_out.size());
        std::printf("| **mean** | **%.2f** | **%.2f** | **%+.2f** (worst %+.2f) | |\n", sum_token / n, sum_refined / n,
                    (sum_refined - sum_token) / n, worst);
        std::printf("\nRefiner %s. Learned: sigma %.4f, tau %.4f, radius %.1f, sigma_s %.1f, steps %d\n", refiner.c_str(),
                    learned.sigma, learned.tau, learned.radius, learned.sigma_s, learned.smooth_steps);
        if (refine.refiner == Refiner::collaborative) {
            std::printf("Collaborative: quantisation level %.4f, top strength %.2f, lambda_hard %.2f\n", level,
                        refine.strength, refine.filter.lambda_hard);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "train_quality: %s\n", e.what());
        return 1;
    }
    return 0;
}
