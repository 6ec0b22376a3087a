// The epoch loop: batches, epoch ends (re-seeding, validation, checkpoints),
// interruption and resumption.
#include "lidecm/train/trainer.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>

#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/image/image_grid.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "train/distributed.hpp"
#include "train/run_lock.hpp"
#include "train/train_internal.hpp"

namespace lidecm {
namespace fs = std::filesystem;
using detail::TrainingRun;

namespace {

using Clock = std::chrono::steady_clock;

void log(const TrainEvents& events, const std::string& line) {
    if (events.on_log) events.on_log(line);
}

// Drops what the last checkpoint does not know about: lines of batches after
// it (a run killed between checkpoints) and lines cut off mid-write.
void trim_metrics(const fs::path& path, const TrainProgress& progress) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return;
    std::istringstream in(read_file_text(path, kMaxMetricsFileBytes));
    std::string line, kept;
    while (std::getline(in, line)) {
        const auto parsed = parse_metrics_line(line);
        if (!parsed) continue;
        if (parsed->batch && parsed->batch->step > progress.step) continue;
        if (parsed->epoch && parsed->epoch->epoch >= progress.epoch) continue;
        kept += line + '\n';
    }
    write_file_atomically(path, kept);
}

Dataset open_dataset(const TrainConfig& config) {
    DatasetOptions options = config.dataset;
    options.seed = config.seed;
    return Dataset::open(config.data, options);
}

// Files that stopped decoding during the run, once each (their items are left out).
// Every rank's failures reach rank 0's log.
class FailureLog {
public:
    void update(const Dataset& dataset, Communicator& comm, const TrainEvents& events) {
        const std::vector<SkippedFile> failed = dataset.failures();
        std::vector<std::string> lines;
        for (; logged_ < failed.size(); ++logged_) {
            lines.push_back("skipped " + failed[logged_].path + " from now on: " + failed[logged_].reason);
        }
        for (const std::string& line : detail::gather_lines(comm, lines)) log(events, line);
    }

private:
    std::size_t logged_ = 0;
};

// Once per run, when the step waits longer for data than it computes.
class DataWaitWarning {
public:
    void update(double wait, double step, const TrainConfig& config, const TrainEvents& events) {
        waits_ += wait;
        steps_ += step;
        if (warned_ || ++batches_ < 8 || waits_ <= steps_) return;
        warned_ = true;
        char text[400];
        std::snprintf(text, sizeof text,
                      "warning: batches wait %.2f s for data per %.2f s of training (%.0f%% of the time): "
                      "decoding is the bottleneck; raise --cache-mb (decoded files kept between epochs), "
                      "--decode-threads, or store the images smaller%s",
                      waits_ / double(batches_), steps_ / double(batches_), 100.0 * waits_ / (waits_ + steps_),
                      config.dataset.tiles ? "" : " (without --tiles, 2R on the shorter side is all that is used)");
        log(events, text);
    }

private:
    double waits_ = 0, steps_ = 0;
    std::size_t batches_ = 0;
    bool warned_ = false;
};

void report_skipped(const Dataset& dataset, const TrainEvents& events) {
    const auto& skipped = dataset.skipped();
    if (skipped.empty()) return;
    log(events, "skipped " + std::to_string(skipped.size()) + " file(s) of the dataset:");
    for (std::size_t i = 0; i < skipped.size() && i < 20; ++i) log(events, "  " + skipped[i].path + ": " + skipped[i].reason);
    if (skipped.size() > 20) log(events, "  … and " + std::to_string(skipped.size() - 20) + " more");
}

Codebook initial_codebook(const TrainConfig& config, const Dataset& dataset) {
    // A uniform sample of the training images, not the first of epoch 0's buffered
    // order, which come from the few images that filled the buffer first (measured:
    // -1.4 dB on held-out photos after one epoch, BENCHMARKS.md).
    std::vector<std::size_t> order = dataset.uniform_order(0);
    order.resize(std::min(config.init_images, order.size()));
    const std::vector<Item> items = dataset.train_items(order, 0);  // each file decoded once
    const std::size_t n = items.size();
    std::vector<Tiles> tiles(n);
    detail::parallel_for(n, [&](std::size_t i) {
        tiles[i] = extract_tiles(detail::model_input(config, items[i].image, 0, items[i].index), config.patch_size);
    });
    std::vector<float> all;
    std::size_t count = 0;
    for (const Tiles& t : tiles) {
        all.insert(all.end(), t.values.begin(), t.values.end());
        count += t.size();
    }
    CodebookOptions options = config.codebook;
    options.seed = config.seed;  // one seed for every draw of the run
    require(count >= std::size_t(options.num_codes), "codes",
            "K = " + std::to_string(options.num_codes) + " needs at least as many tiles to start from; the first " +
                std::to_string(n) + " training image(s) give " + std::to_string(count) +
                " (lower --codes, or give more images or --init-images)");
    const int dim = config.patch_size * config.patch_size * config.dataset.channels;
    return Codebook::kmeans_plus_plus(all.data(), count, dim, options);
}

EpochMetrics epoch_means(const TrainProgress& progress, int epoch) {
    EpochMetrics e;
    e.epoch = epoch;
    e.step = progress.step;
    e.batches = progress.batch;
    progress.epoch_sums.write_means(progress.batch, e);
    return e;
}

// Without validation images (--val-fraction 0) there is nothing to show.
void save_samples(const TrainingRun& run, const RunFiles& files) {
    if (run.dataset.validation_indices().empty()) return;
    save_image(detail::sample_grid(run), files.samples());
}

// A run killed during a checkpoint write (kill -9, power loss) leaves the
// temporary file of write_file_atomically behind; the model itself is intact.
void remove_stale_temporaries(const RunFiles& files, const TrainEvents& events) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(files.dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!is_atomic_write_temporary(name)) continue;
        fs::remove(entry.path(), ec);
        log(events, "removed " + name + " (left by an interrupted write)");
    }
}

