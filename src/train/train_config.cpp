#include "lidecm/train_config.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/json_checks.hpp"
#include "lidecm/error.hpp"

namespace lidecm {

NLOHMANN_JSON_SERIALIZE_ENUM(DatasetFormat, {{DatasetFormat::automatic, "automatic"},
                                             {DatasetFormat::folder, "folder"},
                                             {DatasetFormat::image, "image"},
                                             {DatasetFormat::cifar10, "cifar10"},
                                             {DatasetFormat::cifar100, "cifar100"},
                                             {DatasetFormat::samples, "samples"}})
NLOHMANN_JSON_SERIALIZE_ENUM(CifarPart, {{CifarPart::automatic, "automatic"},
                                         {CifarPart::train, "train"},
                                         {CifarPart::test, "test"},
                                         {CifarPart::all, "all"}})
NLOHMANN_JSON_SERIALIZE_ENUM(LearnerMode, {{LearnerMode::fixed, "fixed"},
                                           {LearnerMode::plain, "plain"},
                                           {LearnerMode::attention, "attention"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DatasetOptions, resolution, tiles, channels, validation_fraction, seed,
                                                augment, flip_probability, brightness_jitter, contrast_jitter,
                                                max_pixels, format, cifar_part, cache_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GraphParams, sigma, tau, radius, sigma_s, sigma_f, smooth_steps,
                                                patch_size, stride)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ParamBounds, sigma_min, sigma_max, tau_min, tau_max, radius_min,
                                                radius_max, sigma_s_min, sigma_s_max, sigma_f_min, sigma_f_max)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LearnerOptions, num_classes, initial, bounds)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, data, dataset, num_codes, patch_size, epochs, batch_size,
                                                max_batches, seed, init_images, input_noise, checkpoint_every,
                                                validation_images, sample_images, prefetch, learner, learner_mode)

LearnerOptions training_learner_options() {
    LearnerOptions o;
    o.initial.sigma = 0.10;
    o.initial.tau = 0.05;
    o.initial.radius = 8;
    o.initial.sigma_s = 5;
    o.initial.smooth_steps = 0;
    return o;
}

void TrainConfig::validate() const {
    lidecm::validate(dataset);
    require(!data.empty(), "data", "no dataset given");
    require(num_codes >= 2 && num_codes <= 65536, "codes",
            "K must be in [2, 65536] (token files store 16 bits), got " + std::to_string(num_codes));
    require(patch_size >= 1 && patch_size <= dataset.resolution, "patch size",
            "must be in [1, resolution " + std::to_string(dataset.resolution) + "], got " + std::to_string(patch_size));
    require(epochs >= 1, "epochs", "must be >= 1, got " + std::to_string(epochs));
    require(batch_size >= 1, "batch size", "must be >= 1, got 0");
    require(init_images >= 1, "init images", "must be >= 1");
    require(std::isfinite(input_noise) && input_noise >= 0 && input_noise <= 1, "input noise",
            "must be in [0, 1] (0–1 units)");
    require(checkpoint_every >= 0, "checkpoint every", "must be >= 0");
    require(prefetch >= 1, "prefetch", "must be >= 1");
    learner.validate();
}

std::string to_json(const TrainConfig& config) { return nlohmann::json(config).dump(); }

TrainConfig train_config_from_json(const std::string& json, const std::string& name) {
    const nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) throw IoError(name + ": the training config is not a JSON object");
    if (!detail::floats_fit_integers(j)) throw IoError(name + ": the training config holds an out-of-range number");
    try {
        return j.get<TrainConfig>();
    } catch (const nlohmann::json::exception& e) {
        throw IoError(name + ": the training config has a field of the wrong type (" + std::string(e.what()) + ")");
    }
}

}  // namespace lidecm
