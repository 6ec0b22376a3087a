// The training run report: a page of inline SVG charts, tables and base64 images.
#include "lidecm/report/report.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <sstream>

#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/metrics.hpp"
#include "lidecm/train/generate.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/report/svg_chart.hpp"
#include "lidecm/formats/tensor_file.hpp"
#include "report/page.hpp"
#include "report/prior_figure.hpp"

namespace lidecm {
namespace {

using detail::chart;
using detail::fmt;
using detail::Page;

constexpr std::uint64_t kMaxEmbeddedBytes = std::uint64_t(1) << 30;  // samples.png embedded in the page

template <class F>
ChartSeries batch_series(const std::string& name, const std::vector<BatchMetrics>& b, F f) {
    ChartSeries s{name, {}, {}, ""};
    for (const auto& m : b) {
        s.x.push_back(double(m.step));
        s.y.push_back(f(m));
    }
    return s;
}

template <class F>
ChartSeries epoch_series(const std::string& name, const std::vector<EpochMetrics>& e, F f, bool by_step) {
    ChartSeries s{name, {}, {}, ""};
    for (const auto& m : e) {
        s.x.push_back(by_step ? double(m.step) : double(m.epoch + 1));
        s.y.push_back(f(m));
    }
    return s;
}

std::string learner_label(const TrainConfig& c) {
    const std::string v = learner_variant(c);
    if (v == "fixed") return "fixed (no learner)";
    if (v == "seed") return "seed (DESIGN §4)";
    if (v == "seed-plain") return "seed without attention";
    return v + (v == "attention" ? " (risk rule, four heads per image)" : " (risk rule, one parameter set)");
}

// An unfinished run's time to its end at the pace of its logged batches (waits included).
std::string eta_text(const Model& model, const MetricsLog& log, double batch_seconds) {
    if (model.progress.finished || log.batches.empty() || log.epochs.empty()) return "";
    const double per_batch = batch_seconds / double(log.batches.size());
    const double left = double(model.config.epochs - model.progress.epoch) * double(log.epochs.back().batches) -
                        double(model.progress.batch);
    return "; about " + fmt(std::max(0.0, left) * per_batch / 60.0, 1) + " min to finish at this pace";
}

void run_header(Page& page, const Model& model, const MetricsLog& log) {
    const TrainConfig& c = model.config;
    const LearnerStatus status = model.make_learner().get_status();
    double seconds = 0, images = 0, learner = 0, steps = 0, waits = 0;
    for (const auto& b : log.batches) {
        steps += b.timings.total;
        waits += b.timings.data_wait;
        learner += b.timings.learner;
        images += double(b.images);
    }
    for (const auto& e : log.epochs) seconds += e.seconds;
    page.rows({
        {"data", c.data + " (" + std::to_string(c.dataset.resolution) + "×" + std::to_string(c.dataset.resolution) +
                     (c.dataset.tiles ? " tiles" : "") + ", " + std::to_string(c.dataset.channels) + " channel(s), " +
                     std::to_string(model.class_names.size()) + " class(es))"},
        {"model", "K = " + std::to_string(c.codebook.num_codes) + " codewords of " + std::to_string(c.patch_size) + "×" +
                      std::to_string(c.patch_size) + "; learner: " + learner_label(c) + "; seed " +
                      std::to_string(c.seed)},
        {"progress", "epoch " + std::to_string(model.progress.epoch) + " of " + std::to_string(c.epochs) + ", " +
                         std::to_string(model.progress.step) + " batches of " + std::to_string(c.batch_size) + ", " +
                         std::to_string(model.progress.images) + " images" +
                         (model.progress.finished ? " (finished)" : " (not finished: resume with --resume)")},
        {"input noise", c.input_noise_max > c.input_noise
                            ? "σ per image from " + fmt(c.input_noise * 255, 1) + " to " + fmt(c.input_noise_max * 255, 1) +
                                  " / 255 (targets clean)"
                        : c.input_noise > 0 ? "σ = " + fmt(c.input_noise * 255, 1) + " / 255 (targets clean)"
                                            : "none"},
        {"best validation PSNR", model.progress.best_epoch >= 0
                                     ? fmt(model.progress.best_validation_psnr, 2) + " dB (epoch " +
                                           std::to_string(model.progress.best_epoch + 1) + ")"
                                     : "—"},
        {"time", fmt(seconds, 1) + " s in epochs; " + (steps > 0 ? fmt(images / steps, 0) : std::string("—")) +
                     " images/s in training steps; learner " + (steps > 0 ? fmt(100 * learner / steps, 2) : "0") +
                     " % of step time; waiting for data " +
                     (steps > 0 ? fmt(100 * waits / (waits + steps), 1) : std::string("0")) + " % of steps + waits" +
                     eta_text(model, log, steps + waits)},
        {"final status (get_status)", "sigma " + status.sigma + ", tau " + status.tau + ", radius " + status.radius +
                                          ", recent loss " + status.recent_loss},
        {"metrics lines", std::to_string(log.batches.size()) + " batch, " + std::to_string(log.epochs.size()) +
                              " epoch, " + std::to_string(log.skipped_lines) + " malformed line(s) skipped"},
    });
}

void class_table(Page& page, const Model& model) {
    std::ostringstream t;
    t << "<table><tr><th>class</th><th>name</th><th>sigma</th><th>tau</th><th>smooth steps</th><th>updates</th></tr>";
    for (std::size_t k = 0; k < model.learner.classes.size(); ++k) {
        const ClassParams& p = model.learner.classes[k];
        const std::string name = k < model.class_names.size() ? model.class_names[k] : std::to_string(k);
        t << "<tr><td class=\"n\">" << k << "</td><td>" << xml_escape(name) << "</td><td class=\"n\">" << fmt(p.sigma)
          << "</td><td class=\"n\">" << fmt(p.tau) << "</td><td class=\"n\">" << p.smooth_steps
          << "</td><td class=\"n\">" << p.loss_history.size() << "</td></tr>";
    }
    t << "</table>\n";
    page.html(t.str());
}

// How the refined rows and figures were made: the run's refiner (token_refine.hpp).
std::string refinement_note(const Model& model) {
    const RefineOptions& o = model.config.refine;
    if (o.refiner == Refiner::graph) return "Refined by the seed's graph diffusion with the learned parameters.";
    char text[256];
    std::snprintf(text, sizeof text,
                  "Refined by collaborative filtering at the quantisation RMS %.4f (its strength chosen per image, "
                  "at most %.2f × the RMS)%s.",
                  refine_level(model), o.strength, o.keep_codewords ? ", tiles kept in their codeword's cell" : "");
    return text;
}

// A PNG in the page, as the other images: nothing is fetched, the file stands alone.
std::string embedded_png(const std::string& alt, const std::vector<unsigned char>& png) {
    return "<img class=\"grid\" alt=\"" + xml_escape(alt) + "\" src=\"data:image/png;base64," + base64(png) + "\">\n";
}

constexpr int kPriorRows = 8, kPriorColumns = 6;  // the strongest Gaussians, their first eigen-patches

// The class priors and the attention's key of each: where its training items sit in the four
// heads' statistics, standardised over all of them.
void class_prior_table(Page& page, const Model& model) {
    std::ostringstream t;
    t << "<p class=\"note\">One prior per class, mixed per image by attention: an image's four head statistics "
         "(of the filter's output) against each class's key, weights softmax(−τ · squared distance).</p>\n"
      << "<table><tr><th>class</th><th>Gaussians</th><th>key: texture</th><th>structure</th><th>colour</th>"
         "<th>spatial</th></tr>";
    const ClassPriors& cp = *model.class_priors;
    for (std::size_t c = 0; c < cp.priors.size(); ++c) {
        t << "<tr><td>" << xml_escape(model.class_names[c]) << "</td><td class=\"n\">" << cp.priors[c].size() << "</td>";
        for (const double v : cp.attention.keys[c]) t << "<td class=\"n\">" << fmt(v) << "</td>";
        t << "</tr>";
    }
    t << "</table>\n";
    page.html(t.str());
}

void prior_section(Page& page, const Model& model) {
    page.heading("Patch prior");
    if (!model.prior) {
        page.html("<p class=\"note\">No patch prior: " +
                  std::string(model.config.prior_components == 0 ? "trained with --prior-components 0 (or before priors)"
                              : model.progress.finished          ? "the training patches were fewer than its Gaussians"
                                                                 : "it is fitted when the run finishes") +
                  ".</p>\n");
        return;
    }
    const PatchPrior& prior = *model.prior;
    const int p = prior.patch_size();
    page.html("<p class=\"note\">" + std::to_string(prior.size()) + " Gaussians over " + std::to_string(p) + "×" +
              std::to_string(p) + "×" + std::to_string(prior.channels()) + " patches" +
              (prior.mean_removed() ? " minus their mean" : "") + ", fitted to the training tiles. Rows: the " +
              std::to_string(std::min(kPriorRows, prior.size())) +
              " heaviest (w: weight); columns: their first eigen-patches, largest variance first, each scaled to "
              "[0, 255] symmetric around 0 (mid-grey = 0).</p>\n" +
              embedded_png("patch prior eigen-patches",
                           encode_image(detail::eigen_patch_grid(prior, kPriorRows, kPriorColumns), "eigen.png")));
    if (model.class_priors) class_prior_table(page, model);
    if (const auto& d = model.denoising) {
        char which[96] = "the pooled prior";
        if (d->prior_tau >= 0) std::snprintf(which, sizeof which, "the class priors mixed by attention at τ %g", d->prior_tau);
        char line[480];
        std::snprintf(line, sizeof line,
                      "<p class=\"note\">Denoising with this model (<code>lidecm denoise --model</code>), measured on %d "
                      "training images at σ 25: whole-image patch groups %s (%+.2f dB), the prior's step %s with %s "
                      "(%+.2f dB; the pooled prior %+.2f dB).</p>\n",
                      d->images, d->global_candidates > 0 ? "on" : "off", d->gain_db, d->use_prior ? "on" : "off",
                      which, d->prior_gain_db, d->pooled_gain_db);
        page.html(line);
    }
}

// A few images per class from the token prior, as `lidecm generate` makes them.
void generated_section(Page& page, const Model& model) {
    page.heading("Generated samples");
    if (!model.token_prior) {
        page.html("<p class=\"note\">No token prior: " +
                  std::string(!model.config.token_prior ? "trained with --no-token-prior (or before token priors)"
                                                        : "it is fitted when the run finishes") +
                  ".</p>\n");
        return;
    }
    constexpr int kPerClass = 6, kClasses = 10;
    std::vector<int> classes;
    for (int c = 0; c < std::min(kClasses, model.token_prior->classes()); ++c) classes.push_back(c);
    GenerateOptions o;
    o.count = kPerClass * int(classes.size());
    o.seed = model.config.seed;
    page.html("<p class=\"note\">New token grids sampled per class from the token prior (" +
              std::to_string(model.token_prior->contexts()) +
              " contexts of class, left and upper token), decoded and refined: <code>lidecm generate --model M -n " +
              std::to_string(o.count) + " --seed " + std::to_string(o.seed) + "</code>.</p>\n" +
              embedded_png("generated samples", encode_image(generated_grid(model, classes, generate_images(model, classes, o)),
                                                             "generated.png")));
}

}  // namespace

std::string base64(const std::vector<unsigned char>& bytes) {
    static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t v = std::uint32_t(bytes[i]) << 16;
        if (n > 1) v |= std::uint32_t(bytes[i + 1]) << 8;
        if (n > 2) v |= bytes[i + 2];
        for (std::size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
    }
    return out;
}

std::string run_report_html(const std::filesystem::path& run_dir, const ReportOptions& r, RunReportSummary* summary) {
    const Model model = load_model(run_dir / "model.lidecm");
    const MetricsLog log = read_metrics(run_dir / "metrics.jsonl");
    const auto& b = log.batches;
    const auto& e = log.epochs;
    Page page("lidecm training report — " + run_dir.filename().string());
    run_header(page, model, log);

    page.heading("Losses");
    page.chart(line_chart_svg({batch_series("loss proxy", b, [](const BatchMetrics& m) { return m.loss; }),
                               batch_series("1 − SSIM", b, [](const BatchMetrics& m) { return m.one_minus_ssim; }),
                               epoch_series("loss proxy, epoch mean", e, [](const EpochMetrics& m) { return m.loss; }, true)},
                              chart("Loss proxy and 1 − SSIM", "batch", "loss", r)),
               "Per batch; the epoch means are drawn at each epoch's last batch.");
    page.chart(line_chart_svg({batch_series("MSE (refined)", b, [](const BatchMetrics& m) { return m.mse; }),
                               batch_series("quantisation MSE", b, [](const BatchMetrics& m) { return m.quant_mse; }),
                               epoch_series("MSE, epoch mean", e, [](const EpochMetrics& m) { return m.mse; }, true)},
                              chart("MSE and quantisation error", "batch", "mean squared error", r)),
               "MSE of the refined reconstruction against the target; quantisation MSE of the tiles.");
    if (!e.empty()) {
        page.chart(line_chart_svg({epoch_series("token", e, [](const EpochMetrics& m) { return m.val_psnr_token; }, false),
                                   epoch_series("refined", e, [](const EpochMetrics& m) { return m.val_psnr_refined; }, false)},
                                  chart("Validation PSNR", "epoch", "PSNR (dB)", r)),
                   "Held-out validation images, token and refined reconstructions. " + refinement_note(model));
    }

    page.heading("Parameters and attention");
    const ParamBounds& bounds = model.config.learner.bounds;
    const bool risk_rule = model.config.learner.rule == LearnerRule::risk;
    ChartOptions sigma = chart("sigma", "batch", "sigma", r);
    sigma.bands = {{bounds.sigma_min, bounds.sigma_max, "clamp range"}};
    page.chart(line_chart_svg({batch_series("sigma", b, [](const BatchMetrics& m) { return m.sigma; })}, sigma),
               "Global sigma after each batch; the shaded band is its clamp range.");
    ChartOptions tau = chart("tau", "batch", "tau", r);
    tau.bands = {{bounds.tau_min, bounds.tau_max, "clamp range"}};
    page.chart(line_chart_svg({batch_series("tau", b, [](const BatchMetrics& m) { return m.tau; })}, tau),
               "Global tau after each batch; the shaded band is its clamp range.");
    ChartOptions att = chart("Attention weights", "batch", "weight", r);
    att.y_min = 0;
    page.chart(line_chart_svg({batch_series("texture", b, [](const BatchMetrics& m) { return m.attention.texture; }),
                               batch_series("structure", b, [](const BatchMetrics& m) { return m.attention.structure; }),
                               batch_series("colour", b, [](const BatchMetrics& m) { return m.attention.color; }),
                               batch_series("spatial", b, [](const BatchMetrics& m) { return m.attention.spatial; })},
                              att),
               risk_rule ? "Mean over the batch's scored images of their heads' softmax weights (they sum to 1)."
                      : "Softmax weights of the four heads (they sum to 1).");
    if (risk_rule) {
        ChartOptions spread = chart("Attention spread across images", "batch", "std of the weight", r);
        spread.y_min = 0;
        page.chart(
            line_chart_svg({batch_series("texture", b, [](const BatchMetrics& m) { return m.attention_spread.texture; }),
                            batch_series("structure", b, [](const BatchMetrics& m) { return m.attention_spread.structure; }),
                            batch_series("colour", b, [](const BatchMetrics& m) { return m.attention_spread.color; }),
                            batch_series("spatial", b, [](const BatchMetrics& m) { return m.attention_spread.spatial; })},
                           spread),
            "How differently the heads weigh the images of a batch: the standard deviation of each head's weight "
            "over its scored images (0 when every image gets the same weights).");
    }
    page.html("<h3>Per-class parameters</h3>\n");
    class_table(page, model);

    page.heading("Data pipeline");
    page.chart(line_chart_svg({batch_series("waiting for data", b, [](const BatchMetrics& m) { return m.timings.data_wait; }),
                               batch_series("training step", b, [](const BatchMetrics& m) { return m.timings.total; })},
                              chart("Time per batch", "batch", "seconds", r)),
               "When the waits rise above the steps, decoding is the bottleneck: raise --cache-mb or "
               "--decode-threads, or store the images smaller.");

    page.heading("Codebook");
    std::vector<double> counts(model.codebook->counts().begin(), model.codebook->counts().end());
    std::sort(counts.rbegin(), counts.rend());
    page.chart(bar_chart_svg(counts, chart("Codeword use", "codewords, most used first", "running count", r)),
               "Running counts of the mini-batch M-step (re-seeded codewords restart at 0).");
    page.chart(line_chart_svg({batch_series("per batch", b, [](const BatchMetrics& m) { return m.perplexity; }),
                               epoch_series("per epoch", e, [](const EpochMetrics& m) { return m.perplexity; }, true)},
                              chart("Perplexity", "batch", "perplexity", r)),
               "exp(entropy) of the assignment histogram; K = " + std::to_string(model.codebook->size()) + " is the most.");

    prior_section(page, model);
    generated_section(page, model);

    const auto samples = run_dir / "samples.png";
    if (std::filesystem::exists(samples)) {
        page.heading("Validation samples");
        page.html("<p class=\"note\">Rows: originals" + std::string(model.config.input_noise > 0 || model.config.input_noise_max > 0 ? ", noisy inputs" : "") +
                  ", token reconstructions, refined reconstructions. " + refinement_note(model) + "</p>\n" +
                  embedded_png("validation samples", read_file_bytes(samples, kMaxEmbeddedBytes)));
    }
    if (summary) *summary = {b.size(), e.size(), log.skipped_lines, page.charts()};
    return page.str();
}

RunReportSummary write_run_report(const std::filesystem::path& run_dir, const std::filesystem::path& out,
                                  const ReportOptions& options) {
    RunReportSummary summary;
    const std::string html = run_report_html(run_dir, options, &summary);
    write_file_atomically(out, std::vector<unsigned char>(html.begin(), html.end()));
    return summary;
}

}  // namespace lidecm
