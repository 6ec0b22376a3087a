// Model files: which tensors hold what. The run description (config, class
// names, counters) is stored as a JSON tensor so the checksum covers it too;
// a few readable copies go into the metadata for other tools.
#include "lidecm/train/model.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/json_checks.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/formats/tensor_file.hpp"
#include "lidecm/codebook/token_refine.hpp"
#include "train/model_token_prior.hpp"

namespace lidecm {

namespace {

constexpr std::int64_t kParamFields = 8;

void append(std::vector<double>& out, const GraphParams& p) {
    out.insert(out.end(), {p.sigma, p.tau, p.radius, p.sigma_s, p.sigma_f, double(p.smooth_steps),
                           double(p.patch_size), double(p.stride)});
}

GraphParams params_at(const std::vector<double>& v, std::size_t at) {
    GraphParams p;
    p.sigma = v[at];
    p.tau = v[at + 1];
    p.radius = v[at + 2];
    p.sigma_s = v[at + 3];
    p.sigma_f = v[at + 4];
    p.smooth_steps = int(v[at + 5]);
    p.patch_size = int(v[at + 6]);
    p.stride = int(v[at + 7]);
    return p;
}

std::vector<double> flatten(const std::vector<AttentionWeights>& ws) {
    std::vector<double> out;
    out.reserve(ws.size() * 4);
    for (const auto& w : ws) out.insert(out.end(), {w.texture, w.structure, w.color, w.spatial});
    return out;
}

AttentionWeights weights_at(const std::vector<double>& v, std::size_t at) {
    return {v[at], v[at + 1], v[at + 2], v[at + 3]};
}

void add_learner(TensorFileWriter& w, const LearnerState& s) {
    std::vector<double> global;
    append(global, s.global);
    w.add("learner.global", global);
    std::vector<double> classes, losses, history;
    std::vector<std::uint64_t> loss_offsets{0}, history_offsets{0};
    for (const ClassParams& c : s.classes) {
        classes.insert(classes.end(), {c.sigma, c.tau, double(c.smooth_steps)});
        losses.insert(losses.end(), c.loss_history.begin(), c.loss_history.end());
        loss_offsets.push_back(losses.size());
        for (const GraphParams& p : c.param_history) append(history, p);
        history_offsets.push_back(history.size() / kParamFields);
    }
    const auto n_classes = std::int64_t(s.classes.size());
    w.add("learner.classes", classes, {n_classes, 3});
    w.add("learner.class_loss_history", losses);
    w.add("learner.class_loss_offsets", loss_offsets);
    w.add("learner.class_param_history", history, {std::int64_t(history.size()) / kParamFields, kParamFields});
    w.add("learner.class_param_offsets", history_offsets);
    w.add("learner.loss_history", s.loss_history);
    w.add("learner.sigma_history", s.sigma_history);
    w.add("learner.tau_history", s.tau_history);
    w.add("learner.attention_history", flatten(s.attention_history),
          {std::int64_t(s.attention_history.size()), 4});
    w.add("learner.last_attention", flatten({s.last_attention}));
    // The risk rule's state: θ (classes × 4 heads × 2), running head statistics
    // (count, 4 means, 4 sums of squared deviations) and the number of updates.
    w.add("learner.theta", s.theta, {n_classes, 4, 2});
    const HeadStatsRunning& h = s.head_stats;
    std::vector<double> stats{h.count};
    stats.insert(stats.end(), h.mean.begin(), h.mean.end());
    stats.insert(stats.end(), h.m2.begin(), h.m2.end());
    w.add("learner.head_stats", stats);
    w.add("learner.paired_updates", std::vector<std::uint64_t>{s.paired_updates});
}

// Offsets must start at 0, never decrease and end at the array's length.
void check_offsets(const TensorFile& f, const std::vector<std::uint64_t>& off, std::size_t classes,
                   std::size_t total, const char* what) {
    bool ok = off.size() == classes + 1 && off.front() == 0 && off.back() == total;
    for (std::size_t i = 1; ok && i < off.size(); ++i) ok = off[i - 1] <= off[i];
    if (!ok) throw IoError(f.name() + ": " + what + " offsets do not fit the class count");
}

LearnerState read_learner(const TensorFile& f) {
    LearnerState s;
    s.global = params_at(f.get<double>("learner.global", {kParamFields}), 0);
    const auto& shape = f.info("learner.classes").shape;
    if (shape.size() != 2 || shape[1] != 3) throw IoError(f.name() + ": learner.classes must be C × 3");
    const auto n = std::size_t(shape[0]);
    const auto classes = f.get<double>("learner.classes");
    const auto losses = f.get<double>("learner.class_loss_history");
    const auto loss_off = f.get<std::uint64_t>("learner.class_loss_offsets");
    check_offsets(f, loss_off, n, losses.size(), "class loss history");
    const auto history = f.get<double>("learner.class_param_history");
    if (history.size() % kParamFields != 0) throw IoError(f.name() + ": class parameter history is not N × 8");
    const auto hist_off = f.get<std::uint64_t>("learner.class_param_offsets");
    check_offsets(f, hist_off, n, history.size() / kParamFields, "class parameter history");
    for (std::size_t c = 0; c < n; ++c) {
        ClassParams p;
        p.sigma = classes[c * 3];
        p.tau = classes[c * 3 + 1];
        p.smooth_steps = int(classes[c * 3 + 2]);
        p.loss_history.assign(losses.begin() + std::ptrdiff_t(loss_off[c]), losses.begin() + std::ptrdiff_t(loss_off[c + 1]));
        for (std::uint64_t h = hist_off[c]; h < hist_off[c + 1]; ++h) {
            p.param_history.push_back(params_at(history, std::size_t(h) * kParamFields));
        }
        s.classes.push_back(std::move(p));
    }
    s.loss_history = f.get<double>("learner.loss_history");
    s.sigma_history = f.get<double>("learner.sigma_history");
    s.tau_history = f.get<double>("learner.tau_history");
    const auto attention = f.get<double>("learner.attention_history");
    if (attention.size() % 4 != 0) throw IoError(f.name() + ": attention history is not N × 4");
    for (std::size_t i = 0; i < attention.size(); i += 4) s.attention_history.push_back(weights_at(attention, i));
    s.last_attention = weights_at(f.get<double>("learner.last_attention", {4}), 0);
    if (f.has("learner.theta")) {  // absent in files from before the risk rule
        s.theta = f.get<double>("learner.theta", {std::int64_t(s.classes.size()), 4, 2});
        const auto stats = f.get<double>("learner.head_stats", {9});
        s.head_stats.count = stats[0];
        std::copy(stats.begin() + 1, stats.begin() + 5, s.head_stats.mean.begin());
        std::copy(stats.begin() + 5, stats.end(), s.head_stats.m2.begin());
        s.paired_updates = f.get<std::uint64_t>("learner.paired_updates", {1})[0];
    }
    return s;
}

// A prior as F64 tensors named `prefix` + weights, means, eigenvalues, eigenvectors, layout
// (a loaded prior is the fitted one bit for bit): per component its weight, mean,
// eigenvalues and eigenvectors (dim × dim, row j the j-th eigen-patch). Its patch layout is
// a tensor too, since the checksum covers tensors and not metadata.
void add_prior(TensorFileWriter& w, const PatchPrior& prior, const std::string& prefix) {
    const auto k = std::int64_t(prior.size()), d = std::int64_t(prior.dim());
    std::vector<double> weights, means, eigenvalues, eigenvectors;
    for (const GaussianComponent& c : prior.components()) {
        weights.push_back(c.weight);
        means.insert(means.end(), c.mean.begin(), c.mean.end());
        eigenvalues.insert(eigenvalues.end(), c.eigenvalues.begin(), c.eigenvalues.end());
        eigenvectors.insert(eigenvectors.end(), c.eigenvectors.begin(), c.eigenvectors.end());
    }
    w.add(prefix + "weights", weights, {k});
    w.add(prefix + "means", means, {k, d});
    w.add(prefix + "eigenvalues", eigenvalues, {k, d});
    w.add(prefix + "eigenvectors", eigenvectors, {k, d, d});
    w.add(prefix + "layout", std::vector<std::int64_t>{prior.patch_size(), prior.channels(), std::int64_t(prior.mean_removed())});
}

// The pooled prior, with readable copies of its layout in the metadata for other tools;
// the class priors as class_prior.<c>.*, and their attention as one F64 tensor of
// (2 + classes) × 4 rows: mean, scale, then each class's key.
void add_priors(TensorFileWriter& w, const Model& m) {
    if (m.prior) {
        const PatchPrior& prior = *m.prior;
        add_prior(w, prior, "prior.");
        w.set_metadata("prior_components", std::to_string(prior.size()));
        w.set_metadata("prior_patch_size", std::to_string(prior.patch_size()));
        w.set_metadata("prior_channels", std::to_string(prior.channels()));
        w.set_metadata("prior_mean_removed", prior.mean_removed() ? "1" : "0");
    }
    if (!m.class_priors) return;
    const ClassPriors& cp = *m.class_priors;
    for (std::size_t c = 0; c < cp.priors.size(); ++c) add_prior(w, cp.priors[c], "class_prior." + std::to_string(c) + ".");
    std::vector<double> rows(cp.attention.mean.begin(), cp.attention.mean.end());
    rows.insert(rows.end(), cp.attention.scale.begin(), cp.attention.scale.end());
    for (const auto& key : cp.attention.keys) rows.insert(rows.end(), key.begin(), key.end());
    w.add("prior_attention", rows, {std::int64_t(cp.attention.keys.size()) + 2, 4});
    w.set_metadata("class_priors", std::to_string(cp.priors.size()));
}

// The prior named `prefix` in a file, checked against the model's channel count; none when
// the file has none of its tensors (files from before priors). What PatchPrior's constructor
// refuses (weights not summing to 1, an eigenvalue <= 0) is an InvalidArgument the caller
// names the file in.
std::optional<PatchPrior> read_prior(const TensorFile& f, int channels, const std::string& prefix) {
    const char* parts[] = {"weights", "means", "eigenvalues", "eigenvectors", "layout"};
    if (std::none_of(std::begin(parts), std::end(parts), [&](const char* t) { return f.has(prefix + t); })) {
        return std::nullopt;
    }
    const auto layout = f.get<std::int64_t>(prefix + "layout", {3});
    if (layout[0] < 1 || layout[0] > 64 || layout[1] != channels || (layout[2] != 0 && layout[2] != 1)) {
        throw IoError(f.name() + ": " + prefix + "layout must be [patch size 1 … 64, the model's " +
                      std::to_string(channels) + " channel(s), mean removed 0 or 1]");
    }
    const auto& shape = f.info(prefix + "weights").shape;
    if (shape.size() != 1 || shape[0] < 1 || shape[0] > kMaxPriorComponents) {
        throw IoError(f.name() + ": " + prefix + "weights must hold 1 … " + std::to_string(kMaxPriorComponents) + " weights");
    }
    const std::int64_t k = shape[0], d = layout[0] * layout[0] * layout[1];
    const auto weights = f.get<double>(prefix + "weights");
    const auto means = f.get<double>(prefix + "means", {k, d});
    const auto eigenvalues = f.get<double>(prefix + "eigenvalues", {k, d});
    const auto eigenvectors = f.get<double>(prefix + "eigenvectors", {k, d, d});
    for (const auto* values : {&means, &eigenvectors}) {
        if (!std::all_of(values->begin(), values->end(), [](double v) { return std::isfinite(v); })) {
            throw IoError(f.name() + ": the prior " + prefix + "'s means or eigenvectors hold a non-finite value");
        }
    }
    std::vector<GaussianComponent> components(static_cast<std::size_t>(k));
    const auto slice = [](const std::vector<double>& v, std::size_t at, std::size_t n) {
        return std::vector<double>(v.begin() + std::ptrdiff_t(at * n), v.begin() + std::ptrdiff_t((at + 1) * n));
    };
    for (std::size_t c = 0; c < components.size(); ++c) {
        components[c] = {weights[c], slice(means, c, std::size_t(d)), slice(eigenvalues, c, std::size_t(d)),
                         slice(eigenvectors, c, std::size_t(d * d))};
    }
    return PatchPrior(int(layout[0]), int(layout[1]), layout[2] == 1, std::move(components));
}

// The class priors and their attention; none in files without prior_attention. There must
// be one prior per class name, all of the pooled prior's layout.
std::optional<ClassPriors> read_class_priors(const TensorFile& f, const Model& m) {
    if (!f.has("prior_attention")) return std::nullopt;
    const auto classes = std::int64_t(m.class_names.size());
    if (!m.prior || classes < 2 || classes > kMaxClassPriors) {
        throw IoError(f.name() + ": class priors need the pooled prior and 2 … " + std::to_string(kMaxClassPriors) +
                      " class names");
    }
    const auto rows = f.get<double>("prior_attention", {classes + 2, 4});
    if (!std::all_of(rows.begin(), rows.end(), [](double v) { return std::isfinite(v); })) {
        throw IoError(f.name() + ": prior_attention holds a non-finite value");
    }
    ClassPriors cp;
    std::copy(rows.begin(), rows.begin() + 4, cp.attention.mean.begin());
    std::copy(rows.begin() + 4, rows.begin() + 8, cp.attention.scale.begin());
    if (!std::all_of(cp.attention.scale.begin(), cp.attention.scale.end(), [](double v) { return v > 0; })) {
        throw IoError(f.name() + ": prior_attention's scales must be > 0");
    }
    for (std::int64_t c = 0; c < classes; ++c) {
        std::array<double, 4> key{};
        std::copy(rows.begin() + 8 + 4 * c, rows.begin() + 12 + 4 * c, key.begin());
        cp.attention.keys.push_back(key);
        const std::string prefix = "class_prior." + std::to_string(c) + ".";
        std::optional<PatchPrior> prior = read_prior(f, m.config.dataset.channels, prefix);
        if (!prior || prior->patch_size() != m.prior->patch_size() || prior->mean_removed() != m.prior->mean_removed()) {
            throw IoError(f.name() + ": " + prefix + "* must be a prior of the pooled prior's patch layout");
        }
        cp.priors.push_back(std::move(*prior));
    }
    return cp;
}

}  // namespace

EMParameterLearner Model::make_learner() const {
    EMParameterLearner made(config.learner);
    made.restore(learner);
    return made;
}

std::vector<unsigned char> serialize_model(const Model& m) {
    require(m.codebook.has_value(), "model", "has no codebook yet (nothing to save)");
    require(m.prior || !m.class_priors, "model", "has class priors without the pooled prior (it would not load)");
    TensorFileWriter w;
    const auto k = std::int64_t(m.codebook->size()), d = std::int64_t(m.codebook->dim());
    w.add("codebook", m.codebook->values(), {k, d});
    w.add("codebook.counts", m.codebook->counts());
    w.add("codebook.epoch_usage", m.codebook->epoch_usage());
    w.add("reseed.tiles", m.reseed_pool.tiles, {std::int64_t(m.reseed_pool.errors.size()), d});
    w.add("reseed.errors", m.reseed_pool.errors);
    add_learner(w, m.learner);
    nlohmann::json run = {{"config", m.config},
                          {"class_names", m.class_names},
                          {"progress", m.progress},
                          {"quant_rms", m.quant_rms}};
    if (m.denoising) run["denoising"] = *m.denoising;
    const std::string text = run.dump();
    w.add("run.json", std::vector<std::uint8_t>(text.begin(), text.end()));
    add_priors(w, m);
    if (m.token_prior) detail::add_token_prior(w, *m.token_prior);
    w.set_metadata("num_codes", std::to_string(k));
    w.set_metadata("patch_size", std::to_string(m.config.patch_size));
    w.set_metadata("channels", std::to_string(m.config.dataset.channels));
    w.set_metadata("epoch", std::to_string(m.progress.epoch));
    w.set_metadata("step", std::to_string(m.progress.step));
    w.set_metadata("quant_rms", std::to_string(m.quant_rms));
    return w.serialize();
}

std::size_t prior_file_bytes(const Model& model) {
    if (!model.prior) return 0;
    Model without = model;
    without.prior.reset();
    without.class_priors.reset();
    return serialize_model(model).size() - serialize_model(without).size();
}

double refine_level(const Model& model) { return model.quant_rms > 0 ? model.quant_rms : kFallbackQuantRms; }

void save_model(const Model& model, const std::filesystem::path& path) {
    write_file_atomically(path, serialize_model(model));
}

Model load_model(const std::filesystem::path& path) {
    return parse_model(read_file_bytes(path, TensorFileLimits{}.max_file_bytes), path.string());
}

Model parse_model(std::vector<unsigned char> bytes, const std::string& name) {
    const TensorFile f = parse_tensor_file(std::move(bytes), name);
    Model m;
    const auto run_bytes = f.get<std::uint8_t>("run.json");
    const nlohmann::json run = nlohmann::json::parse(run_bytes.begin(), run_bytes.end(), nullptr, false);
    if (!run.is_object() || !run.contains("config") || !run.contains("progress") || !detail::floats_fit_integers(run)) {
        throw IoError(f.name() + ": run.json is not a lidecm run description");
    }
    m.config = train_config_from_json(run["config"].dump(), f.name());
    try {
        m.class_names = run.value("class_names", std::vector<std::string>{});
        m.progress = run["progress"].get<TrainProgress>();
        m.quant_rms = run.value("quant_rms", 0.0);  // absent in files written before it was stored
        if (run.contains("denoising")) {  // absent in files written before issue 22
            m.denoising = run["denoising"].get<LearnedDenoising>();
            if (m.denoising->global_candidates < 0 || m.denoising->global_candidates > kMaxGlobalCandidates ||
                !std::isfinite(m.denoising->gain_db) || m.denoising->images < 0 ||
                !std::isfinite(m.denoising->prior_tau) || !std::isfinite(m.denoising->pooled_gain_db)) {
                throw IoError(f.name() + ": run.json's denoising is out of range");
            }
        }
    } catch (const nlohmann::json::exception& e) {
        throw IoError(f.name() + ": run.json has a field of the wrong type (" + std::string(e.what()) + ")");
    }
    const auto& cb = f.info("codebook").shape;
    if (cb.size() != 2) throw IoError(f.name() + ": codebook must be K × D");
    const int k = int(cb[0]), d = int(cb[1]);
    const int channels = m.config.dataset.channels, p = m.config.patch_size;
    if (k != m.config.codebook.num_codes || d != p * p * channels) {
        throw IoError(f.name() + ": codebook is " + std::to_string(k) + " × " + std::to_string(d) +
                      ", the config says " + std::to_string(m.config.codebook.num_codes) + " × " + std::to_string(p * p * channels));
    }
    try {
        m.codebook = Codebook(k, d, f.get<float>("codebook"), f.get<std::uint64_t>("codebook.counts", {k}),
                              f.get<std::uint64_t>("codebook.epoch_usage", {k}));
        m.learner = read_learner(f);
        m.prior = read_prior(f, channels, "prior.");
        m.class_priors = read_class_priors(f, m);
        m.token_prior = detail::read_token_prior(f, m);
        if (m.denoising && m.denoising->prior_tau >= 0 && !m.class_priors) {
            throw IoError(f.name() + ": run.json's denoising mixes class priors the file does not hold");
        }
        m.config.validate();
        (void)m.make_learner();  // the state must fit the options
    } catch (const InvalidArgument& e) {
        throw IoError(f.name() + ": " + e.what());
    }
    if (!std::isfinite(m.quant_rms) || m.quant_rms < 0) throw IoError(f.name() + ": quant_rms must be a finite number >= 0");
    const auto& pool = f.info("reseed.tiles").shape;
    m.reseed_pool.tiles = f.get<float>("reseed.tiles");
    m.reseed_pool.errors = f.get<float>("reseed.errors");
    if (pool.size() != 2 || pool[1] != d || std::size_t(pool[0]) != m.reseed_pool.errors.size()) {
        throw IoError(f.name() + ": reseed pool does not fit the codebook");
    }
    return m;
}

Image model_input(const Model& model, ImageView image) {
    return model.config.dataset.channels == 1 ? to_grey(image) : to_rgb(image);
}

Image refine_reconstruction(const Model& model, const Image& decoded) {
    const TrainConfig& c = model.config;
    require(model.codebook.has_value(), "refine", "the model has no codebook");
    const GraphParams learned = model.make_learner().image_parameters(decoded, c.patch_size);
    const RefineOptions options = learner_mapped(c.refine, learned, c.learner.initial);
    return refine_tokens(decoded, *model.codebook, c.patch_size, options, refine_level(model), learned).image;
}

const TokenPrior& token_prior_of(const Model& model, const std::string& who) {
    if (!model.token_prior) {
        throw InvalidArgument(who + " has no token prior (trained before token priors, or with --no-token-prior; "
                              "train again with this lidecm)");
    }
    return *model.token_prior;
}

}  // namespace lidecm
