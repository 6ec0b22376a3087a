#pragma once
// Multi-head attention EM parameter learner (DESIGN §4): four heads score the
// current patches (texture, structure, colour, spatial spread), a softmax turns
// the scores into weights, and the weights decide how sigma and tau move.
//
// Two rules (LearnerOptions::rule):
//  - seed (the default of LearnerOptions, bit-exact, DESIGN §4): the weights scale a
//    multiplicative step whose direction is the sign of the loss difference between
//    two *different* batches.
//  - risk (what training uses by default, issue #13): each head h owns a parameter
//    vector θ_h = (log sigma, log tau) per class; an image's parameters are
//    exp(Σ_h w_h(image) θ_h), with w the softmax of the image's head statistics
//    standardised against the running statistics of every image seen so far (so
//    flat, edge, textured and colourful images get different weights, noisy or
//    not). Each update measures the objective twice on the same images, at
//    θ(image) ± δΔ (Δ a random ±1 per knob; SPSA, Spall 1992), and moves every θ_h
//    by −a_k · g · Δ, g = (L₊ − L₋) / (2δ · L̄) the slope of log L along Δ (L̄ the
//    samples' mean loss), averaged over the images with the head's weights, |g| ≤ 3:
//    a flat objective moves the parameters little, whatever the loss's scale.
//    Step schedule a_k = step / (1 + k/stability)^0.602 (Spall 1998); θ clamped to the bounds.
//
// Its parameters are GraphParams, what the seed's graph diffusion takes. When the
// collaborative filter refines token reconstructions instead, sigma and tau are
// mapped onto its knobs relative to the learner's start (learner_mapped in
// token_refine.hpp): strength = RefineOptions::strength × sigma / sigma₀ and
// lambda_hard = RefineOptions::filter.lambda_hard × tau / tau₀; it reports a
// neutral smoothness of 0.5 (no graph), so the per-class rule leaves sigma and tau be.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/denoise/patches.hpp"

namespace lidecm {

/// Scores of the four heads, each in [0, 1].
struct PatchFeatures {
    double texture = 0.0;    ///< mean per-patch pixel std (mean over channels) / 0.1, clipped
    double structure = 0.0;  ///< mean per-patch (mean|dx| + mean|dy|)/2 / 0.1, clipped
    double color = 0.0;      ///< mean per-patch, per-pixel std across channels / 0.1, clipped (0 for grey)
    double spatial = 0.0;    ///< texture-weighted std of centers / plain std of centers, clipped; 0.5 without detail
};

/// The heads' raw statistics of a patch set, unscaled and unclipped (the risk rule
/// standardises them against running statistics): texture, structure and colour
/// as PatchFeatures before the /0.1, spatial the weighted/plain spread ratio (0.5
/// without detail).
struct HeadStats {
    double texture = 0.0, structure = 0.0, color = 0.0, spatial = 0.5;
};

/// Softmax weights of the four heads; they sum to 1.
struct AttentionWeights {
    double texture = 0.25;
    double structure = 0.25;
    double color = 0.25;
    double spatial = 0.25;
};

/// Ranges the global parameters are clamped to after every update (the seed's).
struct ParamBounds {
    double sigma_min = 0.1, sigma_max = 0.5;
    double tau_min = 0.05, tau_max = 0.3;
    double radius_min = 5.0, radius_max = 20.0;
    double sigma_s_min = 5.0, sigma_s_max = 20.0;
    double sigma_f_min = 0.1, sigma_f_max = 0.5;
};

/// Which rule the learner's updates follow.
enum class LearnerRule {
    seed,  ///< DESIGN §4 (update_global_params / update_class_params)
    risk,  ///< paired-objective sign-SPSA over per-head parameter vectors (update_paired)
};

/// Options of the risk rule (see the top of this header).
struct RiskRuleOptions {
    double delta = 0.15;       ///< ± perturbation of log sigma and log tau in the paired evaluation
    double step = 0.05;        ///< a₀: the move in log space per unit of slope g of the first update
    double stability = 20.0;   ///< A in a_k = step / (1 + k/A)^0.602, in updates
    double temperature = 1.0;  ///< w = softmax(temperature · z), z the heads' standardised statistics (clipped to ±3)
    bool heads = true;         ///< false: uniform weights, so one θ (the ablation's "plain")
    std::size_t paired_images = 2;  ///< images of a training batch evaluated at θ ± δΔ

