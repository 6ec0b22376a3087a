// Ablation of the EM learner (issues #4 and #13): the same training run under four
// learner variants, everything else identical (data, seeds, K, epochs, threads,
// refiner), over several seeds and four datasets:
//
//   mixed       the sample photos and textures cut into 64×64 tiles; every 4th photo
//               (by name) held out whole and scored at the end
//   cifar2      a generated 2-class CIFAR-10 binary set (32×32): smooth gradients vs
//               textures, per-class parameters in use; 160 held-out records
//   noisy       mixed with Gaussian noise σ = 25/255 added to the inputs (targets clean)
//   mixednoise  mixed with each input's own σ drawn from [5, 50]/255 (targets clean)
//
// Variants (train --learner): fixed (no learner), seed (the seed's learner, DESIGN §4),
// plain (the risk rule with one parameter set), attention (the risk rule, four heads
// mixed per image; training's default). Measures per run: parameter convergence
// (batches until sigma and tau stay within 2 % of their final values), loss
// convergence (batches until the window-10 moving average of the loss proxy stays
// within 2 % of its final value), held-out refined MSE, PSNR and SSIM (refined as
// `detokenize --refine` refines: the model's refiner, its parameters for the image, at
// its quantisation level), std of the successive loss deltas over the last half, sign
// changes of sigma's and tau's steps, learner time share (the paired evaluations
// included) and µs per batch. Learner memory after 1,000 batches is measured separately.
//
// Output: Markdown tables on stdout; every run in --out/runs.csv; SVG plots of
// seed 1's loss proxy, sigma, tau and attention per dataset in --out.
//
//   ablation [--seeds 5] [--epochs 12] [--codes 256] [--refiner collaborative|graph] [--out docs/ablation]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/denoise/graph.hpp"
#include "lidecm/data/samples.hpp"
#include "lidecm/report/svg_chart.hpp"
#include "lidecm/codebook/token_refine.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/train/trainer.hpp"
#include "photo_tiles.hpp"

namespace fs = std::filesystem;
using namespace lidecm;

namespace {

struct HeldOut {
    Image target;
    int label = 0;
};

struct DatasetSpec {
    std::string name, title;
    std::string data;
    int resolution = 64;
    double noise = 0, noise_max = 0;  ///< input noise σ, or each input's σ from [noise, noise_max]
    std::vector<HeldOut> held_out;
};

struct RunResult {
    std::string dataset, variant;
    int seed = 0;
    std::size_t batches = 0, convergence = 0, param_convergence = 0;
    double psnr_token = 0, psnr_refined = 0, ssim_token = 0, ssim_refined = 0, mse_refined = 0;
    double delta_std = 0;
    int sigma_flips = 0, tau_flips = 0;
    double learner_share = 0, learner_us = 0;
    std::vector<double> loss, sigma, tau;
    std::vector<AttentionWeights> attention;
};

const char* const kVariants[] = {"fixed", "seed", "plain", "attention"};

// Tiles of the training photos into a folder; every k-th tile of the held-out photos kept.
DatasetSpec mixed(const fs::path& scratch) {
    DatasetSpec d{"mixed", "mixed photos and textures (64×64 tiles)", (scratch / "mixed").string(), 64, 0, 0, {}};
    fs::create_directories(d.data);
    const bench::PhotoSplit photos = bench::split_photos(4);
    std::vector<Image> held;
    std::size_t n = 0;
    for (const auto& file : photos.train) {
        for (const Image& t : bench::photo_tiles(file, 64)) {
            save_image(t, fs::path(d.data) / (file.stem().string() + "_" + std::to_string(n++) + ".png"));
        }
    }
    for (const auto& file : photos.held_out) {
        for (Image& t : bench::photo_tiles(file, 64)) held.push_back(std::move(t));
    }
    const std::size_t step = std::max<std::size_t>(1, held.size() / 160);
    for (std::size_t i = 0; i < held.size(); i += step) d.held_out.push_back({held[i], 0});
    return d;
}

// A 32×32 image of class 0 (smooth: a random linear colour ramp) or 1 (texture:
// random-contrast noise around a random colour, with stripes half of the time).
Image cifar_image(int label, std::mt19937_64& rng) {
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    Image img(32, 32, 3);
    const float base[3] = {u(rng), u(rng), u(rng)};
    const float gy = (u(rng) - 0.5f) / 32, gx = (u(rng) - 0.5f) / 32, amp = 0.1f + 0.3f * u(rng);
    const bool stripes = u(rng) < 0.5f;
    const int period = 2 + int(u(rng) * 4);
    for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x) {
            for (int c = 0; c < 3; ++c) {
                float v = label == 0 ? base[c] + gy * float(y) * 12 + gx * float(x) * 12
                                     : base[c] + amp * (u(rng) - 0.5f) + (stripes && (x / period) % 2 ? amp : 0.0f);
                img.data[(std::size_t(y) * 32 + x) * 3 + c] = std::clamp(v, 0.0f, 1.0f);
            }
        }
    }
    return img;
}

