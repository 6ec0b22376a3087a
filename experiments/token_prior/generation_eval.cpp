// Do the token prior's samples look like their class? (issue #24's sample targets.) On a
// folder of classes (first folder level = class, as `lidecm train` reads it):
//  - a nearest-class-mean classifier on L1-normalised token histograms, fitted on the
//    --train images' grids; its accuracy on the --test images says whether histograms
//    separate the classes at all (if real images fail, generated ones cannot pass);
//  - per class, -n grids sampled by the model's token prior (TokenPrior::sample, seeded by
//    (seed, class, i)), classified as sampled and again after decode + refine +
//    re-tokenize (what a user of `lidecm generate` gets back, seen by the tokenizer);
//  - each sample's nearest training grid: the largest fraction of equal tokens at equal
//    positions over the training grids of its size (1 = a copy of a training image),
//    beside the same figure for the real test images (what a new real image scores);
//  - the time of generate_images for 16 images of the --size (the issue's ≤ 1 s target).
// Histograms ignore token positions, so the classifier judges the mix of tokens a sample
// uses, not its layout; it is the measure, cheap and with no learned parameters.
// A sample's tokens are drawn from its class's counts, so its histogram leans toward the
// class mean the classifier compares with: a high hit rate shows that the prior follows its
// class, not that a sample looks like a real image of it (the picture has to show that).
//
//   generation_eval --model M --train DIR --test DIR [-n 20] [--size 64] [--temperature 1]
//                   [--top-k K] [--seed 1] [--csv FILE]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/codebook/token_prior.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/generate.hpp"
#include "lidecm/train/model.hpp"

namespace fs = std::filesystem;
using namespace lidecm;

namespace {

struct Labelled {
    TokenGrid grid;
    int label = 0;  // the model's class index
};

// Every image under DIR/CLASS/, tokenized as the model tokenizes, its label the model's
// index of CLASS (so a folder whose classes are not the model's fails loudly).
std::vector<Labelled> tokenize_folder(const Model& model, const fs::path& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file() && has_image_extension(e.path())) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<Labelled> out;
    for (const fs::path& f : files) {
        const fs::path rel = fs::relative(f, dir);
        if (std::distance(rel.begin(), rel.end()) < 2) throw std::runtime_error(f.string() + " is not in a class folder");
        const Image img = model_input(model, load_image(f));
        out.push_back({encode(*model.codebook, img, model.config.patch_size), class_named(model, rel.begin()->string())});
    }
    return out;
}

std::vector<double> histogram(const TokenGrid& g, int codes) {
    std::vector<double> h(std::size_t(codes), 0.0);
    for (const auto t : g.indices) h[t] += 1.0 / double(g.indices.size());
    return h;
}

// Nearest class mean (Euclidean) over normalised histograms.
struct Classifier {
    std::vector<std::vector<double>> means;
    Classifier(const std::vector<Labelled>& train, int classes, int codes)
        : means(std::size_t(classes), std::vector<double>(std::size_t(codes), 0.0)) {
        std::vector<int> n(std::size_t(classes), 0);
        for (const Labelled& it : train) {
            const auto h = histogram(it.grid, codes);
            for (int k = 0; k < codes; ++k) means[std::size_t(it.label)][std::size_t(k)] += h[std::size_t(k)];
            ++n[std::size_t(it.label)];
        }
        for (int c = 0; c < classes; ++c) {
            for (double& v : means[std::size_t(c)]) v /= std::max(1, n[std::size_t(c)]);
        }
    }
    [[nodiscard]] int operator()(const TokenGrid& g) const {
        const auto h = histogram(g, int(means[0].size()));
        int best = 0;
        double best_d = 1e300;
        for (std::size_t c = 0; c < means.size(); ++c) {
            double d = 0;
            for (std::size_t k = 0; k < h.size(); ++k) d += (h[k] - means[c][k]) * (h[k] - means[c][k]);
            if (d < best_d) best_d = d, best = int(c);
        }
        return best;
    }
};

// Largest fraction of equal tokens at equal positions over the training grids of g's shape.
double nearest_agreement(const TokenGrid& g, const std::vector<Labelled>& train) {
    double best = 0;
    for (const Labelled& t : train) {
        if (t.grid.rows() != g.rows() || t.grid.cols() != g.cols()) continue;
        std::size_t same = 0;
        for (std::size_t i = 0; i < g.indices.size(); ++i) same += t.grid.indices[i] == g.indices[i];
        best = std::max(best, double(same) / double(g.indices.size()));
    }
    return best;
}

