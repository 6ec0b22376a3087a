#include "lidecm/train/model_denoising.hpp"

#include "lidecm/core/error.hpp"

namespace lidecm {

void apply_model(const Model& model, const std::string& model_name, ImageView image, const std::string& image_name,
                 DenoiseRequest& request, bool keep_global) {
    if (!model.prior || !model.denoising) {
        throw IoError(model_name + ": the model has no patch prior (trained before priors, or with "
                                   "--prior-components 0): train it again to denoise with it");
    }
    const int channels = model.config.dataset.channels;
    // A grey model knows nothing of colour, and a colour model's settings were measured on colour.
    require(image.channels == channels, model_name,
            "is a model of " + std::to_string(channels) + "-channel images, " + image_name + " has " +
                std::to_string(image.channels));
    if (!keep_global) request.global_candidates = model.denoising->global_candidates;
}

}  // namespace lidecm
