// One training step (DESIGN §1): E-step, M-step, refinement, losses, learner.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "core/random_salts.hpp"
#include "core/stopwatch.hpp"
#include "lidecm/codebook.hpp"
#include "lidecm/random.hpp"
#include "lidecm/tokenizer.hpp"
#include "train/train_internal.hpp"

namespace lidecm::detail {
namespace {

// Keeps the `capacity` tiles of largest error among the pool and the new
// candidates; ties keep the earlier tile, so the pool is deterministic.
void update_pool(ReseedPool& pool, const float* tiles, const std::vector<float>& errors, int dim,
                 std::size_t capacity) {
    const std::size_t old_n = pool.errors.size(), n = old_n + errors.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    auto error_of = [&](std::size_t i) { return i < old_n ? pool.errors[i] : errors[i - old_n]; };
    const std::size_t keep = std::min(capacity, n);
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(keep), order.end(),
                      [&](std::size_t a, std::size_t b) {
                          const float ea = error_of(a), eb = error_of(b);
                          return ea != eb ? ea > eb : a < b;
                      });
    ReseedPool next;
    next.tiles.reserve(keep * std::size_t(dim));
    for (std::size_t r = 0; r < keep; ++r) {
        const std::size_t i = order[r];
        const float* src = i < old_n ? pool.tiles.data() + i * std::size_t(dim) : tiles + (i - old_n) * std::size_t(dim);
        next.tiles.insert(next.tiles.end(), src, src + dim);
        next.errors.push_back(error_of(i));
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

/// The risk rule's part of a step: each scored image's attention (before this batch
/// joins the running statistics) and parameters.
struct ImagePlan {
    std::vector<HeadStats> stats;
    std::vector<AttentionWeights> weights;
    std::vector<GraphParams> params;
    std::vector<double> rung;  ///< collaborative refiner: the ladder rung chosen / the ladder's top
};

ImagePlan plan_images(const TrainingRun& run, const Batch& batch, const std::vector<Tiles>& tiles,
                      const TrainConfig& config, std::size_t scored) {
    ImagePlan plan;
    const bool heads = config.learner_mode == LearnerMode::attention;
    for (std::size_t i = 0; i < scored; ++i) {
        PatchSet one = batch_patches(tiles[i].values, {tiles[i]}, config);
        plan.stats.push_back(EMParameterLearner::compute_head_stats(one));
        plan.weights.push_back(heads ? run.learner.image_attention(plan.stats.back()) : AttentionWeights{});
        plan.params.push_back(run.learner.parameters_for(run.labelled ? batch.items[i].label : 0, plan.weights.back()));
    }
    return plan;
}

/// The paired objective on the first risk.paired_images scored images, their tokens
/// from `codebook` (the one before this batch's update): refined MSE against the
/// clean target at θ(image) ± δΔ, then one update of the learner.
/// The collaborative refiner's ladder keeps the rung the image got at θ (one filter
/// run per evaluation instead of the bisection's 3-4): the pair measures the
/// parameters, not a change of rung.
void paired_update(TrainingRun& run, const Batch& batch, const Codebook& codebook, const std::vector<Image>& tokens,
                   const ImagePlan& plan, double quant_rms, double batch_loss) {
    const TrainConfig& config = run.model.config;
    const std::size_t n = std::min(tokens.size(), config.learner.risk.paired_images);
    const std::array<int, 2> direction = run.learner.paired_direction(config.seed);
    std::vector<PairedSample> samples(n);
    parallel_for(2 * n, [&](std::size_t k) {
        const std::size_t i = k / 2;
        const int sign = k % 2 == 0 ? +1 : -1;
        const GraphParams p = run.learner.perturbed(plan.params[i], direction, sign);
        RefineOptions o = learner_mapped(config.refine, p, config.learner.initial);
        if (o.refiner == Refiner::collaborative) {
            o.strength = std::min(10.0, plan.rung[i] * o.strength);
            o.strength_steps = 1;
        }
        const RefineResult refined = refine_tokens(tokens[i], codebook, config.patch_size, o, quant_rms, p);
        const double loss = mse(refined.image, batch.items[i].image);
        (sign > 0 ? samples[i].loss_plus : samples[i].loss_minus) = loss;
    });
    for (std::size_t i = 0; i < n; ++i) {
        samples[i].class_index = run.labelled ? batch.items[i].label : 0;
        samples[i].weights = plan.weights[i];
    }
    for (const HeadStats& h : plan.stats) run.learner.observe(h);
    run.learner.update_paired(samples, direction, batch_loss);
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

BatchMetrics train_step(TrainingRun& run, const Batch& batch) {
    const TrainConfig& config = run.model.config;
    Codebook& codebook = *run.model.codebook;
    const std::size_t n_images = batch.items.size();
    BatchMetrics m;
    Stopwatch t, whole;

    // E-step: every tile of every image in one assignment.
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
    for (std::size_t i = 0; i < n_images; ++i) {
        std::copy(tiles[i].values.begin(), tiles[i].values.end(), all.begin() + std::ptrdiff_t(first[i] * dim));
    }
    const Assignment assignment = codebook.assign(all.data(), n_tiles, config.codebook.block_rows);
    m.timings.e_step = t.lap();

    // M-step: statistics, mini-batch update, candidates for re-seeding.
    CodebookStats stats(codebook.size(), dim);
    stats.accumulate(all.data(), n_tiles, assignment);
    // The risk rule's paired objective is measured on tokens of the codebook before
    // this update: tokens it has not fitted yet, as a held-out image's are (after the
    // update the batch's own tokens are closer than the level they are refined at,
    // and the learner would learn to filter less than held-out images need).
    const bool paired = config.learner.rule == LearnerRule::risk && config.learner_mode != LearnerMode::fixed;
    std::optional<Codebook> before;
    if (paired) before = codebook;
    codebook.minibatch_update(stats);
    update_pool(run.model.reseed_pool, all.data(), assignment.sq_distance, dim, std::size_t(codebook.size()));
    const CodebookUsage use = usage(stats);
    m.usage = use.used_fraction;
    m.perplexity = use.perplexity;
    m.quant_mse = use.mse;
    m.timings.m_step = t.lap();

    // Decode with the updated codewords, refine with the learner's parameters at
    // this batch's quantisation level (its RMS error before the update). Only the
    // first `scored` images (the batch is in shuffled order) are refined and scored:
    // the learner needs a sample, and collaborative refinement costs ~4 filter runs.
    const std::size_t scored =
        config.refine_per_batch == 0 ? n_images : std::min(n_images, config.refine_per_batch);
    auto token_of = [&](const Codebook& with, std::size_t i) {
        Assignment part;
        part.index.assign(assignment.index.begin() + std::ptrdiff_t(first[i]),
                          assignment.index.begin() + std::ptrdiff_t(first[i + 1]));
        return decode(with, make_token_grid(with, tiles[i], part));
    };
    std::vector<Image> tokens(scored);
    parallel_for(scored, [&](std::size_t i) { tokens[i] = token_of(codebook, i); });
    std::vector<Image> unfitted(paired ? std::min(scored, config.learner.risk.paired_images) : 0);
    parallel_for(unfitted.size(), [&](std::size_t i) { unfitted[i] = token_of(*before, i); });
    m.timings.decode = t.lap();
    const bool risk = config.learner.rule == LearnerRule::risk;
    ImagePlan plan = risk ? plan_images(run, batch, tiles, config, scored) : ImagePlan{};
    plan.rung.assign(scored, 1.0);
    std::vector<ImageScores> scores(scored);
    parallel_for(scored, [&](std::size_t i) {
        const int label = batch.items[i].label;
        const double rms = std::sqrt(m.quant_mse);
        RefineResult refined = risk ? refine_with(run, tokens[i], plan.params[i], rms) : refine(run, tokens[i], label, rms);
        if (risk && config.refine.refiner == Refiner::collaborative) {
            const double top = learner_mapped(config.refine, plan.params[i], config.learner.initial).strength;
            plan.rung[i] = refined.strength_used > 0 ? refined.strength_used / top : 1.0;
        }
        scores[i] = score(batch.items[i].image, tokens[i], std::move(refined));
    });
    m.timings.refine = t.lap();
    std::vector<double> losses(scored);
    for (std::size_t i = 0; i < scored; ++i) {
        const ImageScores& s = scores[i];
        losses[i] = EMParameterLearner::compute_loss_proxy(s.mse, s.one_minus_ssim, s.smoothness);
        m.loss += losses[i];
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
            paired_update(run, batch, *before, unfitted, plan, std::sqrt(m.quant_mse), m.loss);
        }
        m.attention_spread = spread(plan.weights);
    } else switch (config.learner_mode) {
        case LearnerMode::fixed: break;
        case LearnerMode::plain: run.learner.update_global_params(m.loss, m.smoothness, nullptr); break;
        case LearnerMode::attention: {
            const PatchSet patches = batch_patches(std::move(all), tiles, config);
            run.learner.update_global_params(m.loss, m.smoothness, &patches);
            break;
        }
    }
    if (!risk && config.learner_mode != LearnerMode::fixed) {
        for (std::size_t i = 0; i < scored; ++i) {
            run.learner.update_class_params(run.labelled ? batch.items[i].label : 0, losses[i], scores[i].smoothness);
        }
    }
    m.timings.learner = t.lap();

    const GraphParams now = run.learner.get_parameters();
    m.sigma = now.sigma;
    m.tau = now.tau;
    m.attention = run.learner.last_attention();
    m.epoch = batch.epoch;
    m.batch = batch.index;
    m.images = n_images;
    m.timings.total = whole.lap();
    m.images_per_second = m.timings.total > 0 ? double(n_images) / m.timings.total : 0.0;
    return m;
}

}  // namespace lidecm::detail
