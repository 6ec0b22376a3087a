// Which prior for which image (issue 22): on a set whose classes are kinds of image (the
// texture set of experiments/texture_set/make_texture_set.py: brick, grass, gravel), one
// Gaussian-mixture prior per class and one pooled prior are fitted to the training images,
// and every test image, with Gaussian noise, is denoised blind as `lidecm denoise --model`
// does (the self-tuned filter, then the SURE-chosen blend with prior_wiener) with
//   none       the filter alone
//   pooled     the prior of all classes
//   attention  the class priors mixed per image by attention (prior_attention.hpp, as
//              `lidecm train` fits them): the image's four head statistics (of the filter's
//              output), standardised over the training tiles, against each class's mean
//              over its tiles: weight_c = softmax_c(−τ ‖z − key_c‖²). τ is
//              trained on noisy copies of training tiles (σ 25, paired: the same copies
//              for every τ) by the measured PSNR, as the learner's objective is measured
//   sure       the class prior whose blend SURE estimates lowest
//   single     each class prior for every image (the best of them is "best single")
//   oracle     the image's own class's prior
// repeated for every seed (the priors' sample and EM start, the noise). Prints per σ the
// mean PSNR of each method minus none, and per seed attention − best single and − pooled.
//
//   prior_choice --set DIR [--sigmas 10,25,50] [--seeds 1,2,3,4,5] [--taus 0,0.25,1,4,16]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/codebook/patch_prior.hpp"
#include "lidecm/codebook/prior_attention.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/denoise/patches.hpp"
#include "lidecm/train/model_denoising.hpp"

