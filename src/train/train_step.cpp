// One training step (DESIGN §1): E-step, M-step, refinement, losses, learner.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "core/random_salts.hpp"
#include "core/stopwatch.hpp"
#include "lidecm/codebook/codebook.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "train/distributed.hpp"
#include "train/train_internal.hpp"

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

// The batch's tiles as one patch set, each tile at its corner in its own image.
PatchSet batch_patches(std::vector<float> values, const std::vector<Tiles>& tiles, const TrainConfig& config) {
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

}  // namespace

double capped_psnr(const Image& a, const Image& b) { return std::min(100.0, psnr(a, b)); }

Image model_input(const TrainConfig& config, const Image& target, int epoch, std::size_t item) {
    if (config.input_noise <= 0 && config.input_noise_max <= 0) return target;
    RandomStream rng{config.seed, kInputNoiseSalt, std::uint64_t(std::int64_t(epoch)), item};
    const std::uint64_t seed = rng.next();
    double sigma = config.input_noise;
    if (config.input_noise_max > config.input_noise) sigma += (config.input_noise_max - config.input_noise) * rng.uniform();
    return add_gaussian_noise(target, sigma, seed, true);
}

GraphParams refine_params(const TrainingRun& run, int label, const Image& token) {
    if (run.learner.options().rule == LearnerRule::risk) {
        const int cls = run.labelled ? label : 0;
        if (run.model.config.learner_mode == LearnerMode::plain) return run.learner.parameters_for(cls, {});
        return run.learner.image_parameters(token, run.model.config.patch_size, cls);
    }
    return run.labelled ? run.learner.get_parameters(label) : run.learner.get_parameters();
}

RefineResult refine_with(const TrainingRun& run, const Image& token, const GraphParams& p, double quant_rms) {
    const TrainConfig& c = run.model.config;
    return refine_tokens(token, *run.model.codebook, c.patch_size, learner_mapped(c.refine, p, c.learner.initial),
                         quant_rms, p);
}

RefineResult refine(const TrainingRun& run, const Image& token, int label, double quant_rms) {
    return refine_with(run, token, refine_params(run, label, token), quant_rms);
}