struct Row {  // per class; index 0..classes-1
    int test = 0, test_hit = 0, grid_hit = 0, image_hit = 0;
    double agree_sum = 0, agree_max = 0, real_agree_sum = 0, real_agree_max = 0;
    int copies = 0;  // samples equal to a training grid
    double kept = 0;  // fraction of a sample's tokens that decode + refine + re-tokenize leaves as they were
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Class of the token prior's samples by a nearest-class-mean classifier on token histograms"};
    fs::path model_path, train_dir, test_dir, csv;
    int n = 20, size = 64, top_k = 0;
    double temperature = 1.0;
    std::uint64_t seed = 1;
    app.add_option("--model", model_path, "A model from lidecm train (with a token prior)")->required()->check(CLI::ExistingFile);
    app.add_option("--train", train_dir, "The training folder (one folder per class)")->required()->check(CLI::ExistingDirectory);
    app.add_option("--test", test_dir, "Held-out images, same class folders")->required()->check(CLI::ExistingDirectory);
    app.add_option("-n", n, "Samples per class")->capture_default_str()->check(CLI::Range(1, 10000));
    app.add_option("--size", size, "Side of the generated images, px")->capture_default_str()->check(CLI::Range(8, 4096));
    app.add_option("--temperature", temperature, "Sampling temperature (> 0)")->capture_default_str();
    app.add_option("--top-k", top_k, "Draw among the k most probable tokens (0 = all)")->capture_default_str();
    app.add_option("--seed", seed, "Seed of the samples")->capture_default_str();
    app.add_option("--csv", csv, "Also write the per-class table here");
    CLI11_PARSE(app, argc, argv);
    try {
        const Model model = load_model(model_path);
        GenerateOptions gen;  // validates temperature and top-k as `lidecm generate` does
        gen.temperature = temperature;
        gen.top_k = top_k;
        gen.size = size;
        gen.validate(model);
        if (!model.token_prior) throw std::runtime_error(model_path.string() + " has no token prior (train it again)");
        const TokenPrior& prior = *model.token_prior;
        const int classes = prior.classes(), codes = prior.codes();
        const auto train = tokenize_folder(model, train_dir);
        const auto test = tokenize_folder(model, test_dir);
        const Classifier classify(train, classes, codes);

        // The shape of a sampled grid is that of a real image of the asked size, so its
        // header (K, checksum, patch) is the one decode() checks against the codebook.
        const TokenGrid shape = encode(*model.codebook, Image(size, size, model.config.dataset.channels),
                                       model.config.patch_size);
        std::vector<Row> rows(static_cast<std::size_t>(classes));
        for (const Labelled& t : test) {
            Row& r = rows[std::size_t(t.label)];
            ++r.test;
            r.test_hit += classify(t.grid) == t.label;
            const double a = nearest_agreement(t.grid, train);
            r.real_agree_sum += a;
            r.real_agree_max = std::max(r.real_agree_max, a);
        }
        const auto t0 = std::chrono::steady_clock::now();
        for (int c = 0; c < classes; ++c) {
            Row& r = rows[std::size_t(c)];
            for (int i = 0; i < n; ++i) {
                // Keyed by (seed, class, i): a class's samples do not depend on -n or on
                // the other classes.
                RandomStream rng{seed, std::uint64_t(c), std::uint64_t(i)};
                const TokenGrid g = prior.sample(shape, c, temperature, top_k > 0 ? top_k : codes, rng);
                r.grid_hit += classify(g) == c;
                const double a = nearest_agreement(g, train);
                r.agree_sum += a;
                r.agree_max = std::max(r.agree_max, a);
                if (a == 1.0) {
                    // A copy: say how many distinct tokens it has (a flat tile of one token
                    // is a copy no prior can avoid without refusing the class's flat tiles).
                    std::vector<std::uint16_t> d = g.indices;
                    std::sort(d.begin(), d.end());
                    ++r.copies;
                    std::fprintf(stderr, "copy: class %s sample %d equals a training grid (%td distinct tokens)\n",
                                 model.class_names[std::size_t(c)].c_str(), i, std::unique(d.begin(), d.end()) - d.begin());
                }
                // What `lidecm generate` writes, read back by the tokenizer.
                const Image img = refine_reconstruction(model, decode(*model.codebook, g));
                const TokenGrid back = encode(*model.codebook, model_input(model, img), model.config.patch_size);
                r.image_hit += classify(back) == c;
                std::size_t same = 0;
                for (std::size_t k = 0; k < g.indices.size(); ++k) same += back.indices[k] == g.indices[k];
                r.kept += double(same) / double(g.indices.size());
            }
        }
        const double eval_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        // The timing: one generate_images call of 16 images (all classes in turn).
        std::vector<int> all(static_cast<std::size_t>(classes));
        for (int c = 0; c < classes; ++c) all[std::size_t(c)] = c;
        gen.count = 16;
        gen.seed = seed;
        const auto g0 = std::chrono::steady_clock::now();
        const auto images = generate_images(model, all, gen);
        const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();

        std::printf("K = %d, %d classes, %zu training and %zu test images, %d samples per class at %dx%d "
                    "(temperature %g, top-k %d); chance = %.3f\n\n",
                    codes, classes, train.size(), test.size(), n, size, size, temperature, top_k > 0 ? top_k : codes,
                    1.0 / classes);
        std::printf("| class | real test acc | sampled grids → class | decoded+refined → class | × chance (grids / images) "
                    "| tokens kept | nearest training agreement: samples mean / max | copies | real test mean / max |\n"
                    "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        std::ofstream out;
        if (!csv.empty()) {
            out.open(csv);
            out << "class,test_images,test_acc,grid_hit,image_hit,tokens_kept,agree_mean,agree_max,copies,real_agree_mean,real_agree_max\n";
        }
        Row total;
        for (int c = 0; c < classes; ++c) {
            const Row& r = rows[std::size_t(c)];
            const std::string& name = model.class_names[std::size_t(c)];
            const double acc = r.test ? double(r.test_hit) / r.test : 0.0, gh = double(r.grid_hit) / n,
                         ih = double(r.image_hit) / n;
            const double real_mean = r.test ? r.real_agree_sum / r.test : 0.0;
            std::printf("| %s | %.2f (%d) | %.2f | %.2f | %.1f / %.1f | %.3f | %.3f / %.3f | %d | %.3f / %.3f |\n", name.c_str(),
                        acc, r.test, gh, ih, gh * classes, ih * classes, r.kept / n, r.agree_sum / n, r.agree_max, r.copies,
                        real_mean, r.real_agree_max);
            if (out) {
                out << name << ',' << r.test << ',' << acc << ',' << gh << ',' << ih << ',' << r.kept / n << ','
                    << r.agree_sum / n << ',' << r.agree_max << ',' << r.copies << ',' << real_mean << ',' << r.real_agree_max << '\n';
            }
            total.test += r.test, total.test_hit += r.test_hit, total.grid_hit += r.grid_hit, total.image_hit += r.image_hit;
            total.agree_sum += r.agree_sum, total.agree_max = std::max(total.agree_max, r.agree_max);
            total.real_agree_sum += r.real_agree_sum, total.real_agree_max = std::max(total.real_agree_max, r.real_agree_max);
            total.kept += r.kept, total.copies += r.copies;
        }
        const double all_n = double(n) * classes;
        std::printf("| **all** | %.2f (%d) | %.2f | %.2f | %.1f / %.1f | %.3f | %.3f / %.3f | %d | %.3f / %.3f |\n\n",
                    double(total.test_hit) / total.test, total.test, total.grid_hit / all_n, total.image_hit / all_n,
                    total.grid_hit / all_n * classes, total.image_hit / all_n * classes, total.kept / all_n,
                    total.agree_sum / all_n, total.agree_max, total.copies, total.real_agree_sum / total.test, total.real_agree_max);
        std::printf("evaluation loop (sample, classify, agreement, decode + refine + re-tokenize) of %d images: %.2f s; "
                    "generate_images of %zu images at %dx%d: %.3f s\n",
                    classes * n, eval_s, images.size(), size, size, gen_s);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "generation_eval: %s\n", e.what());
        return 1;
    }
    return 0;
}