DatasetSpec cifar2(const fs::path& scratch) {
    DatasetSpec d{"cifar2", "2-class CIFAR-10 binary (smooth vs texture, 32×32)", (scratch / "cifar2").string(), 32, 0, 0, {}};
    fs::create_directories(d.data);
    std::mt19937_64 rng(2024);
    std::ofstream out(fs::path(d.data) / "data_batch_1.bin", std::ios::binary);
    for (int i = 0; i < 800; ++i) {
        const int label = i % 2;
        const Image img = cifar_image(label, rng);
        if (i >= 640) {  // held out: never written to the training file
            d.held_out.push_back({img, label});
            continue;
        }
        out.put(char(label));
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < 1024; ++p) out.put(char(std::lround(img.data[std::size_t(p) * 3 + c] * 255.0f)));
    }
    std::ofstream(fs::path(d.data) / "batches.meta.txt") << "smooth\ntexture\n";
    return d;
}

// Batches until the window-10 moving average stays within 2 % of its final value.
std::size_t convergence(const std::vector<double>& loss) {
    if (loss.size() < 10) return loss.size();
    std::vector<double> ma;
    double sum = 0;
    for (std::size_t i = 0; i < loss.size(); ++i) {
        sum += loss[i];
        if (i >= 10) sum -= loss[i - 10];
        if (i >= 9) ma.push_back(sum / 10);
    }
    const double final = ma.back(), tol = 0.02 * std::fabs(final);
    std::size_t b = ma.size();
    while (b > 0 && std::fabs(ma[b - 1] - final) <= tol) --b;
    return b + 9 + 1;  // ma[j] ends at batch j + 10 (1-based)
}

// Batches until every series stays within 2 % of its final value.
std::size_t settled(const std::vector<const std::vector<double>*>& series) {
    std::size_t last_out = 0;
    for (const auto* s : series) {
        if (s->empty()) continue;
        const double final = s->back();
        for (std::size_t i = 0; i < s->size(); ++i) {
            if (std::fabs((*s)[i] - final) > 0.02 * std::fabs(final)) last_out = std::max(last_out, i + 1);
        }
    }
    return last_out;
}

int sign_changes(const std::vector<double>& v) {
    int flips = 0, last = 0;
    for (std::size_t i = 1; i < v.size(); ++i) {
        const double d = v[i] - v[i - 1];
        const int s = d > 0 ? 1 : d < 0 ? -1 : 0;
        if (s != 0 && last != 0 && s != last) ++flips;
        if (s != 0) last = s;
    }
    return flips;
}

double delta_std(const std::vector<double>& loss) {
    std::vector<double> d;
    for (std::size_t i = loss.size() / 2 + 1; i < loss.size(); ++i) d.push_back(loss[i] - loss[i - 1]);
    if (d.size() < 2) return 0;
    const double mean = std::accumulate(d.begin(), d.end(), 0.0) / double(d.size());
    double var = 0;
    for (double x : d) var += (x - mean) * (x - mean);
    return std::sqrt(var / double(d.size() - 1));
}

// σ of held-out image i of a mixed-noise set: spread evenly over [lo, hi] (golden-ratio sequence).
double held_out_sigma(const DatasetSpec& d, std::size_t i) {
    if (d.noise_max <= d.noise) return d.noise;
    const double u = std::fmod(0.5 + double(i) * 0.6180339887498949, 1.0);
    return d.noise + (d.noise_max - d.noise) * u;
}

