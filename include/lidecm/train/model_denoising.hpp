#pragma once
// Denoising with a trained model (`lidecm denoise --model`, lidecm.denoise(model=...)):
// the settings its training measured for its domain (Model::denoising) applied to a
// request, once the model is known to fit the image.
#include <string>

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

}  // namespace lidecm