namespace {

/// Standard deviation of each head's weight over the images.
AttentionWeights spread(const std::vector<AttentionWeights>& w) {
    AttentionWeights mean{0, 0, 0, 0}, sq{0, 0, 0, 0};
    if (w.empty()) return mean;
    const double n = double(w.size());
    for (const AttentionWeights& a : w) {
        mean.texture += a.texture / n;
        mean.structure += a.structure / n;
        mean.color += a.color / n;
        mean.spatial += a.spatial / n;
    }
    for (const AttentionWeights& a : w) {
        sq.texture += (a.texture - mean.texture) * (a.texture - mean.texture) / n;
        sq.structure += (a.structure - mean.structure) * (a.structure - mean.structure) / n;
        sq.color += (a.color - mean.color) * (a.color - mean.color) / n;
        sq.spatial += (a.spatial - mean.spatial) * (a.spatial - mean.spatial) / n;
    }
    return {std::sqrt(sq.texture), std::sqrt(sq.structure), std::sqrt(sq.color), std::sqrt(sq.spatial)};
}

/// A scored image's head statistics and class, at its index in the batch.
struct HeadRecord {
    std::uint64_t at = 0;
    std::int32_t label = 0;
    HeadStats stats;
};

/// The risk rule's part of a step: each of the batch's scored images' attention (before
/// this batch joins the running statistics) and parameters, in batch order; the
/// collaborative refiner's rung for this rank's scored images.
struct ImagePlan {
    std::vector<HeadStats> stats;
    std::vector<int> labels;
    std::vector<AttentionWeights> weights;
    std::vector<GraphParams> params;
    std::vector<double> rung;  ///< per local scored image: the ladder rung chosen / the ladder's top
};

ImagePlan plan_images(Communicator& comm, const TrainingRun& run, const Batch& batch, const std::vector<Tiles>& tiles,
                      const std::vector<std::size_t>& scored, const BatchShare& share) {
    const TrainConfig& config = run.model.config;
    std::vector<HeadRecord> mine;
    for (const std::size_t i : scored) {
        const PatchSet one = batch_patches(tiles[i].values, {tiles[i]}, config);
        mine.push_back({share.index[i], std::int32_t(batch.items[i].label), EMParameterLearner::compute_head_stats(one)});
    }
    ImagePlan plan;
    const bool heads = config.learner_mode == LearnerMode::attention;
    for (const HeadRecord& r : gather_in_order(comm, mine)) {
        plan.stats.push_back(r.stats);
        plan.labels.push_back(r.label);
        plan.weights.push_back(heads ? run.learner.image_attention(r.stats) : AttentionWeights{});
        plan.params.push_back(run.learner.parameters_for(run.labelled ? r.label : 0, plan.weights.back()));
    }
    return plan;
}

/// The paired objective's two evaluations of one image.
struct PairRecord {
    std::uint64_t at = 0;
    double loss_plus = 0, loss_minus = 0;
};

/// The paired objective on the batch's first risk.paired_images scored images (`paired`:
/// this rank's, local indices into `tokens`, their tokens from the codebook before this
/// batch's update): refined MSE against the clean target at θ(image) ± δΔ, then one
/// update of the learner with every rank's pairs in batch order.
/// The collaborative refiner's ladder keeps the rung the image got at θ (one filter
/// run per evaluation instead of the bisection's 3-4): the pair measures the
/// parameters, not a change of rung.
void paired_update(Communicator& comm, TrainingRun& run, const Batch& batch, const Codebook& codebook,
                   const std::vector<Image>& tokens, const std::vector<std::size_t>& paired, const BatchShare& share,
                   const ImagePlan& plan, double quant_rms, double batch_loss) {
    const TrainConfig& config = run.model.config;
    const std::array<int, 2> direction = run.learner.paired_direction(config.seed);
    std::vector<PairRecord> mine(paired.size());
    parallel_for(2 * paired.size(), [&](std::size_t k) {
        const std::size_t local = k / 2, i = paired[local], at = share.index[i];
        const int sign = k % 2 == 0 ? +1 : -1;
        const GraphParams p = run.learner.perturbed(plan.params[at], direction, sign);
        RefineOptions o = learner_mapped(config.refine, p, config.learner.initial);
        if (o.refiner == Refiner::collaborative) {
            o.strength = std::min(10.0, plan.rung[local] * o.strength);
            o.strength_steps = 1;
        }
        const RefineResult refined = refine_tokens(tokens[local], codebook, config.patch_size, o, quant_rms, p);
        mine[local].at = at;
        (sign > 0 ? mine[local].loss_plus : mine[local].loss_minus) = mse(refined.image, batch.items[i].image);
    });
    std::vector<PairedSample> samples;
    for (const PairRecord& r : gather_in_order(comm, mine)) {
        PairedSample sample;
        sample.class_index = run.labelled ? plan.labels[r.at] : 0;
        sample.weights = plan.weights[r.at];
        sample.loss_plus = r.loss_plus;
        sample.loss_minus = r.loss_minus;
        samples.push_back(sample);
    }
    for (const HeadStats& h : plan.stats) run.learner.observe(h);
    run.learner.update_paired(samples, direction, batch_loss);
}

/// A scored image's figures, at its index in the batch.
struct ScoreRecord {
    std::uint64_t at = 0;
    std::int32_t label = 0;
    double loss = 0, mse = 0, one_minus_ssim = 0, smoothness = 0, psnr_token = 0, psnr_refined = 0;
};

/// The seed rule's patches: every rank's tiles of the batch, in batch order.
PatchSet whole_batch_patches(Communicator& comm, std::vector<float> local, const BatchShare& share,
                             const TrainConfig& config) {
    const int side = (config.dataset.resolution + config.patch_size - 1) / config.patch_size;  // extract_tiles' grid
    Tiles shape;
    shape.rows = shape.cols = side;
    if (comm.size() == 1) return batch_patches(std::move(local), std::vector<Tiles>(share.total, shape), config);
    const std::vector<std::uint64_t> at = gather_records(comm, std::vector<std::uint64_t>(share.index.begin(), share.index.end()));
    const std::vector<float> values = gather_records(comm, local);
    const std::size_t per_image = at.empty() ? 0 : values.size() / at.size();
    std::vector<float> ordered(values.size());
    for (std::size_t k = 0; k < at.size(); ++k) {
        std::copy_n(values.begin() + std::ptrdiff_t(k * per_image), per_image,
                    ordered.begin() + std::ptrdiff_t(at[k] * per_image));
    }
    return batch_patches(std::move(ordered), std::vector<Tiles>(share.total, shape), config);
}

}  // namespace