RunResult run_one(const DatasetSpec& d, const std::string& variant, int seed, int epochs, int codes, Refiner refiner,
                  const fs::path& scratch) {
    TrainConfig c;
    select_refiner(c, refiner);
    select_learner(c, variant);
    c.data = d.data;
    c.dataset.resolution = d.resolution;
    c.dataset.validation_fraction = 0;  // scored on the held-out set below
    c.codebook.num_codes = codes;
    c.epochs = epochs;
    c.seed = std::uint64_t(seed);
    c.input_noise = d.noise;
    c.input_noise_max = d.noise_max;
    // The patch prior is fitted after the last batch and leaves the learner alone; fitting
    // and measuring it at every run's end tripled the ablation's time.
    c.prior_components = 0;
    RunResult r;
    r.dataset = d.name;
    r.variant = variant;
    r.seed = seed;
    double learner = 0, total = 0;
    TrainEvents events;
    events.on_batch = [&](const BatchMetrics& m, std::uint64_t) {
        r.loss.push_back(m.loss);
        r.sigma.push_back(m.sigma);
        r.tau.push_back(m.tau);
        r.attention.push_back(m.attention);
        learner += m.timings.learner;
        total += m.timings.total;
    };
    const TrainResult t = train(c, scratch / ("run_" + d.name + "_" + variant), events, true);
    r.batches = r.loss.size();
    r.convergence = convergence(r.loss);
    r.param_convergence = settled({&r.sigma, &r.tau});
    r.delta_std = delta_std(r.loss);
    r.sigma_flips = sign_changes(r.sigma);
    r.tau_flips = sign_changes(r.tau);
    r.learner_share = total > 0 ? learner / total : 0;
    r.learner_us = 1e6 * learner / double(std::max<std::size_t>(1, r.batches));
    const EMParameterLearner l = t.model.make_learner();
    const bool labelled = t.model.class_names.size() > 1;
    const Model& model = t.model;
    for (std::size_t i = 0; i < d.held_out.size(); ++i) {
        const HeldOut& h = d.held_out[i];
        const double sigma = held_out_sigma(d, i);
        const Image input = sigma > 0 ? add_gaussian_noise(h.target, sigma, 1000 + i) : h.target;
        const Image token = decode(*model.codebook, encode(*model.codebook, input, c.patch_size));
        const GraphParams p = l.image_parameters(token, c.patch_size, labelled ? h.label : EMParameterLearner::kAnyClass);
        const Image refined = refine_tokens(token, *model.codebook, c.patch_size,
                                            learner_mapped(model.config.refine, p, model.config.learner.initial),
                                            refine_level(model), p)
                                  .image;
        r.psnr_token += psnr(token, h.target);
        r.psnr_refined += psnr(refined, h.target);
        r.mse_refined += mse(refined, h.target);
        r.ssim_token += ssim(token, h.target);
        r.ssim_refined += ssim(refined, h.target);
    }
    const double n = double(d.held_out.size());
    r.psnr_token /= n;
    r.psnr_refined /= n;
    r.ssim_token /= n;
    r.ssim_refined /= n;
    r.mse_refined /= n;
    return r;
}

struct Stat {
    double mean = 0, std = 0;
};
template <class F>
Stat stat(const std::vector<const RunResult*>& runs, F f) {
    Stat s;
    for (const auto* r : runs) s.mean += f(*r);
    s.mean /= double(runs.size());
    for (const auto* r : runs) s.std += (f(*r) - s.mean) * (f(*r) - s.mean);
    s.std = runs.size() > 1 ? std::sqrt(s.std / double(runs.size() - 1)) : 0;
    return s;
}

std::string pm(Stat s, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f ± %.*f", decimals, s.mean, decimals, s.std);
    return buf;
}

