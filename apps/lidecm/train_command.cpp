// `lidecm train`: trains a codebook and the learner, or resumes a run.
#include <csignal>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "commands.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/report/report.hpp"
#include "lidecm/train/trainer.hpp"
#include "process_group.hpp"

namespace lidecm::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void request_stop(int) { g_stop = 1; }

// SIGINT/SIGTERM ask the run to stop after the current batch; SA_RESETHAND
// makes a second Ctrl-C kill the process at once.
void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}



// The flags' defaults are the library's: TrainConfig{} and what it embeds.
struct TrainFlags {
    TrainConfig config;
    std::string out, resume;
    double input_noise = TrainConfig{}.input_noise * 255.0;  // 0-255 scale
    double input_noise_max = 0;                                // 0-255 scale, 0 = off
    bool no_augment = false, overwrite = false, quiet = false, no_report = false;
    std::string learner = learner_variant(TrainConfig{});
    std::string refiner = nlohmann::json(TrainConfig{}.refine.refiner).get<std::string>();
    long long refine_per_batch = -1;  // -1: the refiner's own (select_refiner)
    int epochs = 0;
    std::size_t cache_mb = DatasetOptions{}.cache_bytes >> 20;
    bool full_decode = false;
};

// "42s", "12m05s", "3h07m".
std::string duration_text(double seconds) {
    const long long s = std::llround(std::max(0.0, seconds));
    char buf[32];
    if (s < 60) {
        std::snprintf(buf, sizeof buf, "%llds", s);
    } else if (s < 3600) {
        std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, s / 60 % 60);
    }
    return buf;
}

/// One status line: redrawn in place on a terminal, printed once per epoch otherwise.
class TrainDisplay {
public:
    explicit TrainDisplay(bool quiet) : tty_(::isatty(STDERR_FILENO) != 0 && !quiet), quiet_(quiet) {}
    void batch(const BatchMetrics& m, std::uint64_t batches, int epochs) {
        if (!tty_) return;
        std::fprintf(stderr,
                     "\repoch %d/%d  batch %llu/%llu  loss %.4f  psnr %.2f/%.2f dB  %.0f img/s  data wait %.0f%%  "
                     "eta %s   ",
                     m.epoch + 1, epochs, static_cast<unsigned long long>(m.batch + 1),
                     static_cast<unsigned long long>(batches), m.loss, m.psnr_token, m.psnr_refined,
                     m.images_per_second, 100 * m.data_wait_share, duration_text(m.eta_seconds).c_str());
        std::fflush(stderr);
        dirty_ = true;
    }
    void line(const std::string& text) {
        if (quiet_) return;
        end_bar();
        std::fprintf(stderr, "%s\n", text.c_str());
    }
    void end_bar() {
        if (dirty_) std::fprintf(stderr, "\n");
        dirty_ = false;
    }

private:
    bool tty_, quiet_, dirty_ = false;
};

std::string epoch_line(const EpochMetrics& e, int epochs) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "epoch %d/%d: loss %.4f  train psnr %.2f/%.2f dB  val psnr token %.2f refined %.2f dB  "
                  "usage %.0f%%  perplexity %.1f  sigma %.4f  tau %.4f  %.0f img/s  learner %.2f%%  data wait %.0f%%",
                  e.epoch + 1, epochs, e.loss, e.psnr_token, e.psnr_refined, e.val_psnr_token, e.val_psnr_refined,
                  100 * e.usage, e.perplexity, e.sigma, e.tau, e.images_per_second, 100 * e.learner_share,
                  100 * e.data_wait_share);
    return buf;
}

