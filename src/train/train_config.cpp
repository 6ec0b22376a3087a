#include "lidecm/train/train_config.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "core/json_checks.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/train/json.hpp"

namespace lidecm {

LearnerOptions training_learner_options(Refiner refiner) {
    LearnerOptions o;
    o.rule = LearnerRule::risk;
    if (refiner == Refiner::collaborative) return o;
    o.initial.sigma = 0.10;
    o.initial.tau = 0.05;
    o.initial.radius = 8;
    o.initial.sigma_s = 5;
    o.initial.smooth_steps = 0;
    return o;
}

void select_refiner(TrainConfig& config, Refiner refiner) {
    const int classes = config.learner.num_classes;
    config.refine = RefineOptions{};
    config.refine.refiner = refiner;
    config.refine_per_batch = TrainConfig{}.refine_per_batch;
    if (refiner == Refiner::graph) {
        config.refine.keep_codewords = false;
        config.refine_per_batch = 0;
    }
    config.learner = training_learner_options(refiner);
    config.learner.num_classes = classes;
}

void select_learner(TrainConfig& config, const std::string& variant, const std::string& flag) {
    LearnerOptions& l = config.learner;
    if (variant == "seed") {
        l.rule = LearnerRule::seed;
        config.learner_mode = LearnerMode::attention;
        return;
    }
    require(variant == "attention" || variant == "plain" || variant == "fixed", flag,
            "'" + variant + "' is not a learner (attention, plain, seed or fixed)");
    l.rule = LearnerRule::risk;
    config.learner_mode = variant == "attention" ? LearnerMode::attention
                          : variant == "plain"   ? LearnerMode::plain
                                                 : LearnerMode::fixed;
    l.risk.heads = config.learner_mode == LearnerMode::attention;
}

std::string learner_variant(const TrainConfig& config) {
    switch (config.learner_mode) {
        case LearnerMode::fixed: return "fixed";
        case LearnerMode::plain: return config.learner.rule == LearnerRule::seed ? "seed-plain" : "plain";
        case LearnerMode::attention: break;
    }
    return config.learner.rule == LearnerRule::seed ? "seed" : "attention";
}

void TrainConfig::validate() const {
    lidecm::validate(dataset);
    require(!data.empty(), "data", "no dataset given");
    const int k = codebook.num_codes;
    require(valid_num_codes(k), "codes",
            "K must be in " + num_codes_range() + " (token files store 16 bits), got " + std::to_string(k));
    lidecm::validate(codebook);  // the fields K's message above does not cover
    require(patch_size >= 1 && patch_size <= dataset.resolution, "patch size",
            "must be in [1, resolution " + std::to_string(dataset.resolution) + "], got " + std::to_string(patch_size));
    require(epochs >= 1, "epochs", "must be >= 1, got " + std::to_string(epochs));
    require(batch_size >= 1, "batch size", "must be >= 1, got 0");
    require(init_images >= 1, "init images", "must be >= 1");
    require(std::isfinite(input_noise) && input_noise >= 0 && input_noise <= 1, "input noise",
            "must be in [0, 1] (0–1 units)");
    require(std::isfinite(input_noise_max) && input_noise_max >= 0 && input_noise_max <= 1 &&
                (input_noise_max == 0 || input_noise_max >= input_noise),
            "input noise max", "must be 0 (off) or in [input noise, 1] (0–1 units)");
    require(checkpoint_every >= 0, "checkpoint every", "must be >= 0");
    require(prefetch >= 1, "prefetch", "must be >= 1");
    require(decode_threads >= 0 && decode_threads <= 256, "decode_threads",
            "must be in 0..256, got " + std::to_string(decode_threads));
    require(prior_components >= 0 && prior_components <= kMaxPriorComponents, "prior components",
            "must be in [0, " + std::to_string(kMaxPriorComponents) + "] (0 = no prior), got " +
                std::to_string(prior_components));
    require(prior_iterations >= 1 && prior_iterations <= kMaxPriorIterations, "prior iterations",
            "must be in [1, " + std::to_string(kMaxPriorIterations) + "], got " + std::to_string(prior_iterations));
    require(learner_every >= 1 && learner_every <= 1000, "learner every",
            "must be in [1, 1000], got " + std::to_string(learner_every));
    require(class_priors >= 0 && class_priors <= kMaxClassPriors, "class priors",
            "must be in [0, " + std::to_string(kMaxClassPriors) + "] (0 = the pooled prior alone), got " +
                std::to_string(class_priors));
    learner.validate();
    refine.validate();
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
