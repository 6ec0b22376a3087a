#pragma once
// Token refinement: cleaning a token reconstruction (decode of a token grid).
//
// The reconstruction differs from the image it stands for by the quantisation
// error, whose RMS the codebook knows (training measures it on every batch and
// stores the validation images' level in the model). The collaborative refiner
// treats that error as the noise of collaborative_denoise (BM3D class):
// σ = strength × quant_rms. The error is not white noise: it is the texture a
// codeword leaves out plus steps at the tile borders. Measured on held-out
// photos and on the demo's validation tiles (experiments/training_quality/refine_scan, BENCHMARKS.md):
//  - at strength 1 with the Gaussian-noise options the gain is small (+0.4 dB);
//  - smooth photos gain most far above it (strength 5–6: +1.1 dB), while grass
//    and text lose there what they gain at 1–1.5: no one strength serves both;
//  - pulling tiles back into their codeword's cell (keep_codewords) is never
//    worse and lets a strong filter keep its gain.
// Hence the defaults: a ladder of strengths, per image the strongest rung whose
// pull-back touches at most 7.5 % of the tiles — a filter that pushes many tiles
// out of their cells is fighting what the tokens say. It is blind (needs no
// original) and lands near each image set's best fixed strength.
//
// keep_codewords: every refined tile is pulled back toward the token
// reconstruction by the least amount that keeps its own codeword its nearest:
// x = token + t·(refined − token) with the largest t ∈ [0, 1] inside the
// codeword's Voronoi cell, a closed form per tile (the ray leaves the cell at the
// smallest, over codewords j, of the bound each half-space sets; token_refine.cpp).
// The result is checked by encoding it again, so it always re-encodes to the
// tokens of the reconstruction it came from: refinement adds nothing the tokens deny.
//
// How the learner's parameters drive the collaborative refiner (learner_mapped;
// the learner's rules are unchanged, it moves sigma and tau as it always has):
//   strength     = RefineOptions::strength × sigma / sigma₀   (the ladder's top, capped at 10)
//   lambda_hard  = RefineOptions::filter.lambda_hard × tau / tau₀
// where sigma₀, tau₀ are the learner's starting values (LearnerOptions::initial),
// so an untrained learner gives the measured defaults. Training with this
// refiner starts the learner at the seed's 0.3 / 0.1, so its clamp ranges
// (sigma ∈ [0.1, 0.5], tau ∈ [0.05, 0.3]) scale them by [1/3, 5/3] and [1/2, 3].
// radius, sigma_s, sigma_f, smooth_steps, patch and stride mean nothing to it.
// The graph refiner takes the learner's parameters as they are.
#include "lidecm/codebook/codebook.hpp"
#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"

namespace lidecm {

/// Which filter refines token reconstructions.
enum class Refiner {
    graph,          ///< the seed's patch-graph diffusion (GraphParams)
    collaborative,  ///< collaborative patch-group filtering at the quantisation level
};

/// The collaborative filter options token refinement starts from (measured on
/// held-out photos, see token_refine.cpp for each choice).
CollaborativeOptions refine_filter_defaults();

/// How a run refines token reconstructions (stored in TrainConfig::refine, so
/// `detokenize --refine` refines as training did).
struct RefineOptions {
    Refiner refiner = Refiner::collaborative;
    /// σ the collaborative refiner assumes, in units of the quantisation RMS: the
    /// strongest rung of the ladder below (or the one strength when it has one rung).
    double strength = 6.0;
    /// Rungs of the strength ladder, strength · 2^(−i/2) for i = 0 … steps − 1
    /// (6: strength 6 down to 1.06). 1 = always `strength`.
    int strength_steps = 6;
    /// Per image, the strongest rung whose keep-codewords pull-back touches at
    /// most this share of the tiles (found by bisection: 3–4 filter runs). A
    /// filter that pushes many tiles out of their codeword's cell is fighting
    /// the tokens; measured, this picks ~1–1.5 for grass and text and 4–6 for
    /// photos, each near its best fixed strength (BENCHMARKS.md). 0 = off.
    double max_pulled_back = 0.075;
    /// Pull each refined tile back until its own codeword is again its nearest
    /// (measured: never worse, and it lets a strong filter gain more).
    bool keep_codewords = true;
    /// The collaborative filter's options; its noise_sigma and strength are set
    /// by refine_tokens from the quantisation RMS and `strength`.
    CollaborativeOptions filter = refine_filter_defaults();

    /// Throws InvalidArgument naming the field when a value is out of range.
    void validate() const;
};

struct RefineResult {
    Image image;  ///< the refined reconstruction, same shape as the input
    /// The graph's smoothness (seed formula) for the graph refiner; for the
    /// collaborative refiner a neutral 0.5 (it has no graph; see token_refine.cpp).
    double smoothness = 0.0;
    std::size_t tiles_pulled_back = 0;  ///< tiles a keep-codewords pull-back shortens (0 without one)
    double strength_used = 0.0;         ///< collaborative: the rung chosen (× quant_rms = the σ filtered at)
};

/// The options a learner's current parameters give (the mapping above): strength
/// and filter.lambda_hard scaled by learned / start sigma and tau. `start` is the
/// learner's LearnerOptions::initial. The graph refiner takes `learned` as it is.
RefineOptions learner_mapped(const RefineOptions& base, const GraphParams& learned, const GraphParams& start);

/// Refines `tokens`, the decode of a token grid made with `codebook` and
/// `patch_size`: the graph refiner denoises with `graph`; the collaborative
/// refiner filters at σ = rung × quant_rms, the rung chosen as described at
/// max_pulled_back (an image smaller than the filter's patch is returned as it is). Throws InvalidArgument for bad
/// options or a negative or non-finite quant_rms.
RefineResult refine_tokens(const Image& tokens, const Codebook& codebook, int patch_size, const RefineOptions& options,
                           double quant_rms, const GraphParams& graph);

/// The largest t ∈ [0, 1] for which token + t·(refined − token) still has codeword
/// `own` nearest among the codebook's (dim values each), less a small margin
/// that keeps it off the cell's border. Exposed for tests.
double keep_codeword_blend(const Codebook& codebook, int own, const float* token, const float* refined);

}  // namespace lidecm
