#pragma once
// Denoising with a trained model (`lidecm denoise --model`, lidecm.denoise(model=...)):
// the settings its training measured for its domain (Model::denoising) applied to a
// request, once the model is known to fit the image, then the model's patch prior.
//
// The prior step: the filter's output is the pilot of prior_wiener (prior_wiener.hpp), and
// the result is (1 − α) · filter + α · prior estimate with α chosen per image by
// Monte-Carlo SURE among PriorStepOptions::blends and 0. α = 0, the filter alone, is the
// fallback for images the prior does not describe: SURE estimates every candidate's MSE
// from the noisy image, so a prior that hurts is not used. SURE needs one more run of the
// filter (on the perturbed image) and two of the prior at a coarser step, on the image or
// on its centre when it is larger than the self-tuning's max_eval_pixels; the chosen α is
// then applied to the full run.
#include <string>
#include <vector>

#include "lidecm/codebook/prior_wiener.hpp"
#include "lidecm/denoise/sure.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/learner/denoise_image.hpp"
#include "lidecm/train/model.hpp"

namespace lidecm {

/// Sets request.global_candidates to the model's learned value unless `keep_global` (the
/// caller's own choice wins). Throws IoError naming `model_name` for a model without a
/// prior (trained before priors, or with --prior-components 0), and InvalidArgument naming
/// it and `image_name` when the model's channel count differs from the image's.
void apply_model(const Model& model, const std::string& model_name, ImageView image, const std::string& image_name,
                 DenoiseRequest& request, bool keep_global = false);

/// Options of the prior step of denoise_with_model.
struct PriorStepOptions {
    bool enabled = true;  ///< false: the filter alone, as before priors were used (ablations)
    /// Weights of the prior's estimate SURE chooses among, besides 0; each in (0, 1].
    std::vector<double> blends = {0.25, 0.5, 0.75, 1.0};
    /// The prior's reference step in the SURE evaluations: 2 does a quarter of the work and
    /// ranked the blends as step 1 does on the texture set.
    int eval_step = 2;
    PriorWienerOptions wiener;  ///< the final estimate's
    SureOptions sure;

    /// Throws InvalidArgument naming the field when a value is out of range.
    void validate() const;
};

/// What the prior step did.
struct PriorStep {
    double blend = 0.0;  ///< the chosen α; 0: the filter alone
    /// SURE of each candidate, α = 0 first and then PriorStepOptions::blends in order.
    std::vector<double> candidates;
    std::vector<double> sure_mse;
    double seconds = 0.0;  ///< the step's wall time, the SURE evaluations included
    std::string skipped_because;  ///< why the step did not run (then blend is 0 and candidates empty)
    /// With a model that mixes class priors: each class's weight for this image (class names'
    /// order); empty when the pooled prior is used.
    std::vector<double> class_weights;
};

/// denoise_image with the model, then its prior step.
struct ModelDenoised {
    DenoisedImage denoised;  ///< its image is the prior step's output
    PriorStep prior;
};

/// The prior step on a filter's result `d` for `noisy` (d.image is replaced by the blend):
/// what denoise_with_model does after the filter, for any prior of the image's channels.
/// `tune` supplies max_eval_pixels and min_sigma.
PriorStep blend_with_prior(ImageView noisy, DenoisedImage& d, const PatchPrior& prior, const SelfTuneOptions& tune,
                           const PriorStepOptions& options = {});

/// apply_model, denoise_image (collaborative) and the prior step. Throws as apply_model
/// and denoise_image do, and InvalidArgument for bad options.
ModelDenoised denoise_with_model(ImageView noisy, const Model& model, const std::string& model_name,
                                 const std::string& image_name, DenoiseRequest request, bool keep_global = false,
                                 const PriorStepOptions& options = {});

}  // namespace lidecm