ImageScores score(const Image& target, const Image& token, RefineResult refined, bool token_ssim) {
    ImageScores s;
    s.refined = std::move(refined.image);
    s.smoothness = refined.smoothness;
    s.mse = mse(s.refined, target);
    s.one_minus_ssim = 1.0 - ssim(s.refined, target);
    s.psnr_refined = capped_psnr(s.refined, target);
    s.psnr_token = capped_psnr(token, target);
    if (token_ssim) s.ssim_token = ssim(token, target);
    return s;
}

BatchMetrics train_step(TrainingRun& run, const Batch& batch, Communicator& comm, const BatchShare& share) {
    const TrainConfig& config = run.model.config;
    Codebook& codebook = *run.model.codebook;
    const std::size_t n_images = batch.items.size();
    BatchMetrics m;
    Stopwatch t, whole;
    const Communicator::Traffic traffic_before = comm.traffic();

    // E-step: every tile of this rank's images in one assignment.
    std::vector<Image> inputs(n_images);
    std::vector<Tiles> tiles(n_images);
    parallel_for(n_images, [&](std::size_t i) {
        inputs[i] = model_input(config, batch.items[i].image, batch.epoch, batch.items[i].index);
        tiles[i] = extract_tiles(inputs[i], config.patch_size);
    });
    const int dim = codebook.dim();
    std::vector<std::size_t> first(n_images + 1, 0);
    for (std::size_t i = 0; i < n_images; ++i) first[i + 1] = first[i] + tiles[i].size();
    const std::size_t n_tiles = first[n_images];
    std::vector<float> all(n_tiles * std::size_t(dim));
    std::vector<std::uint64_t> keys(n_tiles);  // each tile's index among the whole batch's
    for (std::size_t i = 0; i < n_images; ++i) {
        std::copy(tiles[i].values.begin(), tiles[i].values.end(), all.begin() + std::ptrdiff_t(first[i] * dim));
        for (std::size_t k = 0; k < tiles[i].size(); ++k) keys[first[i] + k] = share.index[i] * tiles[i].size() + k;
    }
    Assignment assignment;
    if (n_tiles > 0) assignment = codebook.assign(all.data(), n_tiles, config.codebook.block_rows);
    m.timings.e_step = t.lap();

    // M-step: statistics of every rank's share, mini-batch update, candidates for re-seeding.
    CodebookStats stats(codebook.size(), dim);
    if (n_tiles > 0) stats.accumulate(all.data(), n_tiles, assignment);
    sum_stats(comm, stats);
    // The risk rule's paired objective is measured on tokens of the codebook before
    // this update: tokens it has not fitted yet, as a held-out image's are (after the
    // update the batch's own tokens are closer than the level they are refined at,
    // and the learner would learn to filter less than held-out images need).
    const bool paired = config.learner.rule == LearnerRule::risk && config.learner_mode != LearnerMode::fixed;
    std::optional<Codebook> before;
    if (paired) before = codebook;
    codebook.minibatch_update(stats);
    update_pool(comm, run.model.reseed_pool, all.data(), assignment.sq_distance, keys, dim,
                std::size_t(codebook.size()));
    const CodebookUsage use = usage(stats);
    m.usage = use.used_fraction;
    m.perplexity = use.perplexity;
    m.quant_mse = use.mse;
    m.timings.m_step = t.lap();

    // Decode with the updated codewords, refine with the learner's parameters at
    // this batch's quantisation level (its RMS error before the update). Only the
    // batch's first `scored` images (it is in shuffled order) are refined and scored,
    // each by the rank that holds it: the learner needs a sample, and collaborative
    // refinement costs ~4 filter runs.
    const std::size_t scored =
        config.refine_per_batch == 0 ? share.total : std::min(share.total, config.refine_per_batch);
    const std::size_t n_paired = paired ? std::min(scored, config.learner.risk.paired_images) : 0;
    std::vector<std::size_t> mine, mine_paired;  // local indices
    for (std::size_t i = 0; i < n_images; ++i) {
        if (share.index[i] < scored) mine.push_back(i);
        if (share.index[i] < n_paired) mine_paired.push_back(i);
    }
    auto token_of = [&](const Codebook& with, std::size_t i) {
        Assignment part;
        part.index.assign(assignment.index.begin() + std::ptrdiff_t(first[i]),
                          assignment.index.begin() + std::ptrdiff_t(first[i + 1]));
        return decode(with, make_token_grid(with, tiles[i], part));
    };
    std::vector<Image> tokens(mine.size());
    parallel_for(mine.size(), [&](std::size_t k) { tokens[k] = token_of(codebook, mine[k]); });
    std::vector<Image> unfitted(mine_paired.size());
    parallel_for(unfitted.size(), [&](std::size_t k) { unfitted[k] = token_of(*before, mine_paired[k]); });
    m.timings.decode = t.lap();
    const bool risk = config.learner.rule == LearnerRule::risk;
    ImagePlan plan = risk ? plan_images(comm, run, batch, tiles, mine, share) : ImagePlan{};
    plan.rung.assign(mine.size(), 1.0);
    std::vector<ScoreRecord> my_scores(mine.size());
    parallel_for(mine.size(), [&](std::size_t k) {
        const std::size_t i = mine[k], at = share.index[i];
        const int label = batch.items[i].label;
        const double rms = std::sqrt(m.quant_mse);
        RefineResult refined =
            risk ? refine_with(run, tokens[k], plan.params[at], rms) : refine(run, tokens[k], label, rms);
        if (risk && config.refine.refiner == Refiner::collaborative) {
            const double top = learner_mapped(config.refine, plan.params[at], config.learner.initial).strength;
            plan.rung[k] = refined.strength_used > 0 ? refined.strength_used / top : 1.0;
        }
        const ImageScores s = score(batch.items[i].image, tokens[k], std::move(refined));
        const double loss = EMParameterLearner::compute_loss_proxy(s.mse, s.one_minus_ssim, s.smoothness);
        my_scores[k] = {at, std::int32_t(label), loss, s.mse, s.one_minus_ssim, s.smoothness, s.psnr_token, s.psnr_refined};
    });
    m.timings.refine = t.lap();
    const std::vector<ScoreRecord> scores = gather_in_order(comm, my_scores);
    for (const ScoreRecord& s : scores) {
        m.loss += s.loss;
        m.mse += s.mse;
        m.one_minus_ssim += s.one_minus_ssim;
        m.smoothness += s.smoothness;
        m.psnr_token += s.psnr_token;
        m.psnr_refined += s.psnr_refined;
    }
    const double inv = 1.0 / double(scored);
    for (double* v : {&m.loss, &m.mse, &m.one_minus_ssim, &m.smoothness, &m.psnr_token, &m.psnr_refined}) *v *= inv;
    m.timings.losses = t.lap();

    // Learner. Risk rule: the paired objective on the batch's first images. Seed
    // rule: one global update with every tile of the batch (centers in each image's
    // own coordinates), then one per-class update per scored image.
    if (risk) {
        if (config.learner_mode != LearnerMode::fixed) {
            // mine_paired are the first of `mine`, so plan.rung[k] is theirs.
            paired_update(comm, run, batch, *before, unfitted, mine_paired, share, plan, std::sqrt(m.quant_mse), m.loss);
        }
        m.attention_spread = spread(plan.weights);
    } else switch (config.learner_mode) {
        case LearnerMode::fixed: break;
        case LearnerMode::plain: run.learner.update_global_params(m.loss, m.smoothness, nullptr); break;
        case LearnerMode::attention: {
            const PatchSet patches = whole_batch_patches(comm, std::move(all), share, config);
            run.learner.update_global_params(m.loss, m.smoothness, &patches);
            break;
        }
    }
    if (!risk && config.learner_mode != LearnerMode::fixed) {
        for (const ScoreRecord& s : scores) {
            run.learner.update_class_params(run.labelled ? s.label : 0, s.loss, s.smoothness);
        }
    }
    m.timings.learner = t.lap();

    const GraphParams now = run.learner.get_parameters();
    m.sigma = now.sigma;
    m.tau = now.tau;
    m.attention = run.learner.last_attention();
    m.epoch = batch.epoch;
    m.batch = batch.index;
    m.images = share.total;
    const Communicator::Traffic traffic_after = comm.traffic();
    m.timings.communication = traffic_after.seconds - traffic_before.seconds;
    m.communication_bytes = traffic_after.bytes - traffic_before.bytes;
    m.timings.total = whole.lap();
    m.images_per_second = m.timings.total > 0 ? double(share.total) / m.timings.total : 0.0;
    return m;
}

}  // namespace lidecm::detail
