// The loader of one epoch: decoding threads fill per-position slots with the items
// of each file, in the order files are first needed and at most files_ahead ahead;
// an assembling thread turns slots into batches.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "data/dataset_source.hpp"
#include "lidecm/data/dataset.hpp"
#include "lidecm/core/error.hpp"

namespace lidecm {

class LoaderPipeline {
public:
    LoaderPipeline(const Dataset& dataset, const LoaderOptions& options);
    ~LoaderPipeline();
    LoaderPipeline(const LoaderPipeline&) = delete;
    LoaderPipeline& operator=(const LoaderPipeline&) = delete;

    std::optional<Batch> next();
    [[nodiscard]] std::size_t size() const { return end_ - options_.start_batch; }
    [[nodiscard]] std::uint64_t decodes() {
        const std::lock_guard lock(mutex_);
        return decodes_;
    }

private:
    enum class FileState : char { pending, decoded, failed };

    void plan();
    void decode_files();
    void assemble_batches();
    void fail(std::exception_ptr error);

    const Dataset& dataset_;
    LoaderOptions options_;
    std::size_t end_ = 0;                           // batches start_batch .. end_
    std::vector<std::size_t> items_;                // the item of each position from the first batch on
    std::vector<std::size_t> places_in_batch_;      // per position: its place in its batch
    std::vector<std::size_t> batch_start_;          // per batch from start_batch: its first position (+ end)
    std::vector<std::size_t> file_of_;              // per position: index into files_
    std::vector<std::size_t> files_;                // groups, in the order their first item comes
    std::vector<std::vector<std::size_t>> places_;  // per file: its positions
    std::size_t ahead_ = 0;

    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<detail::StoredImage> slots_;  // per position: the item, once its file is decoded
    std::vector<FileState> state_;            // per file
    std::size_t next_file_ = 0;               // the next file a decoding thread takes
    std::size_t reached_ = 0;                 // files whose first item the assembler has reached
    std::deque<Batch> ready_;
    std::exception_ptr error_;
    bool finished_ = false;  // the assembler delivered everything or stopped on an error
    bool stop_ = false;
    std::uint64_t decodes_ = 0;
    std::vector<std::thread> decoders_;
    std::thread assembler_;
};

LoaderPipeline::LoaderPipeline(const Dataset& dataset, const LoaderOptions& options)
    : dataset_(dataset), options_(options) {
    validate(options);
    end_ = dataset.batch_count(options.split, options.batch_size, options.max_batches);
    require(options.start_batch <= end_, "start_batch",
            std::to_string(options.start_batch) + " is past the " + std::to_string(end_) + " batches of the epoch");
    plan();
    const int threads = options.decode_threads > 0 ? options.decode_threads
                                                   : std::max(1, int(std::thread::hardware_concurrency()));
    ahead_ = options.files_ahead > 0 ? options.files_ahead : std::size_t(threads);
    for (int t = 0; t < threads; ++t) decoders_.emplace_back(&LoaderPipeline::decode_files, this);
    assembler_ = std::thread(&LoaderPipeline::assemble_batches, this);
}

LoaderPipeline::~LoaderPipeline() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    for (std::thread& t : decoders_) t.join();
    assembler_.join();
}

void LoaderPipeline::plan() {
    const std::vector<std::size_t> order = dataset_.order(options_.split, options_.epoch);
    const std::size_t ranks = std::size_t(options_.ranks), rank = std::size_t(options_.rank);
    for (std::size_t b = options_.start_batch; b < end_; ++b) {
        batch_start_.push_back(items_.size());
        const std::size_t first = b * options_.batch_size;
        const std::size_t last = std::min(order.size(), first + options_.batch_size);
        for (std::size_t p = first + rank; p < last; p += ranks) {
            items_.push_back(order[p]);
            places_in_batch_.push_back(p - first);
        }
    }
    batch_start_.push_back(items_.size());
    auto grouped = dataset_.group_positions(items_);
    files_ = std::move(grouped.groups);
    places_ = std::move(grouped.positions);
    file_of_.resize(items_.size());
    for (std::size_t f = 0; f < files_.size(); ++f) {
        for (const std::size_t p : places_[f]) file_of_[p] = f;
    }
    slots_.resize(items_.size());
    state_.assign(files_.size(), FileState::pending);
}