void plots(const std::string& name, const std::vector<RunResult>& runs, const fs::path& out) {
    std::vector<ChartSeries> loss, sigma, tau, attention;
    const RunResult* att = nullptr;
    for (const auto& r : runs) {
        if (r.dataset != name || r.seed != 1) continue;
        std::vector<double> x(r.loss.size()), ma(r.loss.size());
        double sum = 0;
        for (std::size_t i = 0; i < r.loss.size(); ++i) {
            x[i] = double(i + 1);
            sum += r.loss[i];
            if (i >= 10) sum -= r.loss[i - 10];
            ma[i] = sum / double(std::min<std::size_t>(i + 1, 10));
        }
        loss.push_back({r.variant, x, ma, ""});
        sigma.push_back({r.variant, x, r.sigma, ""});
        tau.push_back({r.variant, x, r.tau, ""});
        if (r.variant == "attention") att = &r;
    }
    auto write = [&](const std::string& what, const std::vector<ChartSeries>& s, const std::string& y,
                     std::vector<ChartBand> bands = {}) {
        ChartOptions o;
        o.title = name + ": " + what + " (seed 1)";
        o.x_label = "batch";
        o.y_label = y;
        o.bands = std::move(bands);
        std::ofstream(out / (name + "_" + what + ".svg")) << line_chart_svg(s, o);
    };
    write("loss", loss, "loss proxy (moving average of 10)");
    write("sigma", sigma, "sigma (seed bounds 0.1–0.5)");
    write("tau", tau, "tau (seed bounds 0.05–0.3)");
    if (att) {
        std::vector<double> x, t, s, c, p;
        for (std::size_t i = 0; i < att->attention.size(); ++i) {
            x.push_back(double(i + 1));
            t.push_back(att->attention[i].texture);
            s.push_back(att->attention[i].structure);
            c.push_back(att->attention[i].color);
            p.push_back(att->attention[i].spatial);
        }
        write("attention", {{"texture", x, t, ""}, {"structure", x, s, ""}, {"colour", x, c, ""}, {"spatial", x, p, ""}},
              "attention weight");
    }
}

