#pragma once
// Internal: the phases of one training step (DESIGN §1), in the order train_step runs
// them. Each rank runs every phase on its share of the batch; what a phase needs of the
// other ranks it gathers in batch order (distributed.hpp), so N ranks compute what one
// process computes.
#include <cstdint>
#include <optional>
#include <vector>

#include "lidecm/codebook/codebook.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/learner/training_rule.hpp"
#include "train/distributed.hpp"
#include "train/train_internal.hpp"

namespace lidecm::detail {

/// What every phase of a step works on.
struct StepContext {
    TrainingRun& run;
    const Batch& batch;
    Communicator& comm;
    const BatchShare& share;
    StepNeeds needs;  ///< what the run's rule asked of this step
};

/// Tokenize (E-step): every tile of this rank's images and its nearest codeword.
struct TokenizedBatch {
    std::vector<Tiles> tiles;             ///< per local image
    std::vector<std::size_t> first;       ///< where each image's tiles start in `values` (and one past the end)
    std::vector<float> values;            ///< every tile, row after row
    std::vector<std::uint64_t> keys;      ///< each tile's index among the whole batch's
    Assignment assignment;
};
TokenizedBatch tokenize(const StepContext& step);

/// Statistics (M-step): every rank's sufficient statistics summed, the mini-batch update,
/// the re-seeding pool and the batch's usage figures in `m`. Returns the codebook before
/// the update when the rule measures paired images on it.
std::optional<Codebook> update_codebook(const StepContext& step, const TokenizedBatch& tokens, BatchMetrics& m);

/// Decode: the token reconstructions of this rank's scored images (the batch's first
/// `scored`) and, on the codebook `before` the update, of its paired ones (a prefix of them).
struct DecodedImages {
    std::size_t scored = 0;                   ///< images of the whole batch refined and scored
    std::vector<std::size_t> mine, paired;    ///< local indices
    std::vector<Image> tokens, unfitted;      ///< per entry of `mine` / `paired`
    std::optional<Codebook> before;           ///< what `unfitted` was decoded with
};
DecodedImages decode_scored(const StepContext& step, const TokenizedBatch& tokens, std::optional<Codebook> before);

/// Refine: the rule's choice for each scored image and this rank's refined images' figures.
struct ScoreRecord {
    std::uint64_t at = 0;  ///< index in the batch
    std::int32_t label = 0;
    double loss = 0, mse = 0, one_minus_ssim = 0, smoothness = 0, psnr_token = 0, psnr_refined = 0;
};
struct RefinedImages {
    std::vector<ImageChoice> choices;  ///< by index in the batch; every rank's when the rule needs head statistics
    std::vector<HeadStats> stats;      ///< by index in the batch, when the rule needs head statistics
    std::vector<double> rung;          ///< per entry of `mine` when pairs are measured: the ladder's rung chosen / its top
    std::vector<ScoreRecord> mine;     ///< per entry of DecodedImages::mine
};
RefinedImages refine_scored(const StepContext& step, const TokenizedBatch& tokens, const DecodedImages& decoded,
                            double quant_rms);

/// Score: every rank's figures in batch order, as the rule's outcome; the batch's means in `m`.
StepOutcome score_batch(const StepContext& step, const DecodedImages& decoded, const RefinedImages& refined,
                        BatchMetrics& m);

/// Learner update: the paired images measured, the batch's patches when asked, the
/// rule's update; the spread of the heads' weights in `m`.
void update_learner(const StepContext& step, TokenizedBatch&& tokens, const DecodedImages& decoded,
                    const RefinedImages& refined, StepOutcome& outcome, double quant_rms, BatchMetrics& m);

/// Tiles as one patch set, each tile at its corner in its own image.
PatchSet tile_patches(std::vector<float> values, const std::vector<Tiles>& tiles, const TrainConfig& config);

}  // namespace lidecm::detail
