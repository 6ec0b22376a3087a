// The refine-and-score phases of a training step, and the refinement validation shares.
#include <algorithm>
#include <cmath>

#include "train/train_step.hpp"

namespace lidecm::detail {
namespace {

/// A scored image's head statistics and class, at its index in the batch.
struct HeadRecord {
    std::uint64_t at = 0;
    std::int32_t label = 0;
    HeadStats stats;
};

int class_of(const TrainingRun& run, int label) { return run.labelled ? label : EMParameterLearner::kAnyClass; }

RefineResult refine_with(const TrainingRun& run, const Image& token, const GraphParams& p, double quant_rms) {
    const TrainConfig& c = run.model.config;
    return refine_tokens(token, *run.model.codebook, c.patch_size, learner_mapped(c.refine, p, c.learner.initial),
                         quant_rms, p);
}

}  // namespace

double capped_psnr(const Image& a, const Image& b) { return std::min(100.0, psnr(a, b)); }

RefineResult refine(const TrainingRun& run, const Image& token, int label, double quant_rms) {
    const GraphParams p = run.rule->image_params(run.learner, class_of(run, label), token, run.model.config.patch_size);
    return refine_with(run, token, p, quant_rms);
}

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

// Head statistics are gathered so every rank knows every scored image's weights
// (the rule's update needs them all); a rule without them chooses for this rank's images only.
RefinedImages refine_scored(const StepContext& step, const TokenizedBatch& tokens, const DecodedImages& decoded,
                            double quant_rms) {
    const TrainingRun& run = step.run;
    const TrainConfig& config = run.model.config;
    const TrainingRule& rule = *run.rule;
    RefinedImages r;
    r.choices.resize(decoded.scored);
    if (step.needs.head_stats) {
        r.stats.resize(decoded.scored);
        std::vector<HeadRecord> mine;
        for (const std::size_t i : decoded.mine) {
            const PatchSet one = tile_patches(tokens.tiles[i].values, {tokens.tiles[i]}, config);
            mine.push_back({step.share.index[i], std::int32_t(step.batch.items[i].label),
                            EMParameterLearner::compute_head_stats(one)});
        }
        for (const HeadRecord& h : gather_in_order(step.comm, mine)) {
            r.stats[h.at] = h.stats;
            r.choices[h.at] = rule.choose(run.learner, {class_of(run, h.label), h.stats});
        }
    } else {
        for (const std::size_t i : decoded.mine) {
            r.choices[step.share.index[i]] = rule.choose(run.learner, {class_of(run, step.batch.items[i].label), {}});
        }
    }
    // The collaborative refiner's rung is kept for the paired images, measured at it.
    const bool rungs = step.needs.paired_images > 0 && config.refine.refiner == Refiner::collaborative;
    r.rung.assign(decoded.mine.size(), 1.0);
    r.mine.resize(decoded.mine.size());
    parallel_for(decoded.mine.size(), [&](std::size_t k) {
        const std::size_t i = decoded.mine[k], at = step.share.index[i];
        const int label = step.batch.items[i].label;
        const GraphParams& params = r.choices[at].params;
        RefineResult refined = refine_with(run, decoded.tokens[k], params, quant_rms);
        if (rungs) {
            const double top = learner_mapped(config.refine, params, config.learner.initial).strength;
            r.rung[k] = refined.strength_used > 0 ? refined.strength_used / top : 1.0;
        }
        const ImageScores s = score(step.batch.items[i].image, decoded.tokens[k], std::move(refined));
        const double loss = EMParameterLearner::compute_loss_proxy(s.mse, s.one_minus_ssim, s.smoothness);
        r.mine[k] = {at, std::int32_t(label), loss, s.mse, s.one_minus_ssim, s.smoothness, s.psnr_token, s.psnr_refined};
    });
    return r;
}

StepOutcome score_batch(const StepContext& step, const DecodedImages& decoded, const RefinedImages& refined,
                        BatchMetrics& m) {
    StepOutcome outcome;
    for (const ScoreRecord& s : gather_in_order(step.comm, refined.mine)) {
        m.loss += s.loss;
        m.mse += s.mse;
        m.one_minus_ssim += s.one_minus_ssim;
        m.smoothness += s.smoothness;
        m.psnr_token += s.psnr_token;
        m.psnr_refined += s.psnr_refined;
        ScoredImage image;
        image.class_index = class_of(step.run, s.label);
        if (!refined.stats.empty()) image.stats = refined.stats[s.at];
        image.weights = refined.choices[s.at].weights;
        image.loss = s.loss;
        image.smoothness = s.smoothness;
        outcome.images.push_back(image);
    }
    const double inv = 1.0 / double(decoded.scored);
    for (double* v : {&m.loss, &m.mse, &m.one_minus_ssim, &m.smoothness, &m.psnr_token, &m.psnr_refined}) *v *= inv;
    outcome.loss = m.loss;
    outcome.smoothness = m.smoothness;
    return outcome;
}

}  // namespace lidecm::detail