void memory_report() {
    // 1,000 batches of the trainer's pattern: one global update with a batch's
    // features, 32 per-class updates (10 classes).
    EMParameterLearner l;
    const PatchFeatures f{0.6, 0.4, 0.2, 0.9};
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> u(0.2, 0.8);
    for (int b = 0; b < 1000; ++b) {
        l.update_global_params(u(rng), u(rng), f);
        for (int i = 0; i < 32; ++i) l.update_class_params(i % 10, u(rng), u(rng));
    }
    std::printf("\nLearner memory after 1,000 batches (10 classes, 32 images per batch): %zu bytes without "
                "histories, %zu bytes with them.\n",
                l.state_bytes(false), l.state_bytes(true));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Ablation of the EM learner: fixed vs seed vs plain vs attention"};
    std::string refiner_name = "collaborative";
    int seeds = 5, epochs = 12, codes = 256;
    std::string out = "docs/ablation";
    std::string scratch = (fs::temp_directory_path() / "lidecm_ablation").string();
    app.add_option("--seeds", seeds, "Seeds per variant")->default_val(5);
    app.add_option("--epochs", epochs, "Epochs per run")->default_val(12);
    app.add_option("--codes", codes, "Codewords K")->default_val(256);
    app.add_option("--out", out, "Folder for runs.csv and the SVG plots")->default_val("docs/ablation");
    app.add_option("--scratch", scratch, "Scratch folder");
    app.add_option("--refiner", refiner_name, "Refiner the learner drives (training's default: collaborative)")
        ->check(CLI::IsMember({"collaborative", "graph"}))->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        fs::remove_all(scratch);
        fs::create_directories(out);
        std::vector<DatasetSpec> sets = {mixed(scratch), cifar2(scratch)};
        DatasetSpec noisy = sets[0];
        noisy.name = "noisy";
        noisy.title = "mixed tiles with input noise σ = 25 (targets clean)";
        noisy.noise = 25.0 / 255.0;
        sets.push_back(noisy);
        DatasetSpec mixed_noise = sets[0];
        mixed_noise.name = "mixednoise";
        mixed_noise.title = "mixed tiles, each input with its own σ from [5, 50]/255 (targets clean)";
        mixed_noise.noise = 5.0 / 255.0;
        mixed_noise.noise_max = 50.0 / 255.0;
        sets.push_back(mixed_noise);
        const Refiner refiner = refiner_name == "graph" ? Refiner::graph : Refiner::collaborative;
        std::vector<RunResult> runs;
        for (const auto& d : sets) {
            for (int seed = 1; seed <= seeds; ++seed) {
                for (const char* v : kVariants) {
                    std::fprintf(stderr, "%s seed %d %s\n", d.name.c_str(), seed, v);
                    runs.push_back(run_one(d, v, seed, epochs, codes, refiner, scratch));
                }
            }
        }
        std::ofstream csv(fs::path(out) / "runs.csv");
        csv << "dataset,variant,seed,batches,convergence_batches,param_convergence_batches,psnr_token,psnr_refined,"
               "mse_refined,ssim_token,ssim_refined,loss_delta_std,sigma_sign_changes,tau_sign_changes,learner_share,"
               "learner_us_per_batch,final_sigma,final_tau\n";
        for (const auto& r : runs) {
            csv << r.dataset << ',' << r.variant << ',' << r.seed << ',' << r.batches << ',' << r.convergence << ','
                << r.param_convergence << ',' << r.psnr_token << ',' << r.psnr_refined << ',' << r.mse_refined << ','
                << r.ssim_token << ',' << r.ssim_refined << ','
                << r.delta_std << ',' << r.sigma_flips << ',' << r.tau_flips << ',' << r.learner_share << ','
                << r.learner_us << ',' << r.sigma.back() << ',' << r.tau.back() << '\n';
        }
        for (const auto& d : sets) {
            plots(d.name, runs, out);
            std::map<std::string, std::vector<const RunResult*>> by;
            for (const auto& r : runs)
                if (r.dataset == d.name) by[r.variant].push_back(&r);
            std::printf("\n### %s — %zu held-out images, %zu batches per run, %d seeds\n\n", d.title.c_str(),
                        d.held_out.size(), by["fixed"].front()->batches, seeds);
            std::printf("| variant | parameters settled (batches) | loss settled (batches) | refined MSE (×10⁻³) | "
                        "refined PSNR (dB) | refined SSIM | token PSNR (dB) | token SSIM | "
                        "loss-delta std (last half) | sigma step sign changes | tau step sign changes | learner share | "
                        "learner µs/batch | final sigma | final tau |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (const char* v : kVariants) {
                const auto& rs = by[v];
                std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", v,
                            pm(stat(rs, [](const RunResult& r) { return double(r.param_convergence); }), 1).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return double(r.convergence); }), 1).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return 1000 * r.mse_refined; }), 4).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return r.psnr_refined; }), 3).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return r.ssim_refined; }), 4).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return r.psnr_token; }), 3).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return r.ssim_token; }), 4).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return r.delta_std; }), 4).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return double(r.sigma_flips); }), 1).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return double(r.tau_flips); }), 1).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return 100 * r.learner_share; }), 2).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return r.learner_us; }), 0).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return r.sigma.back(); }), 4).c_str(),
                            pm(stat(rs, [](const RunResult& r) { return r.tau.back(); }), 4).c_str());
            }
            auto mean_of = [&](const char* v, auto f) { return stat(by[v], f).mean; };
            auto mse_of = [](const RunResult& r) { return r.mse_refined; };
            auto conv = [](const RunResult& r) { return double(r.param_convergence); };
            std::printf("\nrefined MSE ratio (lower is better): attention / plain %.3f, attention / fixed %.3f, "
                        "plain / fixed %.3f, seed / fixed %.3f; parameters settled: attention %.0f, plain %.0f, "
                        "seed %.0f batches\n",
                        mean_of("attention", mse_of) / mean_of("plain", mse_of),
                        mean_of("attention", mse_of) / mean_of("fixed", mse_of),
                        mean_of("plain", mse_of) / mean_of("fixed", mse_of),
                        mean_of("seed", mse_of) / mean_of("fixed", mse_of), mean_of("attention", conv),
                        mean_of("plain", conv), mean_of("seed", conv));
        }
        memory_report();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ablation: %s\n", e.what());
        return 1;
    }
    return 0;
}
