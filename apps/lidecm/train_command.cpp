// `lidecm train`: trains a codebook and the learner, or resumes a run.
#include <csignal>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include "cli_support.hpp"
#include "commands.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/report/report.hpp"
#include "lidecm/train/trainer.hpp"
#include "process_group.hpp"
#include "train_flags.hpp"

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

// The training options' flags come from the library's table (train_flags.hpp); these
// are the run's own.
struct TrainFlags {
    TrainOptionFlags options;
    std::string out, resume;
    bool overwrite = false, quiet = false, no_report = false;
    int epochs = 0;  // with --resume: the new total, 0 = the saved one
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
    int epochs = static_cast<int>(std::get<long long>(flags.options.value("epochs")));
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
        const double noise = std::get<double>(flags.options.value("input-noise"));
        const double noise_max = std::get<double>(flags.options.value("input-noise-max"));
        require(noise_max == 0 || noise_max >= noise, "--input-noise-max",
                "must be at least --input-noise (" + std::to_string(noise) + ")");
        const TrainConfig config = flags.options.config();
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
    CLI::App* cmd = app.add_subcommand(
        "train", "Train a patch codebook and the attention EM learner on a dataset (Ctrl-C saves and stops)");
    f->options.add(*cmd, "data");
    cmd->add_option("--out", f->out, "Run folder to create (model.lidecm, metrics.jsonl, samples.png)");
    cmd->add_option("--resume", f->resume, "Continue the run saved in this folder")->excludes("--out");
    cmd->add_flag("--overwrite", f->overwrite, "Start over in a run folder that already holds a model");
    f->options.add_rest(*cmd);
    cmd->add_flag("--no-report", f->no_report, "Do not write RUN_DIR/report.html at the end");
    cmd->add_flag("-q,--quiet", f->quiet, "Print only the final summary");
    cmd->callback([f, cmd] {
        if (!f->resume.empty()) {
            // A resumed run keeps its saved config; only --epochs may change it.
            f->epochs = cmd->count("--epochs") > 0 ? static_cast<int>(std::get<long long>(f->options.value("epochs"))) : 0;
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
