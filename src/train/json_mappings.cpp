// The mappings lidecm/json.hpp declares. Here in train/ because the highest
// types it maps (TrainConfig, the metrics, TrainProgress) belong to that layer.
#include "lidecm/json.hpp"

#include <nlohmann/json.hpp>

// NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT makes its functions `inline`,
// which would leave the declarations of json.hpp undefined in every other file.
#define LIDECM_JSON_FIELDS(Type, ...)                                                          \
    void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {               \
        NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                \
    }                                                                                           \
    void from_json(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) {              \
        const Type nlohmann_json_default_obj{};                                                 \
        NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, __VA_ARGS__)) \
    }

// The same for enums: the tables live in a namespace of their own (ADL must
// find the declarations of json.hpp, not these templates).
#define LIDECM_JSON_ENUM(Type)                                                                    \
    void to_json(nlohmann::json& j, const Type& v) { enum_names::to_json(j, v); }                \
    void from_json(const nlohmann::json& j, Type& v) { enum_names::from_json(j, v); }

namespace lidecm {
namespace enum_names {

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
NLOHMANN_JSON_SERIALIZE_ENUM(Refiner, {{Refiner::graph, "graph"}, {Refiner::collaborative, "collaborative"}})
NLOHMANN_JSON_SERIALIZE_ENUM(LearnerRule, {{LearnerRule::seed, "seed"}, {LearnerRule::risk, "risk"}})

}  // namespace enum_names

LIDECM_JSON_ENUM(DatasetFormat)
LIDECM_JSON_ENUM(CifarPart)
LIDECM_JSON_ENUM(LearnerMode)
LIDECM_JSON_ENUM(Refiner)
LIDECM_JSON_ENUM(LearnerRule)

LIDECM_JSON_FIELDS(DatasetOptions, resolution, tiles, channels, validation_fraction, seed, augment, flip_probability,
                   brightness_jitter, contrast_jitter, max_pixels, format, cifar_part, cache_bytes,
                   shuffle_buffer, reduced_decode)
LIDECM_JSON_FIELDS(GraphParams, sigma, tau, radius, sigma_s, sigma_f, smooth_steps, patch_size, stride)
LIDECM_JSON_FIELDS(ParamBounds, sigma_min, sigma_max, tau_min, tau_max, radius_min, radius_max, sigma_s_min,
                   sigma_s_max, sigma_f_min, sigma_f_max)
LIDECM_JSON_FIELDS(RiskRuleOptions, delta, step, stability, temperature, heads, paired_images)
// A config without "rule" is from before the risk rule: LearnerOptions{}'s seed rule.
LIDECM_JSON_FIELDS(LearnerOptions, num_classes, initial, bounds, history_cap, rule, risk)
LIDECM_JSON_FIELDS(CollaborativeOptions, noise_sigma, strength, patch_size_hard, patch_size_wiener, group_hard,
                   group_wiener, step, search_radius, lambda_hard, kaiser_beta, border, wiener)
LIDECM_JSON_FIELDS(RefineOptions, refiner, strength, strength_steps, max_pulled_back, keep_codewords, filter)
LIDECM_JSON_FIELDS(PatchFeatures, texture, structure, color, spatial)
LIDECM_JSON_FIELDS(AttentionWeights, texture, structure, color, spatial)
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
        checkpoint_every, validation_images, sample_images, prefetch, decode_threads, refine, refine_per_batch, learner, learner_mode

void to_json(nlohmann::json& nlohmann_json_j, const TrainConfig& nlohmann_json_t) {
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, LIDECM_TRAIN_CONFIG_FIELDS))
    nlohmann_json_j["num_codes"] = nlohmann_json_t.codebook.num_codes;
}

void from_json(const nlohmann::json& nlohmann_json_j, TrainConfig& nlohmann_json_t) {
    // A config without "refine" predates the choice: it trained with the graph
    // refiner and that refiner's learner start (train_config.hpp).
    TrainConfig defaults{};
    if (!nlohmann_json_j.contains("refine")) select_refiner(defaults, Refiner::graph);
    const TrainConfig& nlohmann_json_default_obj = defaults;
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, LIDECM_TRAIN_CONFIG_FIELDS))
    nlohmann_json_t.codebook.num_codes =
        nlohmann_json_j.value("num_codes", nlohmann_json_default_obj.codebook.num_codes);
}

}  // namespace lidecm
