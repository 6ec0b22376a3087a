#pragma once
// Blind self-tuning of the collaborative filter (what `lidecm denoise` does by
// default): the filter's strength (the multiplier on the σ both stages assume) is
// chosen per image by minimising Monte-Carlo SURE (sure.hpp), an unbiased estimate
// of the output's MSE made from the noisy image and σ̂ alone.
//
// Search: SURE at the candidate strengths (by default 0.85, 1, 1.18); when the best
// is at an end of the range, one more step outward, up to max_evaluations; then a
// parabola through the best and its two neighbours in log strength, its vertex kept
// inside them. Every evaluation uses the same probe, so their differences are precise.
//
// Whole-image groups (CollaborativeOptions::global_candidates): the evaluations rank the
// strengths without them (eval_global_candidates), then one more evaluation at the best
// strength with them decides whether the final run uses them.
//
// Strong noise falls back to the table: at σ̂ ≥ max_sigma no strength is evaluated and the
// strength stays the base's (SelfTuneResult::skipped_because says so); the whole-image check
// still runs, at that strength (one evaluation without the groups, one with). SURE assumes Gaussian
// noise of a known σ; 8-bit noise that strong is clipped at 0 and 255 on many values, which
// also makes σ̂ read low, and SURE's error then differs between strengths by more than the
// differences it must rank (issue #26, BENCHMARKS.md).
//
// Cost: the evaluations run a cheaper configuration of the filter (eval_step and
// eval_search_radius; SURE ranks strengths the same way, BENCHMARKS.md) on the whole
// image when it has at most max_eval_pixels pixels, else on crops spread evenly
// over it; then one full run at the chosen strength.
#include <optional>
#include <string>
#include <vector>

#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/denoise/sure.hpp"

namespace lidecm {

/// Options of self_tuned_denoise.
struct SelfTuneOptions {
    std::vector<double> strengths = {0.85, 1.0, 1.18};  ///< first candidates, increasing, in (0, 10]
    int max_evaluations = 5;          ///< candidates plus the steps outward
    int eval_step = 6;                ///< reference step of the evaluation runs
    int eval_search_radius = 16;      ///< search radius of the evaluation runs
    /// Whole-image candidates per group of the evaluation runs, at most the base's
    /// (CollaborativeOptions::global_candidates). 0: SURE ranks the strengths with the
    /// window alone; on the document pages, against 8: −0.35 / −0.27 / +0.04 dB at σ 10 /
    /// 25 / 50 for half the time (1.4–1.6× the default's instead of 3.0–3.1×, BENCHMARKS.md).
    int eval_global_candidates = 0;
    std::size_t max_eval_pixels = std::size_t(1) << 18;  ///< larger images are evaluated on crops of this many pixels in all
    int crop_side = 128;              ///< side of those crops, px
    /// σ̂ below this (in [0,1] units; 0.5/255) counts as a clean image: no tuning, strength 1.
    double min_sigma = 0.5 / 255.0;
    /// σ̂ at or above this (in [0,1] units; 25/255) is not tuned either: the table's strength
    /// (the header says why). Below it SURE gained over the table on the dev set and on the
    /// nature photos (experiments/photo_sets); from σ̂ ≈ 25 up it lost, most on the nature
    /// photos and the more the stronger the noise (−0.07 dB at σ 30, −0.20 at σ 50; BENCHMARKS.md).
    double max_sigma = 25.0 / 255.0;
    SureOptions sure;

    /// Throws InvalidArgument naming the field when a value is out of range.
    void validate() const;
};

/// One SURE evaluation.
struct SureEvaluation {
    double strength = 0;
    SureEstimate sure;
};

struct SelfTuneResult {
    CollaborativeResult result;  ///< the full run at `strength`
    double strength = 1.0;       ///< chosen multiplier
    bool tuned = false;          ///< false: skipped (see skipped_because), strength is the base's
    std::string skipped_because;
    std::vector<SureEvaluation> evaluations;  ///< in the order they ran
    /// When the base asks for more whole-image candidates than the evaluations used: SURE at
    /// the best evaluated strength with the base's; the final run uses them only if it is
    /// lower there than the evaluation's own.
    std::optional<SureEvaluation> global_check;
    int global_candidates = 0;    ///< whole-image candidates per group of the final run
    std::size_t eval_pixels = 0;  ///< pixels each evaluation filtered
    double tune_seconds = 0;      ///< the evaluations (the full run's time is in result.timings)
};

/// Chooses the strength for `noisy` by SURE and denoises with it. `base` holds σ̂
/// (noise_sigma) and every other option; base.strength multiplies the candidates.
/// Throws InvalidArgument for bad options or an image smaller than a patch.
SelfTuneResult self_tuned_denoise(ImageView noisy, const CollaborativeOptions& base,
                                  const SelfTuneOptions& options = {});

}  // namespace lidecm