void run_train(const TrainFlags& flags, Communicator* group) {
    install_stop_handlers();
    const bool writer = group == nullptr || group->rank() == 0;  // the other ranks print nothing
    TrainDisplay display(flags.quiet || !writer);
    TrainEvents events;
    int epochs = flags.config.epochs;
    events.on_batch = [&](const BatchMetrics& m, std::uint64_t batches) { display.batch(m, batches, epochs); };
    events.on_epoch = [&](const EpochMetrics& e) { display.line(epoch_line(e, epochs)); };
    events.on_log = [&](const std::string& text) { display.line(text); };
    events.stop_requested = [] { return g_stop != 0; };
    TrainResult r;
    std::filesystem::path dir;
    if (!flags.resume.empty()) {
        dir = flags.resume;
        r = resume_training(dir, events, flags.epochs, group);
        epochs = r.model.config.epochs;
    } else {
        require(!flags.out.empty(), "--out", "a run folder is needed (or --resume RUN_DIR)");
        dir = flags.out;
        TrainConfig config = flags.config;
        config.input_noise = flags.input_noise / 255.0;
        require(flags.input_noise_max == 0 || flags.input_noise_max >= flags.input_noise, "--input-noise-max",
                "must be at least --input-noise (" + std::to_string(flags.input_noise) + ")");
        config.input_noise_max = flags.input_noise_max / 255.0;
        config.dataset.augment = !flags.no_augment;
        config.dataset.cache_bytes = flags.cache_mb << 20;
        config.dataset.reduced_decode = !flags.full_decode;
        select_refiner(config, nlohmann::json(flags.refiner).get<Refiner>());  // checked by --refiner's IsMember
        select_learner(config, flags.learner, "--learner");
        if (flags.refine_per_batch >= 0) config.refine_per_batch = std::size_t(flags.refine_per_batch);
        r = train(config, dir, events, flags.overwrite, group);
    }
    display.end_bar();
    if (!writer) {
        if (r.interrupted) throw ExitStatus{130};
        return;
    }
    if (!flags.no_report) write_run_report(dir, dir / "report.html");  // also after an interrupt
    const GraphParams p = r.model.make_learner().get_parameters();
    const AttentionWeights a = r.model.learner.last_attention;
    std::printf("%s: %d/%d epochs, %.0f images/s, validation PSNR token %.2f dB, refined %.2f dB, sigma %.4f, "
                "tau %.4f, attention texture %.2f structure %.2f colour %.2f spatial %.2f -> %s\n",
                r.interrupted ? "interrupted" : "trained", r.model.progress.epoch, r.model.config.epochs,
                r.images_per_second, r.last_epoch.val_psnr_token, r.last_epoch.val_psnr_refined, p.sigma, p.tau,
                a.texture, a.structure, a.color, a.spatial, (dir / "model.lidecm").c_str());
    if (r.interrupted) {
        std::printf("resume with: lidecm train --resume %s\n", dir.c_str());
        throw ExitStatus{130};  // the shell's code for a run stopped by SIGINT
    }
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto f = std::make_shared<TrainFlags>();
    TrainConfig& c = f->config;
    CLI::App* cmd = app.add_subcommand(
        "train", "Train a patch codebook and the attention EM learner on a dataset (Ctrl-C saves and stops)");
    cmd->add_option("--data", c.data, "Image folder, CIFAR-10/100 binary file or folder, one image, or 'samples'")
        ->default_val(c.data);
    cmd->add_option("--out", f->out, "Run folder to create (model.lidecm, metrics.jsonl, samples.png)");
    cmd->add_option("--resume", f->resume, "Continue the run saved in this folder")->excludes("--out");
    cmd->add_flag("--overwrite", f->overwrite, "Start over in a run folder that already holds a model");
    cmd->add_option("--epochs", c.epochs, "Passes over the training images (with --resume: the new total)")
        ->default_val(c.epochs)->check(CLI::Range(1, 1000000));
    cmd->add_option("--batch-size", c.batch_size, "Images per batch")
        ->default_val(c.batch_size)->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--max-batches", c.max_batches, "Batches per epoch at most (0 = all)")->default_val(c.max_batches);
    cmd->add_option("--codes", c.codebook.num_codes, "Codewords K")
        ->default_val(c.codebook.num_codes)->check(CLI::Range(kMinCodes, kMaxCodes));
    cmd->add_option("--patch-size", c.patch_size, "Tile side of the tokenizer")
        ->default_val(c.patch_size)->check(CLI::Range(1, 64));
    cmd->add_option("--resolution", c.dataset.resolution, "Images are resized and center-cropped to R x R")
        ->default_val(c.dataset.resolution)->check(CLI::Range(4, 4096));
    cmd->add_flag("--tiles", c.dataset.tiles,
                  "Cut each image into R x R tiles at its own resolution instead of resizing it "
                  "(validation tiles come from other images)");
    cmd->add_option("--channels", c.dataset.channels, "3 (colour) or 1 (grey)")
        ->default_val(c.dataset.channels)->check(CLI::IsMember({1, 3}));
    cmd->add_option("--val-fraction", c.dataset.validation_fraction, "Share of images held out for validation")
        ->default_val(c.dataset.validation_fraction)->check(finite_range(0.0, 0.9));
    cmd->add_option("--seed", c.seed, "Seed of every random choice (split, order, augmentation, init)")
        ->default_val(c.seed);
    cmd->add_option("--cache-mb", f->cache_mb,
                    "Decoded images kept in memory between epochs up to this many MB, at their files' own bit "
                    "depth; the others are decoded again once per epoch")
        ->default_val(f->cache_mb)->check(CLI::Range(0, 1 << 20));
    cmd->add_option("--shuffle-buffer", c.dataset.shuffle_buffer,
                    "Items in the shuffle buffer the epoch order draws from, filled image by image "
                    "(0 = shuffle all items at once, which with --tiles holds every tile in memory)")
        ->default_val(c.dataset.shuffle_buffer)->check(CLI::Range(std::size_t(0), std::size_t(1) << 30));
    cmd->add_option("--decode-threads", c.decode_threads, "Threads decoding image files (0 = one per core)")
        ->default_val(c.decode_threads)->check(CLI::Range(0, 256));
    cmd->add_flag("--full-decode", f->full_decode,
                  "Without --tiles, decode every JPEG at full size (by default large ones are decoded at 1/2, "
                  "1/4 or 1/8 size when that leaves at least 2R on the shorter side)");
    cmd->add_flag("--no-augment", f->no_augment, "Train without flips and brightness/contrast jitter");
    cmd->add_option("--input-noise", f->input_noise,
                    "Add Gaussian noise of this sigma (0-255 scale) to the inputs; targets stay clean")
        ->default_val(f->input_noise)->check(finite_range(0.0, 255.0));
    cmd->add_option("--input-noise-max", f->input_noise_max,
                    "With it, each input's sigma is drawn from [--input-noise, --input-noise-max] (0-255 scale)")
        ->check(finite_range(0.0, 255.0));
    cmd->add_option("--init-images", c.init_images, "Training images whose tiles seed the codebook")
        ->default_val(c.init_images)->check(CLI::Range(1, 1 << 24));
    cmd->add_option("--checkpoint-every", c.checkpoint_every, "Also keep epoch_N.lidecm every N epochs (0 = off)")
        ->default_val(c.checkpoint_every)->check(CLI::Range(0, 1000000));
    cmd->add_option("--validation-images", c.validation_images,
                    "Validation images scored per epoch, spread over the split (0 = all)")
        ->default_val(c.validation_images);
    cmd->add_option("--learner", f->learner,
                    "attention (paired risk-driven updates of four heads' parameters, mixed per image by attention), "
                    "plain (the same with one parameter set), seed (the seed's learner, DESIGN 4) or fixed (no learner)")
        ->default_val(f->learner)->check(CLI::IsMember({"attention", "plain", "seed", "fixed"}));
    cmd->add_option("--refiner", f->refiner,
                    "Refinement of token reconstructions: collaborative (patch-group filtering at the codebook's "
                    "quantisation level) or graph (the seed's graph diffusion)")
        ->default_val(f->refiner)->check(CLI::IsMember({"collaborative", "graph"}));
    cmd->add_option("--refine-per-batch", f->refine_per_batch,
                    "Images of each batch refined for the losses and the learner (0 = all; default: 4 for "
                    "collaborative, all for graph)")
        ->check(CLI::Range(0LL, 1LL << 20));
    cmd->add_flag("--no-report", f->no_report, "Do not write RUN_DIR/report.html at the end");
    cmd->add_flag("-q,--quiet", f->quiet, "Print only the final summary");
    cmd->callback([f, cmd] {
        if (!f->resume.empty()) {
            // A resumed run keeps its saved config; only --epochs may change it.
            f->epochs = cmd->count("--epochs") > 0 ? f->config.epochs : 0;
        }
        const std::shared_ptr<Communicator> group = join_process_group();
        if (!group) return run_train(*f, nullptr);
        try {
            run_train(*f, group.get());
        } catch (const ExitStatus&) {
            throw;  // every rank stopped at the same batch (Ctrl-C): MPI finalises normally
        } catch (const std::exception& e) {
            abort_group(*group, e);
        }
    });
}

}  // namespace lidecm::cli
