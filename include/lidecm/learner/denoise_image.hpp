#pragma once
// What `lidecm denoise` and lidecm.denoise do to one image, in one call: settle the
// noise level σ̂ once (given or estimated), run the chosen filter for σ̂ · strength,
// tuned on the image when asked (the collaborative filter's strength by SURE, the
// graph's sigma and tau by the EM learner), and return the image with everything
// the front ends summarise or report. The front ends only parse and format.
#include <functional>
#include <optional>

#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/denoise/self_tune.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/learner/adaptive_denoise.hpp"

namespace lidecm {

enum class DenoiseMethod {
    Collaborative,  ///< collaborative filtering of patch groups (collaborative_denoise), the default
    Graph,          ///< the patch-graph diffusion (denoise with GraphParams)
};

/// How to denoise one image. The defaults are `lidecm denoise`'s without flags.
struct DenoiseRequest {
    DenoiseMethod method = DenoiseMethod::Collaborative;
    /// Noise std in [0,1] units, finite and >= 0; unset: estimate_noise_sigma(noisy).
    std::optional<double> noise_sigma;
    /// Multiplies σ̂ for the filter, in (0, 10]. Graph: the σ its start parameters are
    /// chosen for; collaborative with adapt: the centre of the SURE search.
    double strength = 1.0;
    /// Tune on the image: collaborative by SURE (self_tuned_denoise), graph with the EM
    /// learner (adaptive_denoise). The CLI's default is on for collaborative (off with
    /// --no-adapt) and off for graph (on with --adapt); Python's is on for both.
    bool adapt = true;
    SelfTuneOptions self_tune;  ///< collaborative with adapt
    /// Collaborative: CollaborativeOptions::global_candidates, in [0, 256] (0 = the search
    /// window only); a model's learned value with `--model` (ModelDenoising).
    int global_candidates = 0;
    /// Graph: the start parameters for the noise std σ̂ · strength; empty: recommended_params.
    /// It may throw (the CLI refuses its flags here, naming them).
    std::function<GraphParams(double sigma)> graph_params;
    int iterations = AdaptOptions{}.iterations;   ///< graph with adapt: rounds, >= 1
    bool perceptual = AdaptOptions{}.perceptual;  ///< graph with adapt: see AdaptOptions::perceptual
    ProgressCallback progress;                    ///< graph with adapt: called after every round

    /// Throws InvalidArgument naming the field when a value is out of range
    /// (e.g. "strength: must be in (0, 10]").
    void validate() const;
};

/// What denoise_image did. The filter's own result keeps its numbers; its image
/// has been moved to `image`.
struct DenoisedImage {
    Image image;                         ///< same shape as the input, in [0, 1]
    double noise_sigma = 0;              ///< σ̂, [0,1] units
    bool noise_sigma_estimated = false;  ///< σ̂ was estimated, not given
    /// The noise std the filter assumed: σ̂ · strength (collaborative with adapt: σ̂ · the tuned strength).
    double sigma_assumed = 0;

    int global_candidates = 0;  ///< collaborative: the whole-image candidates per group it used
    /// Collaborative: the run that made `image`.
    CollaborativeResult collaborative;
    /// Collaborative with adapt: the SURE search (its `result` is `collaborative`, moved there).
    std::optional<SelfTuneResult> self_tune;

    /// Graph: the start (graph_params or recommended_params of σ̂ · strength) and the
    /// parameters `image` was made with (with adapt: the best round's).
    GraphParams initial_params, params;
    DenoiseResult graph;  ///< graph: the run that made `image`
    /// Graph with adapt: the learner's rounds, for the --adapt summary and report
    /// (its `best` is `graph`, moved there).
    std::optional<AdaptResult> adaptation;
};

/// Validates `request` and denoises `noisy`. Throws InvalidArgument for a bad
/// request or an image the filter cannot take (smaller than a patch).
DenoisedImage denoise_image(ImageView noisy, const DenoiseRequest& request);

}  // namespace lidecm