// A stop asked of any rank stops them all at the same batch.
bool stop(Communicator& comm, const TrainEvents& events) {
    return detail::any_rank(comm, events.stop_requested && events.stop_requested());
}

// The patch prior and the token prior, fitted once the run has finished: also when a run
// killed while fitting them is resumed (its last checkpoint is finished, without them). The
// patch prior depends on the training tiles alone, not on the epoch's codebook or learner,
// so best.lidecm, saved at an earlier epoch, gets the same one; the token prior belongs to
// a codebook, so best.lidecm gets its own unless its codebook is the final one. Rank 0 alone
// fits them (the others write nothing). Returns the seconds it took.
double add_prior(Model& model, const Dataset& dataset, const RunFiles& files, const TrainEvents& events) {
    const bool patch_prior = model.config.prior_components > 0 && !model.prior;
    const bool token_prior = model.config.token_prior && !model.token_prior;
    if (!patch_prior && !token_prior) return 0.0;
    const auto start = Clock::now();
    const auto to_log = [&](const std::string& line) { log(events, line); };
    if (patch_prior) {
        model.prior = detail::training_prior(model.config, dataset, to_log);
        if (model.prior) model.class_priors = detail::training_class_priors(model.config, dataset, to_log);
        if (model.prior) model.denoising = detail::learn_denoising(model, dataset, to_log);
    }
    if (token_prior) model.token_prior = detail::training_token_prior(*model.codebook, model.config, dataset, to_log);
    if (fs::exists(files.best())) {
        Model best = load_model(files.best());
        bool changed = false;
        if (model.prior && !best.prior) {
            best.prior = model.prior;
            best.class_priors = model.class_priors;
            best.denoising = model.denoising;
            changed = true;
        }
        if (model.token_prior && !best.token_prior) {
            best.token_prior = best.codebook->checksum() == model.codebook->checksum()
                                   ? model.token_prior
                                   : detail::training_token_prior(*best.codebook, best.config, dataset, to_log);
            changed = true;
        }
        if (changed) save_model(best, files.best());
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Every rank runs the loop on its share of each batch and holds the same model; rank 0
// alone writes the run's files and reports (`events` are rank 0's; the others get none).
TrainResult run_epochs(TrainingRun& run, const RunFiles& files, const TrainEvents& events, bool fresh,
                       Communicator& comm) {
    const auto start = Clock::now();
    TrainResult result;
    result.last_epoch.epoch = -1;
    Model& model = run.model;
    TrainProgress& progress = model.progress;
    const TrainConfig& config = model.config;
    const bool writer = comm.rank() == 0;
    std::optional<LineAppender> metrics;
    if (writer) metrics.emplace(files.metrics(), fresh);
    std::uint64_t images_this_call = 0;
    double prior_seconds = 0;
    FailureLog failures;
    DataWaitWarning slow_data;
    auto finish = [&](bool interrupted) {
        model.learner = run.learner.state();
        if (writer) {
            save_model(model, files.model());
            save_samples(run, files);
        }
        result.model = model;
        result.interrupted = interrupted;
        result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const double training = result.seconds - prior_seconds;  // the prior's fit trains on no image
        result.images_per_second = training > 0 ? double(images_this_call) / training : 0.0;
        return result;
    };
    for (int epoch = progress.epoch; epoch < config.epochs; ++epoch) {
        const auto epoch_start = Clock::now();
        if (progress.batch == 0) {
            model.codebook->begin_epoch();
            model.reseed_pool = {};
            progress.epoch_sums = {};
        }
        LoaderOptions lo;
        lo.epoch = epoch;
        lo.batch_size = config.batch_size;
        lo.max_batches = config.max_batches;
        lo.start_batch = progress.batch;
        lo.prefetch = config.prefetch;
        lo.decode_threads = config.decode_threads;
        lo.rank = comm.rank();
        lo.ranks = comm.size();
        BatchLoader loader(run.dataset, lo);
        const std::uint64_t batches = run.dataset.batch_count(Split::train, config.batch_size, config.max_batches);
        double step_seconds = 0, learner_seconds = 0, wait_seconds = 0;
        std::uint64_t epoch_images = 0, timed_batches = 0;
        for (;;) {
            const auto wait_start = Clock::now();
            std::optional<Batch> batch = loader.next();
            if (!batch) break;
            const double wait = std::chrono::duration<double>(Clock::now() - wait_start).count();
            failures.update(run.dataset, comm, events);
            const detail::BatchShare share = detail::share_of(comm, *batch);
            if (share.total == 0) {  // every file of the batch failed to decode: nothing to learn from
                ++progress.batch;
                continue;
            }
            BatchMetrics m = detail::train_step(run, *batch, comm, share);
            m.timings.data_wait = wait;
            wait_seconds += wait;
            ++timed_batches;
            slow_data.update(wait, m.timings.total, config, events);
            ++progress.batch;
            ++progress.step;
            progress.images += m.images;
            images_this_call += m.images;
            epoch_images += m.images;
            step_seconds += m.timings.total;
            learner_seconds += m.timings.learner;
            m.step = progress.step;
            m.data_wait_share = wait_seconds / (wait_seconds + step_seconds);
            const double per_batch = (wait_seconds + step_seconds) / double(timed_batches);
            const double left = double(batches - progress.batch) + double(config.epochs - epoch - 1) * double(batches);
            m.eta_seconds = per_batch * left;
            progress.epoch_sums.add(m);
            if (writer) metrics->write(to_json_line(m));
            if (events.on_batch) events.on_batch(m, batches);
            if (stop(comm, events) && progress.batch < batches) {
                log(events, "interrupted: saving epoch " + std::to_string(epoch) + ", batch " +
                                std::to_string(progress.batch) + " to " + files.model().string());
                return finish(true);
            }
        }
        // End of the epoch: re-seed unused codewords, validate, checkpoint.
        EpochMetrics e = epoch_means(progress, epoch);
        const auto& used = model.codebook->epoch_usage();
        e.usage = used_fraction(used);
        std::uint64_t total_used = 0;
        for (auto u : used) total_used += u;
        e.perplexity = total_used > 0 ? perplexity(used) : 0.0;
        const auto& pool = model.reseed_pool;
        e.reseeded = int(model.codebook->reseed_unused(pool.tiles.data(), pool.errors.size(), pool.errors).size());
        if (e.reseeded > 0) log(events, "epoch " + std::to_string(epoch) + ": re-seeded " + std::to_string(e.reseeded) + " unused codeword(s)");
        model.codebook->begin_epoch();
        model.reseed_pool = {};
        detail::validate_model(run, e, comm);
        model.quant_rms = e.refine_level;
        const GraphParams now = run.learner.get_parameters();
        e.sigma = now.sigma;
        e.tau = now.tau;
        e.seconds = std::chrono::duration<double>(Clock::now() - epoch_start).count();
        e.images_per_second = step_seconds > 0 ? double(epoch_images) / step_seconds : 0.0;
        e.learner_share = step_seconds > 0 ? learner_seconds / step_seconds : 0.0;
        e.data_wait_share = step_seconds > 0 ? wait_seconds / (wait_seconds + step_seconds) : 0.0;
        e.decodes = loader.decodes();
        progress.epoch = epoch + 1;
        progress.batch = 0;
        progress.epoch_sums = {};
        progress.finished = progress.epoch >= config.epochs;
        // A token prior counts the grids of one codebook, and this epoch changed it (a
        // finished run trained longer had one): add_prior fits the final codebook's.
        model.token_prior.reset();
        model.learner = run.learner.state();
        const bool best = e.validation_images > 0 && e.val_psnr_refined > progress.best_validation_psnr;
        if (best) {
            progress.best_validation_psnr = e.val_psnr_refined;
            progress.best_epoch = epoch;
        }
        if (writer) {
            if (best) save_model(model, files.best());
            save_model(model, files.model());
            if (config.checkpoint_every > 0 && progress.epoch % config.checkpoint_every == 0) {
                save_model(model, files.epoch_model(progress.epoch));
            }
            save_samples(run, files);
            metrics->write(to_json_line(e));
        }
        result.last_epoch = e;
        if (events.on_epoch) events.on_epoch(e);
        if (stop(comm, events) && !progress.finished) return finish(true);
    }
    if (writer && progress.finished) prior_seconds = add_prior(model, run.dataset, files, events);
    return finish(false);
}

// Creates a folder (and its missing parents); unless keep() is called, removes
// what it created when it goes out of scope.
class FolderMade {
public:
    explicit FolderMade(const fs::path& dir) {
        std::error_code ec;
        for (fs::path p = fs::absolute(dir, ec).lexically_normal(); !p.empty() && !fs::exists(p, ec);
             p = p.parent_path()) {
            top_ = p;
            if (p == p.parent_path()) break;
        }
        fs::create_directories(dir, ec);
        if (ec || !fs::is_directory(dir)) {
            throw IoError(dir.string() + ": cannot create the run folder (" +
                          (ec ? ec.message() : std::string("a file of that name exists")) + ")");
        }
    }
    ~FolderMade() {
        std::error_code ec;
        if (!kept_ && !top_.empty()) fs::remove_all(top_, ec);
    }
    FolderMade(const FolderMade&) = delete;
    FolderMade& operator=(const FolderMade&) = delete;
    void keep() { kept_ = true; }

private:
    fs::path top_;  // the highest folder this made; empty when the folder existed
    bool kept_ = false;
};

}  // namespace

namespace {

// A folder another process holds is theirs: it is kept even if this call made it
// (two runs started at once both see it missing).
std::unique_ptr<detail::RunLock> lock_run_folder(const fs::path& run_dir, FolderMade* made, const TrainEvents& events) {
    try {
        auto lock = std::make_unique<detail::RunLock>(run_dir);
        if (!lock->taken_over().empty()) {
            log(events, "took over " + lock->path().string() + " from a run that is gone (" + lock->taken_over() + ")");
        }
        return lock;
    } catch (const InvalidArgument&) {
        if (made) made->keep();
        throw;
    }
}

// Rank 0 reports; the other ranks only hear a stop request.
TrainEvents events_of_rank(const TrainEvents& events, const Communicator& comm) {
    if (comm.rank() == 0) return events;
    TrainEvents quiet;
    quiet.stop_requested = events.stop_requested;
    return quiet;
}

// Rank 0's model on every rank (it alone reads and writes the run folder).
Model model_of_rank0(Communicator& comm, const Model* mine) {
    std::vector<std::byte> bytes;
    if (mine) {
        const std::vector<unsigned char> raw = serialize_model(*mine);
        bytes.resize(raw.size());
        std::memcpy(bytes.data(), raw.data(), raw.size());
    }
    comm.broadcast(bytes, 0);
    std::vector<unsigned char> raw(bytes.size());
    std::memcpy(raw.data(), bytes.data(), bytes.size());
    return parse_model(std::move(raw), "the model rank 0 sent");
}

Dataset open_checked_dataset(const Model& model, const TrainEvents& events) {
    Dataset dataset = open_dataset(model.config);
    report_skipped(dataset, events);
    if (dataset.class_names() != model.class_names) {
        throw IoError(model.config.data + ": the dataset's classes differ from those the run was started with");
    }
    return dataset;
}

TrainResult run_model(Model model, Dataset dataset, const RunFiles& files, const TrainEvents& events, bool fresh,
                      Communicator& comm) {
    EMParameterLearner learner = model.make_learner();
    TrainingRun run{std::move(dataset), std::move(model), std::move(learner), false, nullptr};
    run.labelled = run.model.class_names.size() > 1;
    run.rule = make_training_rule(run.model.config.learner.rule, run.model.config.learner_mode);
    return run_epochs(run, files, events, fresh, comm);
}

// A rank other than 0 of train() or resume_training(): it trains rank 0's model.
TrainResult follow_rank0(Communicator& comm, const RunFiles& files, const TrainEvents& events, bool fresh) {
    Model model = model_of_rank0(comm, nullptr);
    Dataset dataset = open_checked_dataset(model, events);
    return run_model(std::move(model), std::move(dataset), files, events, fresh, comm);
}

}  // namespace

TrainResult train(const TrainConfig& config_in, const fs::path& run_dir, const TrainEvents& all_events, bool overwrite,
                  Communicator* group) {
    const auto alone = single_process();
    Communicator& comm = group ? *group : *alone;
    const TrainEvents events = events_of_rank(all_events, comm);
    config_in.validate();
    const RunFiles files{run_dir};
    if (comm.rank() != 0) return follow_rank0(comm, files, events, true);
    // The folder is made first, so an unwritable place is reported before the data
    // is read; what this call made is removed again if the run fails to start.
    FolderMade made(run_dir);
    const auto lock = lock_run_folder(run_dir, &made, events);
    if (!overwrite && fs::exists(files.model())) {
        throw IoError(run_dir.string() + ": already holds a run (model.lidecm); continue it with --resume " +
                      run_dir.string() + ", or pass --overwrite");
    }
    Dataset dataset = open_dataset(config_in);
    report_skipped(dataset, events);
    log(events, dataset.description());
    if (const std::string mixing = dataset.shuffle_description(); !mixing.empty()) log(events, mixing);
    if (comm.size() > 1) log(events, "training with " + std::to_string(comm.size()) + " processes (" + comm.describe() + " writes the run)");
    if (overwrite) {  // nothing of an earlier run may pass for this one's
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
            const std::string name = entry.path().filename().string();
            if (name == "best.lidecm" || (name.rfind("epoch_", 0) == 0 && entry.path().extension() == ".lidecm")) {
                fs::remove(entry.path(), ec);
            }
        }
    }
    TrainConfig config = config_in;
    config.learner.num_classes = std::max<int>(1, int(dataset.class_names().size()));
    Model model;
    model.config = config;
    model.class_names = dataset.class_names();
    model.codebook = initial_codebook(config, dataset);
    model.learner = EMParameterLearner(config.learner).state();
    remove_stale_temporaries(files, events);
    // A checkpoint before the first batch: from here on the folder always holds a
    // model that --resume continues, whenever the run is stopped or killed.
    save_model(model, files.model());
    made.keep();
    if (comm.size() > 1) model = model_of_rank0(comm, &model);  // every rank from the same bytes
    return run_model(std::move(model), std::move(dataset), files, events, true, comm);
}

