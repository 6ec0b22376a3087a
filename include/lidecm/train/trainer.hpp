#pragma once
// The training loop (DESIGN §1): per batch an E-step (tokenize every image), an
// M-step (codebook statistics and update; decode; refine with the graph
// denoiser using the learner's parameters; losses), one update_global_params
// with all the batch's patches and one update_class_params per image. A run
// lives in a folder: model.lidecm (last checkpoint), best.lidecm, epoch_N.lidecm,
// metrics.jsonl and samples.png. When the last epoch ends, the patch prior is fitted
// to the training tiles and stored in model.lidecm and best.lidecm
// (config.prior_components; issue 22). Library code does not print: progress and log
// lines go to the callbacks.
#include <filesystem>
#include <functional>
#include <string>

#include "lidecm/train/communicator.hpp"
#include "lidecm/train/metrics.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/train/train_config.hpp"

namespace lidecm {

struct TrainEvents {
    /// After every batch, with the number of batches of the epoch.
    std::function<void(const BatchMetrics&, std::uint64_t batches_in_epoch)> on_batch;
    /// After every epoch, once its checkpoint is written.
    std::function<void(const EpochMetrics&)> on_epoch;
    /// Notable events: skipped files, checkpoints, re-seeding.
    std::function<void(const std::string&)> on_log;
    /// Polled after every batch; true makes the run save its state and return.
    std::function<bool()> stop_requested;
};

struct TrainResult {
    Model model;               ///< the state when the run returned (also in model.lidecm)
    bool interrupted = false;  ///< stop_requested said so before the last epoch ended
    EpochMetrics last_epoch;   ///< metrics of the last completed epoch (epoch = -1 if none)
    double seconds = 0;        ///< wall time of this call
    double images_per_second = 0;  ///< training images per second of this call
};

/// Files of a run folder.
struct RunFiles {
    std::filesystem::path dir;
    [[nodiscard]] std::filesystem::path model() const { return dir / "model.lidecm"; }
    [[nodiscard]] std::filesystem::path best() const { return dir / "best.lidecm"; }
    [[nodiscard]] std::filesystem::path metrics() const { return dir / "metrics.jsonl"; }
    [[nodiscard]] std::filesystem::path samples() const { return dir / "samples.png"; }
    [[nodiscard]] std::filesystem::path epoch_model(int epoch) const {
        return dir / ("epoch_" + std::to_string(epoch) + ".lidecm");
    }
};

/// Trains from scratch into `run_dir` (created if missing). Refuses a folder
/// that already holds a model unless `overwrite`.
/// With `group` (MPI ranks: every rank calls it with the same arguments), the ranks
/// train one model, each on its share of every batch; rank 0 alone reads and writes
/// the run folder and reports through `events` (the others only poll stop_requested).
/// The result equals the single-process run's, bit for bit. nullptr = this process alone.
TrainResult train(const TrainConfig& config, const std::filesystem::path& run_dir, const TrainEvents& events = {},
                  bool overwrite = false, Communicator* group = nullptr);

/// Continues the run saved in `run_dir`: with the same thread count, an
/// interrupted and resumed run ends with the same model file as one never
/// interrupted. `epochs` > 0 changes the number of epochs (to train longer).
TrainResult resume_training(const std::filesystem::path& run_dir, const TrainEvents& events = {}, int epochs = 0,
                            Communicator* group = nullptr);

}  // namespace lidecm