    /// Throws InvalidArgument naming the field when a value is out of range.
    void validate() const;
    /// a_k for update number k (from 0).
    [[nodiscard]] double step_size(std::uint64_t k) const;
};

/// Running mean and sum of squared deviations (Welford) of the four head statistics.
struct HeadStatsRunning {
    double count = 0;
    std::array<double, 4> mean{}, m2{};
};

/// One image of a paired update: its class, head weights and the objective at θ ± δΔ.
struct PairedSample {
    int class_index = 0;
    AttentionWeights weights;
    double loss_plus = 0, loss_minus = 0;
};

/// Options of EMParameterLearner.
struct LearnerOptions {
    int num_classes = 10;  ///< number of per-class parameter sets
    GraphParams initial;   ///< starting global parameters (the seed's defaults)
    ParamBounds bounds;    ///< clamp ranges of update_global_params (the seed's)
    /// Most recent entries each history keeps (loss, sigma, tau, attention, and each
    /// class's loss and parameter history); older ones are dropped, oldest first. The
    /// rules read at most the last 5 losses, so any cap >= 5 leaves them exact. With the
    /// default and 10 classes the learner holds at most ~0.8 MB however long it runs
    /// (without a cap: 2.68 MB after 1,000 batches and growing).
    std::size_t history_cap = 1024;
    LearnerRule rule = LearnerRule::seed;  ///< the seed's rule unless asked (training asks for risk)
    RiskRuleOptions risk;                  ///< used by the risk rule only

    /// Throws InvalidArgument for num_classes < 1, invalid initial parameters, empty bounds or history_cap < 5.
    void validate() const;
};

/// One per-class parameter set with its histories.
struct ClassParams {
    double sigma = 0.3;
    double tau = 0.1;
    int smooth_steps = 5;
    std::vector<double> loss_history;
    std::vector<GraphParams> param_history;  ///< parameters after each update of this class
};

/// Text of get_status(): sigma and tau to 4 decimals, radius to 2, mean of the
/// last 5 losses to 4 decimals or "N/A".
struct LearnerStatus {
    std::string sigma, tau, radius, recent_loss;
};

/// Everything an EMParameterLearner has learned: what a model file saves and restores.
struct LearnerState {
    GraphParams global;
    std::vector<ClassParams> classes;
    std::vector<double> loss_history, sigma_history, tau_history;
    std::vector<AttentionWeights> attention_history;
    AttentionWeights last_attention;
    /// Risk rule: θ as classes × 4 heads × (log sigma, log tau), row-major (empty
    /// = every θ at log of the initial parameters), the running head statistics and
    /// the number of paired updates so far.
    std::vector<double> theta;
    HeadStatsRunning head_stats;
    std::uint64_t paired_updates = 0;
};

class EMParameterLearner {
public:
    explicit EMParameterLearner(const LearnerOptions& options = {});

    /// The four head scores of a patch set (see PatchFeatures). Empty set: all 0, spatial 0.5.
    static PatchFeatures compute_patch_features(const PatchSet& patches);
    /// The raw head statistics (HeadStats); compute_patch_features scales and clips these.
    static HeadStats compute_head_stats(const PatchSet& patches);
    /// softmax(2 · [texture, structure, color, spatial]), each score clipped to [0, 1] first.
    static AttentionWeights compute_attention_weights(const PatchFeatures& features);
    /// The seed's attention-weighted multiplicative step of sigma and tau (no clamping
    /// besides the caps of the growing branch).
    static GraphParams weighted_parameter_update(const GraphParams& params, const AttentionWeights& weights,
                                                 double loss_delta);
    /// recon + percep − 0.1 · smoothness.
    static double compute_loss_proxy(double recon, double percep, double smoothness);
    /// Smoothness of a diffused similarity on its graph (the seed formula, see lidecm::smoothness).
    static double estimate_smoothness(const PatchGraph& graph, const Similarity& s);

    /// Appends the loss; attention from `patches` when given (recorded in the
    /// attention history), else uniform 0.25 (not recorded); with ≥ 2 losses
    /// applies weighted_parameter_update with last − previous loss; clamps to the
    /// bounds; appends sigma and tau to their histories. Throws for a non-finite loss.
    void update_global_params(double loss, double smoothness, const PatchSet* patches = nullptr);
    /// The same update with head scores already computed (for callers that feed
    /// the same patches every time, e.g. per-image adaptation); the attention is recorded.
    void update_global_params(double loss, double smoothness, const PatchFeatures& features);

    /// Per-class rule of DESIGN §4. Throws InvalidArgument for a class outside
    /// [0, num_classes) or a non-finite loss.
    void update_class_params(int class_index, double loss, double smoothness);

