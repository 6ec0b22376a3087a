// The mappings lidecm/train/json.hpp declares (the train layer's types; each lower layer
// maps its own in its json_mappings.cpp).
#include "lidecm/train/json.hpp"

#include "core/json_fields.hpp"

namespace lidecm {
namespace enum_names {

NLOHMANN_JSON_SERIALIZE_ENUM(LearnerMode, {{LearnerMode::fixed, "fixed"},
                                           {LearnerMode::plain, "plain"},
                                           {LearnerMode::attention, "attention"}})

}  // namespace enum_names

LIDECM_JSON_ENUM(LearnerMode)

// An array in this order, not an object: what model files have always held
// (those written before the sums had names hold [] before an epoch's first
// batch, which reads as all zero).
void to_json(nlohmann::json& j, const EpochSums& s) {
    j = {s.loss, s.mse, s.one_minus_ssim, s.quant_mse, s.smoothness, s.psnr_token, s.psnr_refined,
         s.attention.texture, s.attention.structure, s.attention.color, s.attention.spatial};
}

void from_json(const nlohmann::json& j, EpochSums& s) {
    s = {};
    if (j.is_array() && j.empty()) return;
    if (!j.is_array() || j.size() != 11) {
        throw nlohmann::json::type_error::create(302, "epoch_sums must be an array of 11 numbers", &j);
    }
    std::size_t i = 0;
    for (double* v : {&s.loss, &s.mse, &s.one_minus_ssim, &s.quant_mse, &s.smoothness, &s.psnr_token,
                      &s.psnr_refined, &s.attention.texture, &s.attention.structure, &s.attention.color,
                      &s.attention.spatial}) {
        *v = j[i++].get<double>();
    }
}

LIDECM_JSON_FIELDS(LearnedDenoising, global_candidates, gain_db, images, prior_gain_db, use_prior, prior_tau, pooled_gain_db)
LIDECM_JSON_FIELDS(TrainProgress, epoch, batch, step, images, best_validation_psnr, best_epoch, finished, epoch_sums)
LIDECM_JSON_FIELDS(StepTimings, data_wait, e_step, m_step, decode, refine, losses, learner, communication, total)
LIDECM_JSON_FIELDS(BatchMetrics, epoch, batch, step, images, loss, mse, one_minus_ssim, quant_mse, smoothness,
                   psnr_token, psnr_refined, usage, perplexity, sigma, tau, attention, attention_spread, images_per_second,
                   timings, data_wait_share, eta_seconds, communication_bytes)
LIDECM_JSON_FIELDS(EpochMetrics, epoch, step, batches, loss, mse, one_minus_ssim, quant_mse, smoothness, psnr_token,
                   psnr_refined, usage, perplexity, reseeded, validation_images, val_psnr_token, val_psnr_refined,
                   val_ssim_token, val_ssim_refined, refine_level, sigma, tau, attention, seconds, images_per_second,
                   learner_share, data_wait_share, decodes)

// Every field of TrainConfig but the embedded codebook options, which model
// files flatten to the one key "num_codes". The parameter names below are the
// ones nlohmann's field macros expect.
#define LIDECM_TRAIN_CONFIG_FIELDS                                                               \
    data, dataset, patch_size, epochs, batch_size, max_batches, seed, init_images, input_noise, input_noise_max, \
        checkpoint_every, validation_images, sample_images, prefetch, decode_threads, refine, refine_per_batch, learner, learner_mode, \
        prior_components, prior_iterations, class_priors, learner_every, token_prior

void to_json(nlohmann::json& nlohmann_json_j, const TrainConfig& nlohmann_json_t) {
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, LIDECM_TRAIN_CONFIG_FIELDS))
    nlohmann_json_j["num_codes"] = nlohmann_json_t.codebook.num_codes;
}

void from_json(const nlohmann::json& nlohmann_json_j, TrainConfig& nlohmann_json_t) {
    // A config without "refine" predates the choice: it trained with the graph
    // refiner and that refiner's learner start (train_config.hpp).
    TrainConfig defaults{};
    if (!nlohmann_json_j.contains("refine")) select_refiner(defaults, Refiner::graph);
    // Nor one without "prior_components" a prior: such a run fitted none, and resumes without one.
    if (!nlohmann_json_j.contains("prior_components")) defaults.prior_components = 0;
    if (!nlohmann_json_j.contains("class_priors")) defaults.class_priors = 0;
    if (!nlohmann_json_j.contains("learner_every")) defaults.learner_every = 1;
    if (!nlohmann_json_j.contains("token_prior")) defaults.token_prior = false;
    const TrainConfig& nlohmann_json_default_obj = defaults;
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, LIDECM_TRAIN_CONFIG_FIELDS))
    nlohmann_json_t.codebook.num_codes =
        nlohmann_json_j.value("num_codes", nlohmann_json_default_obj.codebook.num_codes);
}

}  // namespace lidecm
