// The learner-update phase of a training step: what the rule asked to be measured,
// then the rule's update.
#include <algorithm>

#include "train/train_step.hpp"

namespace lidecm::detail {
namespace {

/// The paired objective's two evaluations of one image.
struct PairRecord {
    std::uint64_t at = 0;
    double loss_plus = 0, loss_minus = 0;
};

/// The paired objective on this rank's paired images (their tokens from the codebook
/// before this batch's update): refined MSE against the clean target at the rule's
/// two probes, every rank's in batch order.
/// The collaborative refiner's ladder keeps the rung the image got at its parameters
/// (one filter run per evaluation instead of the bisection's 3-4): the pair measures
/// the parameters, not a change of rung.
std::vector<PairedLoss> measure_pairs(const StepContext& step, const DecodedImages& decoded,
                                      const RefinedImages& refined, double quant_rms) {
    const TrainConfig& config = step.run.model.config;
    const std::vector<std::size_t>& paired = decoded.paired;
    std::vector<PairRecord> mine(paired.size());
    parallel_for(2 * paired.size(), [&](std::size_t k) {
        // paired are the first of decoded.mine, so refined.rung[local] is theirs.
        const std::size_t local = k / 2, i = paired[local], at = step.share.index[i];
        const bool plus = k % 2 == 0;
        const GraphParams p = step.run.rule->probes(step.run.learner, step.needs, refined.choices[at].params)[plus ? 0 : 1];
        RefineOptions o = learner_mapped(config.refine, p, config.learner.initial);
        if (o.refiner == Refiner::collaborative) {
            o.strength = std::min(10.0, refined.rung[local] * o.strength);
            o.strength_steps = 1;
        }
        const RefineResult r = refine_tokens(decoded.unfitted[local], *decoded.before, config.patch_size, o, quant_rms, p);
        mine[local].at = at;
        (plus ? mine[local].loss_plus : mine[local].loss_minus) = mse(r.image, step.batch.items[i].image);
    });
    std::vector<PairedLoss> pairs;
    for (const PairRecord& r : gather_in_order(step.comm, mine)) pairs.push_back({r.loss_plus, r.loss_minus});
    return pairs;
}

/// Every rank's tiles of the batch, in batch order.
PatchSet whole_batch_patches(Communicator& comm, std::vector<float> local, const BatchShare& share,
                             const TrainConfig& config) {
    const int side = (config.dataset.resolution + config.patch_size - 1) / config.patch_size;  // extract_tiles' grid
    Tiles shape;
    shape.rows = shape.cols = side;
    if (comm.size() == 1) return tile_patches(std::move(local), std::vector<Tiles>(share.total, shape), config);
    const std::vector<std::uint64_t> at = gather_records(comm, std::vector<std::uint64_t>(share.index.begin(), share.index.end()));
    const std::vector<float> values = gather_records(comm, local);
    const std::size_t per_image = at.empty() ? 0 : values.size() / at.size();
    std::vector<float> ordered(values.size());
    for (std::size_t k = 0; k < at.size(); ++k) {
        std::copy_n(values.begin() + std::ptrdiff_t(k * per_image), per_image,
                    ordered.begin() + std::ptrdiff_t(at[k] * per_image));
    }
    return tile_patches(std::move(ordered), std::vector<Tiles>(share.total, shape), config);
}

}  // namespace

void update_learner(const StepContext& step, TokenizedBatch&& tokens, const DecodedImages& decoded,
                    const RefinedImages& refined, StepOutcome& outcome, double quant_rms, BatchMetrics& m) {
    std::optional<PatchSet> patches;
    if (step.needs.batch_patches) {
        patches = whole_batch_patches(step.comm, std::move(tokens.values), step.share, step.run.model.config);
        outcome.batch_patches = &*patches;
    }
    if (step.needs.paired_images > 0) outcome.pairs = measure_pairs(step, decoded, refined, quant_rms);
    step.run.rule->update(step.run.learner, step.needs, outcome);
    m.attention_spread = step.run.rule->attention_spread(outcome);
}

}  // namespace lidecm::detail