void LoaderPipeline::fail(std::exception_ptr error) {
    {
        const std::lock_guard lock(mutex_);
        if (!error_) error_ = std::move(error);
    }
    changed_.notify_all();
}

void LoaderPipeline::decode_files() {
    try {
        for (;;) {
            std::size_t f = 0;
            {
                std::unique_lock lock(mutex_);
                changed_.wait(lock, [&] {
                    return stop_ || error_ || next_file_ >= files_.size() || next_file_ < reached_ + ahead_;
                });
                if (stop_ || error_ || next_file_ >= files_.size()) return;
                f = next_file_++;
            }
            std::uint64_t decoded = 0;
            const auto loaded = dataset_.load_group(files_[f], &decoded);
            std::vector<detail::StoredImage> cuts;
            if (loaded) {
                for (const std::size_t p : places_[f]) cuts.push_back(dataset_.cut_item(*loaded, items_[p]));
            }
            {
                const std::lock_guard lock(mutex_);
                for (std::size_t k = 0; k < cuts.size(); ++k) slots_[places_[f][k]] = std::move(cuts[k]);
                state_[f] = loaded ? FileState::decoded : FileState::failed;
                decodes_ += decoded;
            }
            changed_.notify_all();
        }
    } catch (...) {  // not a file's decode failure (those are skipped): out of memory, ...
        fail(std::current_exception());
    }
}

void LoaderPipeline::assemble_batches() {
    try {
        const int epoch = options_.split == Split::train ? options_.epoch : 0;
        for (std::size_t b = options_.start_batch; b < end_; ++b) {
            Batch batch;
            batch.epoch = options_.epoch;
            batch.index = b;
            const std::size_t first = batch_start_[b - options_.start_batch];
            const std::size_t last = batch_start_[b - options_.start_batch + 1];
            for (std::size_t p = first; p < last; ++p) {
                const std::size_t f = file_of_[p];
                detail::StoredImage cut;
                {
                    std::unique_lock lock(mutex_);
                    if (f >= reached_) {  // files come in first-use order: this is f's first item
                        reached_ = f + 1;
                        changed_.notify_all();
                    }
                    changed_.wait(lock, [&] { return stop_ || error_ || state_[f] != FileState::pending; });
                    if (stop_ || error_) break;
                    if (state_[f] == FileState::failed) continue;
                    cut = std::move(slots_[p]);
                }
                batch.items.push_back(dataset_.make_item(cut, items_[p], options_.split, epoch));
                batch.places.push_back(places_in_batch_[p]);
            }
            std::unique_lock lock(mutex_);
            if (stop_ || error_) break;
            ready_.push_back(std::move(batch));
            changed_.notify_all();
            changed_.wait(lock, [&] { return stop_ || error_ || ready_.size() < options_.prefetch; });
        }
    } catch (...) {
        fail(std::current_exception());
    }
    {
        const std::lock_guard lock(mutex_);
        finished_ = true;
    }
    changed_.notify_all();
}

std::optional<Batch> LoaderPipeline::next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
    if (!ready_.empty()) {
        Batch batch = std::move(ready_.front());
        ready_.pop_front();
        lock.unlock();
        changed_.notify_all();
        return batch;
    }
    if (error_) std::rethrow_exception(error_);
    return std::nullopt;
}

BatchLoader::BatchLoader(const Dataset& dataset, const LoaderOptions& options)
    : pipeline_(std::make_unique<LoaderPipeline>(dataset, options)) {}
BatchLoader::~BatchLoader() = default;
std::optional<Batch> BatchLoader::next() { return pipeline_->next(); }
std::size_t BatchLoader::size() const { return pipeline_->size(); }
std::uint64_t BatchLoader::decodes() const { return pipeline_->decodes(); }

}  // namespace lidecm