namespace {

using namespace lidecm;
namespace fs = std::filesystem;

constexpr int kPatch = 8;
constexpr std::size_t kSample = 20'000;
constexpr int kTile = 128;

struct ClassData {
    std::string name;
    std::vector<Image> train;
    std::vector<Image> tiles;  ///< kTile² crops of the training images
};

PatchPrior fit(const std::vector<const Image*>& images, std::uint64_t seed, int components) {
    std::vector<float> all;
    std::size_t n = 0;
    for (const Image* im : images) {
        const PatchSet p = extract_patches(*im, kPatch, 2);
        all.insert(all.end(), p.values.begin(), p.values.end());
        n += p.size();
    }
    const std::size_t dim = std::size_t(kPatch * kPatch * images[0]->channels);
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    RandomStream rng{seed, 0x70c};
    shuffle(order, rng);
    order.resize(std::min(n, kSample));
    std::vector<float> sample;
    for (const std::size_t i : order) sample.insert(sample.end(), all.begin() + std::ptrdiff_t(i * dim), all.begin() + std::ptrdiff_t((i + 1) * dim));
    PatchPriorOptions o;
    o.components = components;
    o.seed = seed;
    return fit_patch_prior(sample.data(), order.size(), kPatch, images[0]->channels, o).prior;
}

Image with_noise(const Image& clean, double sigma, RandomStream& rng) {
    Image out = clean;
    for (float& v : out.data) v = float(std::clamp(std::round((v + sigma * rng.normal()) * 255.0), 0.0, 255.0) / 255.0);
    return out;
}

// The library's attention (prior_attention.hpp), keyed on kTile² crops of the training images.
PriorAttention attention_keys(const std::vector<ClassData>& classes) {
    std::vector<std::array<double, 4>> stats;
    std::vector<int> labels;
    for (std::size_t c = 0; c < classes.size(); ++c) {
        for (const Image& t : classes[c].tiles) stats.push_back(head_statistics(t, kPatch)), labels.push_back(int(c));
    }
    return fit_prior_attention(stats, labels, int(classes.size()));
}

double blended_psnr(const Image& noisy, const Image& clean, const DenoisedImage& d, const PatchPrior& prior,
                    double* sure = nullptr) {
    DenoisedImage copy = d;
    const PriorStep step = blend_with_prior(noisy, copy, prior, SelfTuneOptions{});
    if (sure) *sure = *std::min_element(step.sure_mse.begin(), step.sure_mse.end());
    return psnr(clean, copy.image);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Attention over class priors against one pooled prior and none (issue 22)"};
    std::string set_dir;
    std::vector<double> sigmas = {10, 25, 50}, taus(kPriorAttentionTaus.begin(), kPriorAttentionTaus.end());
    std::vector<std::uint64_t> seeds = {1, 2, 3, 4, 5};
    int components = 20;
    app.add_option("--set", set_dir, "Folder with train/CLASS/*.png and test/CLASS_*.png")->required();
    app.add_option("--sigmas", sigmas)->delimiter(',');
    app.add_option("--seeds", seeds)->delimiter(',');
    app.add_option("--taus", taus, "Attention temperatures training chooses among")->delimiter(',');
    app.add_option("--components", components);
    CLI11_PARSE(app, argc, argv);
    if (!fs::is_directory(fs::path(set_dir) / "train") || !fs::is_directory(fs::path(set_dir) / "test")) {
        std::fprintf(stderr, "prior_choice: %s needs train/ and test/ (make_texture_set.py makes them)\n", set_dir.c_str());
        return 1;
    }

    std::vector<ClassData> classes;
    for (const auto& e : fs::directory_iterator(fs::path(set_dir) / "train")) {
        if (!e.is_directory()) continue;
        ClassData c{e.path().filename().string(), {}, {}};
        for (const auto& f : fs::directory_iterator(e.path())) c.train.push_back(load_image(f.path()));
        for (const Image& im : c.train) {
            for (int y = 0; y + kTile <= im.height; y += kTile) {
                for (int x = 0; x + kTile <= im.width; x += kTile) c.tiles.push_back(crop(im, y, x, kTile, kTile));
            }
        }
        classes.push_back(std::move(c));
    }
    std::sort(classes.begin(), classes.end(), [](const ClassData& a, const ClassData& b) { return a.name < b.name; });
    std::vector<std::pair<std::string, int>> tests;  // file, class
    for (const auto& e : fs::directory_iterator(fs::path(set_dir) / "test")) {
        const std::string name = e.path().filename().string();
        for (std::size_t c = 0; c < classes.size(); ++c) {
            if (name.starts_with(classes[c].name + "_")) tests.emplace_back(e.path().string(), int(c));
        }
    }
    std::sort(tests.begin(), tests.end());
    const PriorAttention keys = attention_keys(classes);
    std::printf("%zu classes, %zu test images; keys (z of texture, structure, colour, spatial):\n", classes.size(), tests.size());
    for (std::size_t c = 0; c < classes.size(); ++c) {
        std::printf("  %-8s %+.2f %+.2f %+.2f %+.2f\n", classes[c].name.c_str(), keys.keys[c][0], keys.keys[c][1],
                    keys.keys[c][2], keys.keys[c][3]);
    }
    const std::size_t C = classes.size();
    // method → σ → per (seed, image) PSNR minus none
    std::map<std::string, std::map<double, std::vector<double>>> gain;
    std::map<double, std::map<std::string, std::vector<double>>> per_seed;  // σ → method → per-seed mean gain
    for (const std::uint64_t seed : seeds) {
        std::vector<PatchPrior> priors;
        std::vector<const Image*> everything;
        for (const ClassData& c : classes) {
            std::vector<const Image*> own;
            for (const Image& im : c.train) own.push_back(&im), everything.push_back(&im);
            priors.push_back(fit(own, seed, components));
        }
        const PatchPrior pooled = fit(everything, seed, components);
        std::vector<const PatchPrior*> class_priors;
        for (const PatchPrior& p : priors) class_priors.push_back(&p);

        // τ by the measured objective on noisy copies of training tiles (two per class).
        double tau = taus[0], best = -1e9;
        {
            std::vector<std::pair<Image, Image>> train_pairs;  // clean, noisy
            RandomStream rng{seed, 0x7a0};
            for (const ClassData& c : classes) {
                for (std::size_t t = 0; t < std::min<std::size_t>(2, c.tiles.size()); ++t) {
                    train_pairs.emplace_back(c.tiles[t], with_noise(c.tiles[t], 25.0 / 255.0, rng));
                }
            }
            std::vector<DenoisedImage> filtered;
            for (const auto& [clean, noisy] : train_pairs) filtered.push_back(denoise_image(noisy, DenoiseRequest{}));
            for (const double t : taus) {
                double mean = 0;
                for (std::size_t i = 0; i < train_pairs.size(); ++i) {
                    const PatchPrior mixed = mix_priors(class_priors, keys.weights(head_statistics(filtered[i].image, kPatch), t));
                    mean += blended_psnr(train_pairs[i].second, train_pairs[i].first, filtered[i], mixed) / double(train_pairs.size());
                }
                if (mean > best) best = mean, tau = t;
            }
        }
        std::printf("seed %llu: tau %g\n", static_cast<unsigned long long>(seed), tau);

        for (const double sigma : sigmas) {
            RandomStream rng{seed, std::uint64_t(sigma)};
            std::map<std::string, std::vector<double>> here;
            for (const auto& [file, cls] : tests) {
                const Image clean = load_image(file);
                const Image noisy = with_noise(clean, sigma / 255.0, rng);
                const DenoisedImage d = denoise_image(noisy, DenoiseRequest{});
                const double none = psnr(clean, d.image);
                here["pooled"].push_back(blended_psnr(noisy, clean, d, pooled) - none);
                double lowest = 1e9, chosen = 0;
                for (std::size_t c = 0; c < C; ++c) {
                    double sure = 0;
                    const double g = blended_psnr(noisy, clean, d, priors[c], &sure) - none;
                    here["single " + classes[c].name].push_back(g);
                    if (int(c) == cls) here["oracle"].push_back(g);
                    if (sure < lowest) lowest = sure, chosen = g;
                }
                here["sure"].push_back(chosen);
                const std::vector<double> w = keys.weights(head_statistics(d.image, kPatch), tau);
                here["attention"].push_back(blended_psnr(noisy, clean, d, mix_priors(class_priors, w)) - none);
                std::printf("  s%llu sigma %g %-28s none %.2f attention %+.2f (w", static_cast<unsigned long long>(seed), sigma,
                            fs::path(file).filename().c_str(), none, here["attention"].back());
                for (double v : w) std::printf(" %.2f", v);
                std::printf(") oracle %+.2f pooled %+.2f sure %+.2f\n", here["oracle"].back(), here["pooled"].back(), here["sure"].back());
                std::fflush(stdout);
            }
            for (auto& [method, v] : here) {
                gain[method][sigma].insert(gain[method][sigma].end(), v.begin(), v.end());
                double m = 0;
                for (double x : v) m += x / double(v.size());
                per_seed[sigma][method].push_back(m);
            }
        }
    }
    for (const double sigma : sigmas) {
        std::printf("\nsigma %g: mean dB over none (seeds x images)\n", sigma);
        for (auto& [method, by_sigma] : gain) {
            const auto& v = by_sigma[sigma];
            double m = 0;
            for (double x : v) m += x / double(v.size());
            std::printf("  %-16s %+.3f\n", method.c_str(), m);
        }
        auto& ps = per_seed[sigma];
        std::printf("  per seed attention - best single, - pooled:");
        for (std::size_t s = 0; s < ps["attention"].size(); ++s) {
            double best_single = -1e9;
            for (std::size_t c = 0; c < C; ++c) best_single = std::max(best_single, ps["single " + classes[c].name][s]);
            std::printf(" (%+.3f, %+.3f)", ps["attention"][s] - best_single, ps["attention"][s] - ps["pooled"][s]);
        }
        std::printf("\n");
    }
}
