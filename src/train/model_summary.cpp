// What `lidecm info --json` and the Python module's Model.info() say of a model.
#include <nlohmann/json.hpp>

#include "lidecm/train/json.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/codebook/token_refine.hpp"

namespace lidecm {
namespace {

// What `detokenize --refine` does with this model: its refiner, the quantisation
// level (the model's own or, for files written before it was stored, the fallback)
// and the collaborative knobs the learned parameters map to.
nlohmann::json refinement_json(const Model& m, const GraphParams& learned) {
    const RefineOptions o = learner_mapped(m.config.refine, learned, m.config.learner.initial);
    return {{"refiner", o.refiner}, {"quant_rms", refine_level(m)}, {"quant_rms_stored", m.quant_rms > 0},
            {"top_strength", o.strength}, {"lambda_hard", o.filter.lambda_hard},
            {"keep_codewords", o.keep_codewords}};
}

// The patch prior, or null: not fitted yet, --prior-components 0, or a file from before priors.
nlohmann::json prior_json(const Model& m) {
    if (!m.prior) return nullptr;
    const PatchPrior& p = *m.prior;
    nlohmann::json classes = nullptr;  // one prior per class, and the attention's keys
    if (m.class_priors) {
        classes = nlohmann::json::array();
        for (std::size_t c = 0; c < m.class_priors->priors.size(); ++c) {
            const auto& key = m.class_priors->attention.keys[c];
            classes.push_back({{"name", m.class_names[c]},
                               {"components", m.class_priors->priors[c].size()},
                               {"key", {{"texture", key[0]}, {"structure", key[1]}, {"color", key[2]}, {"spatial", key[3]}}}});
        }
    }
    return {{"components", p.size()}, {"dim", p.dim()}, {"patch_size", p.patch_size()}, {"channels", p.channels()},
            {"mean_removed", p.mean_removed()}, {"file_bytes", prior_file_bytes(m)}, {"classes", classes}};
}

}  // namespace

nlohmann::json model_summary(const Model& m) {
    const EMParameterLearner learner = m.make_learner();
    const LearnerStatus status = learner.get_status();
    nlohmann::json classes = nlohmann::json::array();
    for (int c = 0; c < learner.num_classes(); ++c) {
        const ClassParams& p = learner.class_params(c);
        classes.push_back({{"class", c},
                           {"name", c < int(m.class_names.size()) ? m.class_names[std::size_t(c)] : std::to_string(c)},
                           {"sigma", p.sigma}, {"tau", p.tau}, {"smooth_steps", p.smooth_steps},
                           {"updates", p.loss_history.size()}});
    }
    AttentionWeights mean{0, 0, 0, 0};
    const auto& history = m.learner.attention_history;
    for (const auto& w : history) {
        mean.texture += w.texture / double(history.size());
        mean.structure += w.structure / double(history.size());
        mean.color += w.color / double(history.size());
        mean.spatial += w.spatial / double(history.size());
    }
    const auto& counts = m.codebook->counts();
    std::uint64_t total = 0;
    for (auto c : counts) total += c;
    return {{"type", "model"},
            {"config", m.config},
            {"progress", {{"epoch", m.progress.epoch}, {"epochs", m.config.epochs}, {"batch", m.progress.batch},
                          {"step", m.progress.step}, {"images", m.progress.images}, {"finished", m.progress.finished},
                          {"best_validation_psnr", m.progress.best_validation_psnr}, {"best_epoch", m.progress.best_epoch}}},
            {"status", {{"sigma", status.sigma}, {"tau", status.tau}, {"radius", status.radius},
                        {"recent_loss", status.recent_loss}}},
            {"parameters", learner.get_parameters()},
            {"refinement", refinement_json(m, learner.get_parameters())},
            {"classes", classes},
            {"attention", {{"last", m.learner.last_attention}, {"mean", mean},
                           {"updates", history.size()}}},
            {"codebook", {{"codes", m.codebook->size()}, {"dim", m.codebook->dim()},
                          {"used_fraction", used_fraction(counts)},
                          {"perplexity", total > 0 ? perplexity(counts) : 0.0},
                          {"checksum", m.codebook->checksum()}}},
            {"prior", prior_json(m)},
            {"token_prior", m.token_prior ? nlohmann::json{{"order", m.token_prior->order()},
                                                           {"contexts", m.token_prior->contexts()},
                                                           {"classes", m.token_prior->classes()}}
                                          : nlohmann::json(nullptr)},
            {"denoising", m.denoising ? nlohmann::json(*m.denoising) : nlohmann::json(nullptr)}};
}

}  // namespace lidecm
