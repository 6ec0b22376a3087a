// Held-out bits per token of the token prior (issue #24) against its baselines, on any
// folder of images: every image (recursively; the first folder level below --data names
// its class, images directly in --data are class 0) is resized to --side on its shorter
// side and centre-cropped square, or with --tile T cut at its own size into T×T tiles (as
// `train --tiles` cuts them), tokenized with the model's codebook; every --hold-out-th
// image of each class (by name) is held out, with all its tiles; with --test DIR, DIR's
// images (same class folders) are the held-out ones instead and every --data image trains,
// for sets whose test images come from other parts of the photos than the training ones
// (experiments/class_set). Priors fitted on the training grids:
//   unigram   the tokens' overall frequencies (order 0)
//   class     the class's frequencies (order 1)
//   left      order 2 on the left neighbour
//   up        order 2 on the upper neighbour
//   full      order 3: class, left and up (TokenPrior's default)
// Printed: bits per token on the held-out and the training grids, and each against the
// unigram's held-out figure; log2 K is what fixed-width tokens cost.
//
//   token_bits --model M --data DIR [--side 256 | --tile 64] [--hold-out 4 | --test DIR] [--escape 1 1 1 1]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/codebook/token_prior.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/model.hpp"

namespace fs = std::filesystem;
using namespace lidecm;

namespace {

struct GridItem {
    TokenGrid grid;
    int label = 0;
    bool held_out = false;
};

double bits_per_token(const TokenPrior& prior, const std::vector<GridItem>& items, bool held_out) {
    double bits = 0, tokens = 0;
    for (const GridItem& it : items) {
        if (it.held_out != held_out) continue;
        bits += prior.bits(it.grid, it.label);
        tokens += double(it.grid.indices.size());
    }
    return tokens > 0 ? bits / tokens : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Held-out bits per token of the token prior against its baselines"};
    fs::path model_path, data, test;
    int side = 256, hold_out = 4, tile = 0;
    app.add_option("--model", model_path, "A model from lidecm train")->required()->check(CLI::ExistingFile);
    app.add_option("--data", data, "Images, or one folder of images per class")->required()->check(CLI::ExistingDirectory);
    app.add_option("--tile", tile, "Cut each image into tiles of this side instead (0: one grid per image)")
        ->check(CLI::Range(0, 4096));
    app.add_option("--side", side, "Shorter side the images are resized to, then cropped square")->capture_default_str();
    std::vector<double> escape = {1, 1, 1, 1};
    app.add_option("--escape", escape, "TokenPriorOptions::escape (4 values)")->expected(4)->capture_default_str();
    auto* every = app.add_option("--hold-out", hold_out, "Every n-th image of each class is held out")
                      ->capture_default_str()->check(CLI::Range(2, 1000));
    app.add_option("--test", test, "Held-out images instead (class folders named as in --data's)")
        ->check(CLI::ExistingDirectory)->excludes(every);
    CLI11_PARSE(app, argc, argv);
    try {
        const Model model = load_model(model_path);
        const Codebook& codebook = *model.codebook;
        const int patch = model.config.patch_size;
        // Image files per class folder of `dir` (class "" for files directly in it).
        const auto folders = [](const fs::path& dir) {
            std::map<std::string, std::vector<fs::path>> by_class;
            for (const auto& e : fs::recursive_directory_iterator(dir)) {
                if (!e.is_regular_file() || !has_image_extension(e.path())) continue;
                const fs::path rel = fs::relative(e.path(), dir);
                by_class[std::distance(rel.begin(), rel.end()) > 1 ? rel.begin()->string() : std::string()].push_back(e.path());
            }
            return by_class;
        };
        auto by_class = folders(data);
        const auto test_by_class = test.empty() ? decltype(by_class){} : folders(test);
        for (const auto& [name, files] : test_by_class) {
            if (!by_class.count(name)) throw std::runtime_error("--test: class folder '" + name + "' is not in --data");
        }
        std::vector<GridItem> items;
        int label = 0;
        for (auto& [name, files] : by_class) {
            std::sort(files.begin(), files.end());
            const std::size_t trained = files.size();
            if (const auto t = test_by_class.find(name); t != test_by_class.end()) {
                files.insert(files.end(), t->second.begin(), t->second.end());
                std::sort(files.begin() + std::ptrdiff_t(trained), files.end());
            }
            for (std::size_t i = 0; i < files.size(); ++i) {
                const bool held = test.empty() ? i % std::size_t(hold_out) == std::size_t(hold_out) - 1 : i >= trained;
                const Image img = load_image(files[i]);
                if (tile == 0) {
                    const Image square = center_crop(resize_shorter_side(img, side), side, side);
                    items.push_back({encode(codebook, model_input(model, square), patch), label, held});
                    continue;
                }
                for (int y = 0; y + tile <= img.height; y += tile) {
                    for (int x = 0; x + tile <= img.width; x += tile) {
                        items.push_back({encode(codebook, model_input(model, crop(img, y, x, tile, tile)), patch), label, held});
                    }
                }
            }
            std::fprintf(stderr, "class %d %s: %zu images (%zu of --test)\n", label, name.empty() ? "(top level)" : name.c_str(),
                         files.size(), files.size() - trained);
            ++label;
        }
        std::vector<LabelledGrid> train;
        for (const GridItem& it : items) {
            if (!it.held_out) train.push_back({&it.grid, it.label});
        }
        const int codes = codebook.size();
        struct Variant {
            const char* name;
            int order;
            bool up_first;
        };
        const Variant variants[] = {{"unigram", 0, false}, {"class", 1, false}, {"left", 2, false}, {"up", 2, true}, {"full", 3, false}};
        const int grid_side = (tile > 0 ? tile : side) / patch;
        std::printf("K = %d (fixed width: %.2f bits per token), %zu training and %zu held-out grids of %dx%d tokens, %d classes\n\n",
                    codes, std::log2(double(codes)), train.size(), items.size() - train.size(), grid_side, grid_side, label);
        std::printf("| prior | held-out bits/token | training bits/token | held-out vs unigram |\n|---|--:|--:|--:|\n");
        double unigram = 0;
        for (const Variant& v : variants) {
            TokenPriorOptions o;
            o.order = v.order;
            o.up_first = v.up_first;
            std::copy(escape.begin(), escape.end(), o.escape.begin());
            const TokenPrior prior = TokenPrior::fit(train, codes, label, o);
            const double held = bits_per_token(prior, items, true);
            if (v.order == 0) unigram = held;
            std::printf("| %s | %.3f | %.3f | %+.1f %% |\n", v.name, held, bits_per_token(prior, items, false),
                        100.0 * (held / unigram - 1.0));
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "token_bits: %s\n", e.what());
        return 1;
    }
    return 0;
}