    /// Global parameters; smooth_steps, patch_size and stride stay those of options.initial (seed: 5, 8, 5).
    /// With the risk rule: parameters_for(kAnyClass, last_attention()).
    [[nodiscard]] GraphParams get_parameters() const;
    /// Class parameters: the class's sigma, tau and smooth_steps, the global rest.
    [[nodiscard]] GraphParams get_parameters(int class_index) const;
    [[nodiscard]] LearnerStatus get_status() const;

    // ---- risk rule (LearnerOptions::rule == risk); see the top of this header ----

    /// Head weights of an image with statistics `stats`: softmax(temperature · z), z the
    /// statistics standardised by the running ones; uniform before two images were
    /// observed, or when options.risk.heads is false.
    [[nodiscard]] AttentionWeights image_attention(const HeadStats& stats) const;
    /// Adds an image's statistics to the running ones.
    void observe(const HeadStats& stats);
    /// Class index meaning "no class known" (e.g. detokenizing): θ averaged over the classes.
    static constexpr int kAnyClass = -1;
    /// exp(Σ_h w_h θ_{class,h}) for sigma and tau, the rest from options.initial, clamped
    /// to the bounds. With the seed rule: get_parameters(class_index), or get_parameters()
    /// for kAnyClass.
    [[nodiscard]] GraphParams parameters_for(int class_index, const AttentionWeights& weights) const;
    /// parameters_for(class, image_attention(head stats of `image`'s non-overlapping
    /// patch_size tiles)): what refinement of one image uses, in training and after.
    [[nodiscard]] GraphParams image_parameters(ImageView image, int patch_size, int class_index = kAnyClass) const;
    /// The ±1 direction Δ = (sigma, tau) of the next paired update, from `seed`.
    [[nodiscard]] std::array<int, 2> paired_direction(std::uint64_t seed) const;
    /// `params` with log sigma and log tau moved by sign · δ · Δ (not clamped: the pair
    /// must straddle the point).
    [[nodiscard]] GraphParams perturbed(const GraphParams& params, const std::array<int, 2>& direction, int sign) const;
    /// One step of the risk rule from the samples' paired losses along `direction`;
    /// records `loss` (the batch's objective), the parameters and the samples' mean
    /// weights in the histories. Throws InvalidArgument for non-finite losses, a class
    /// out of range, no samples, or a learner on the seed rule.
    void update_paired(const std::vector<PairedSample>& samples, const std::array<int, 2>& direction, double loss);
    /// θ_{class,head} = (log sigma, log tau).
    [[nodiscard]] std::array<double, 2> head_parameters(int class_index, int head) const;

    [[nodiscard]] const LearnerOptions& options() const { return options_; }
    /// Bytes of memory the learner holds (object, class table and, when asked,
    /// every history vector's allocated capacity).
    [[nodiscard]] std::size_t state_bytes(bool include_histories) const;
    [[nodiscard]] LearnerState state() const;
    /// Replaces the learned state (e.g. from a model file); histories longer than
    /// history_cap keep their newest entries. Throws InvalidArgument
    /// when it does not fit the options (class count) or holds invalid parameters,
    /// leaving the learner unchanged.
    void restore(LearnerState state);

    [[nodiscard]] int num_classes() const { return int(classes_.size()); }
    [[nodiscard]] const ClassParams& class_params(int class_index) const;
    [[nodiscard]] const std::vector<double>& loss_history() const { return loss_history_; }
    [[nodiscard]] const std::vector<double>& sigma_history() const { return sigma_history_; }
    [[nodiscard]] const std::vector<double>& tau_history() const { return tau_history_; }
    [[nodiscard]] const std::vector<AttentionWeights>& attention_history() const { return attention_history_; }
    /// Attention used by the last update_global_params (uniform before any).
    [[nodiscard]] const AttentionWeights& last_attention() const { return last_attention_; }

private:
    void check_class(int class_index) const;
    void apply_global_update(double loss, double smoothness, const AttentionWeights& w, bool record_attention);

    LearnerOptions options_;
    GraphParams global_;
    std::vector<ClassParams> classes_;
    std::vector<double> loss_history_, sigma_history_, tau_history_;
    std::vector<AttentionWeights> attention_history_;
    AttentionWeights last_attention_;
    std::vector<double> theta_;  ///< classes × 4 × 2 (risk rule)
    HeadStatsRunning head_stats_;
    std::uint64_t paired_updates_ = 0;
};

}  // namespace lidecm
