// One training step (DESIGN §1) as the sequence of its phases (train_step.hpp); what
// the learner does in them is the run's TrainingRule's.
#include <cmath>

#include "core/stopwatch.hpp"
#include "train/train_step.hpp"

namespace lidecm::detail {
namespace {

/// The learner's figures after the step, and where the step's time went.
void finish_metrics(const StepContext& step, const Communicator::Traffic& before, Stopwatch& whole, BatchMetrics& m) {
    const GraphParams now = step.run.learner.get_parameters();
    m.sigma = now.sigma;
    m.tau = now.tau;
    m.attention = step.run.learner.last_attention();
    m.epoch = step.batch.epoch;
    m.batch = step.batch.index;
    m.images = step.share.total;
    const Communicator::Traffic after = step.comm.traffic();
    m.timings.communication = after.seconds - before.seconds;
    m.communication_bytes = after.bytes - before.bytes;
    m.timings.total = whole.lap();
    m.images_per_second = m.timings.total > 0 ? double(step.share.total) / m.timings.total : 0.0;
}

}  // namespace

BatchMetrics train_step(TrainingRun& run, const Batch& batch, Communicator& comm, const BatchShare& share) {
    StepNeeds needs = run.rule->needs(run.learner, run.model.config.seed);
    // The paired evaluation is most of the learner's cost; every rank counts the same steps.
    if (run.model.progress.step % std::uint64_t(run.model.config.learner_every) != 0) needs.paired_images = 0;
    const StepContext step{run, batch, comm, share, needs};
    BatchMetrics m;
    Stopwatch t, whole;
    const Communicator::Traffic traffic_before = comm.traffic();

    TokenizedBatch tokens = tokenize(step);
    m.timings.e_step = t.lap();
    std::optional<Codebook> before = update_codebook(step, tokens, m);
    m.timings.m_step = t.lap();
    // Scored images are refined at this batch's quantisation level (its RMS error before the update).
    const double quant_rms = std::sqrt(m.quant_mse);
    const DecodedImages decoded = decode_scored(step, tokens, std::move(before));
    m.timings.decode = t.lap();
    const RefinedImages refined = refine_scored(step, tokens, decoded, quant_rms);
    m.timings.refine = t.lap();
    StepOutcome outcome = score_batch(step, decoded, refined, m);
    m.timings.losses = t.lap();
    update_learner(step, std::move(tokens), decoded, refined, outcome, quant_rms, m);
    m.timings.learner = t.lap();

    finish_metrics(step, traffic_before, whole, m);
    return m;
}

}  // namespace lidecm::detail
