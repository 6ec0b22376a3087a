// The codebook's phases of a training step: tokenize (E-step), statistics (M-step and
// the re-seeding pool), decode.
#include <algorithm>
#include <numeric>

#include "core/random_salts.hpp"
#include "lidecm/core/random.hpp"
#include "train/train_step.hpp"

namespace lidecm::detail {
namespace {

// A tile that may join the re-seeding pool: its error and its key, its index among
// the pool then the whole batch's tiles (ties keep the lower key, so the pool is
// deterministic and the same however the batch is split over ranks).
struct PoolCandidate {
    float error = 0;
    std::uint64_t key = 0;
};

bool worse(const PoolCandidate& a, const PoolCandidate& b) { return a.error != b.error ? a.error > b.error : a.key < b.key; }

// Keeps the `capacity` tiles of largest error among the pool and every rank's tiles
// of the batch (`keys`: each of this rank's tiles' index among the whole batch's).
void update_pool(Communicator& comm, ReseedPool& pool, const float* tiles, const std::vector<float>& errors,
                 const std::vector<std::uint64_t>& keys, int dim, std::size_t capacity) {
    const std::size_t d = std::size_t(dim), old_n = pool.errors.size();
    // This rank's best `capacity` tiles are all the others' global ranking can keep.
    std::vector<std::size_t> local(errors.size());
    std::iota(local.begin(), local.end(), std::size_t{0});
    auto candidate = [&](std::size_t i) { return PoolCandidate{errors[i], old_n + keys[i]}; };
    const std::size_t offer = std::min(capacity, local.size());
    std::partial_sort(local.begin(), local.begin() + std::ptrdiff_t(offer), local.end(),
                      [&](std::size_t a, std::size_t b) { return worse(candidate(a), candidate(b)); });
    // A full pool keeps a new tile only if it beats the pool's least error (a tie keeps the
    // pool's, whose keys are lower): the others need not travel. After the first batches of
    // an epoch few tiles do, so the gather shrinks to almost nothing.
    const bool full = old_n >= capacity && old_n > 0;
    const float least = full ? *std::min_element(pool.errors.begin(), pool.errors.end()) : 0.0f;
    std::vector<PoolCandidate> mine;
    std::vector<float> values;
    for (std::size_t r = 0; r < offer; ++r) {
        if (full && !(errors[local[r]] > least)) break;  // sorted: the rest are no better
        mine.push_back(candidate(local[r]));
        values.insert(values.end(), tiles + local[r] * d, tiles + (local[r] + 1) * d);
    }
    const std::vector<PoolCandidate> offered = gather_records(comm, mine);
    const std::vector<float> offered_values = gather_records(comm, values);
    std::vector<PoolCandidate> all;
    for (std::size_t i = 0; i < old_n; ++i) all.push_back({pool.errors[i], i});
    all.insert(all.end(), offered.begin(), offered.end());
    std::vector<std::size_t> order(all.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const std::size_t keep = std::min(capacity, all.size());
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(keep), order.end(),
                      [&](std::size_t a, std::size_t b) { return worse(all[a], all[b]); });
    ReseedPool next;
    next.tiles.reserve(keep * d);
    for (std::size_t r = 0; r < keep; ++r) {
        const std::size_t i = order[r];
        const float* src = i < old_n ? pool.tiles.data() + i * d : offered_values.data() + (i - old_n) * d;
        next.tiles.insert(next.tiles.end(), src, src + d);
        next.errors.push_back(all[i].error);
    }
    pool = std::move(next);
}

}  // namespace

PatchSet tile_patches(std::vector<float> values, const std::vector<Tiles>& tiles, const TrainConfig& config) {
    PatchSet patches;
    patches.patch_size = config.patch_size;
    patches.channels = config.dataset.channels;
    patches.image_height = patches.image_width = config.dataset.resolution;
    patches.values = std::move(values);
    const std::size_t n = patches.values.size() / std::size_t(patches.dim());
    patches.corner_y.reserve(n);
    patches.corner_x.reserve(n);
    for (const Tiles& t : tiles) {
        for (int r = 0; r < t.rows; ++r) {
            for (int c = 0; c < t.cols; ++c) {
                patches.corner_y.push_back(r * config.patch_size);
                patches.corner_x.push_back(c * config.patch_size);
            }
        }
    }
    return patches;
}

Image model_input(const TrainConfig& config, const Image& target, int epoch, std::size_t item) {
    if (config.input_noise <= 0 && config.input_noise_max <= 0) return target;
    RandomStream rng{config.seed, kInputNoiseSalt, std::uint64_t(std::int64_t(epoch)), item};
    const std::uint64_t seed = rng.next();
    double sigma = config.input_noise;
    if (config.input_noise_max > config.input_noise) sigma += (config.input_noise_max - config.input_noise) * rng.uniform();
    return add_gaussian_noise(target, sigma, seed, true);
}

TokenizedBatch tokenize(const StepContext& step) {
    const TrainConfig& config = step.run.model.config;
    const Codebook& codebook = *step.run.model.codebook;
    const std::size_t n_images = step.batch.items.size();
    TokenizedBatch t;
    t.tiles.resize(n_images);
    parallel_for(n_images, [&](std::size_t i) {
        const Item& item = step.batch.items[i];
        t.tiles[i] = extract_tiles(model_input(config, item.image, step.batch.epoch, item.index), config.patch_size);
    });
    const int dim = codebook.dim();
    t.first.assign(n_images + 1, 0);
    for (std::size_t i = 0; i < n_images; ++i) t.first[i + 1] = t.first[i] + t.tiles[i].size();
    const std::size_t n_tiles = t.first[n_images];
    t.values.resize(n_tiles * std::size_t(dim));
    t.keys.resize(n_tiles);
    for (std::size_t i = 0; i < n_images; ++i) {
        const Tiles& tiles = t.tiles[i];
        std::copy(tiles.values.begin(), tiles.values.end(), t.values.begin() + std::ptrdiff_t(t.first[i] * dim));
        for (std::size_t k = 0; k < tiles.size(); ++k) t.keys[t.first[i] + k] = step.share.index[i] * tiles.size() + k;
    }
    if (n_tiles > 0) t.assignment = codebook.assign(t.values.data(), n_tiles, config.codebook.block_rows);
    return t;
}

std::optional<Codebook> update_codebook(const StepContext& step, const TokenizedBatch& t, BatchMetrics& m) {
    Codebook& codebook = *step.run.model.codebook;
    const int dim = codebook.dim();
    const std::size_t n_tiles = t.keys.size();
    CodebookStats stats(codebook.size(), dim);
    if (n_tiles > 0) stats.accumulate(t.values.data(), n_tiles, t.assignment);
    sum_stats(step.comm, stats);
    // Paired images are measured on tokens of the codebook before this update: tokens
    // it has not fitted yet, as a held-out image's are (after the update the batch's
    // own tokens are closer than the level they are refined at, and the learner would
    // learn to filter less than held-out images need).
    std::optional<Codebook> before;
    if (step.needs.paired_images > 0) before = codebook;
    codebook.minibatch_update(stats);
    update_pool(step.comm, step.run.model.reseed_pool, t.values.data(), t.assignment.sq_distance, t.keys, dim,
                std::size_t(codebook.size()));
    const CodebookUsage use = usage(stats);
    m.usage = use.used_fraction;
    m.perplexity = use.perplexity;
    m.quant_mse = use.mse;
    return before;
}

// Only the batch's first `scored` images (it is in shuffled order) are refined and
// scored, each by the rank that holds it: the learner needs a sample, and
// collaborative refinement costs ~4 filter runs.
DecodedImages decode_scored(const StepContext& step, const TokenizedBatch& t, std::optional<Codebook> before) {
    const TrainConfig& config = step.run.model.config;
    const std::size_t total = step.share.total;
    DecodedImages d;
    d.scored = config.refine_per_batch == 0 ? total : std::min(total, config.refine_per_batch);
    const std::size_t n_paired = std::min(d.scored, step.needs.paired_images);
    for (std::size_t i = 0; i < step.batch.items.size(); ++i) {
        if (step.share.index[i] < d.scored) d.mine.push_back(i);
        if (step.share.index[i] < n_paired) d.paired.push_back(i);
    }
    auto token_of = [&](const Codebook& with, std::size_t i) {
        Assignment part;
        part.index.assign(t.assignment.index.begin() + std::ptrdiff_t(t.first[i]),
                          t.assignment.index.begin() + std::ptrdiff_t(t.first[i + 1]));
        return decode(with, make_token_grid(with, t.tiles[i], part));
    };
    d.tokens.resize(d.mine.size());
    parallel_for(d.mine.size(), [&](std::size_t k) { d.tokens[k] = token_of(*step.run.model.codebook, d.mine[k]); });
    d.unfitted.resize(d.paired.size());
    parallel_for(d.unfitted.size(), [&](std::size_t k) { d.unfitted[k] = token_of(*before, d.paired[k]); });
    d.before = std::move(before);
    return d;
}

}  // namespace lidecm::detail