TrainResult resume_training(const fs::path& run_dir, const TrainEvents& all_events, int epochs, Communicator* group) {
    const auto alone = single_process();
    Communicator& comm = group ? *group : *alone;
    const TrainEvents events = events_of_rank(all_events, comm);
    const RunFiles files{run_dir};
    if (comm.rank() != 0) return follow_rank0(comm, files, events, false);
    if (!fs::exists(files.model())) {
        throw IoError(run_dir.string() + ": no run to resume (model.lidecm is missing)");
    }
    const auto lock = lock_run_folder(run_dir, nullptr, events);
    Model model = load_model(files.model());
    require(epochs >= 0, "epochs", "must be >= 0");
    if (epochs > 0) {
        require(epochs >= model.progress.epoch, "epochs",
                "the run has already done " + std::to_string(model.progress.epoch) + " epochs");
        model.config.epochs = epochs;
    }
    Dataset dataset = open_checked_dataset(model, events);
    remove_stale_temporaries(files, events);
    trim_metrics(files.metrics(), model.progress);
    log(events, "resuming " + run_dir.string() + " at epoch " + std::to_string(model.progress.epoch) + ", batch " +
                    std::to_string(model.progress.batch) +
                    (comm.size() > 1 ? " with " + std::to_string(comm.size()) + " processes" : std::string()));
    if (comm.size() > 1) model = model_of_rank0(comm, &model);
    return run_model(std::move(model), std::move(dataset), files, events, false, comm);
}

}  // namespace lidecm
