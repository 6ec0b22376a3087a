// Token refinement scan: how much refine_tokens gains over the token
// reconstruction, for a list of strengths and one set of filter options, on
// images a trained model did not see.
//
// Images (--set):
//   heldout     every --holdout-every-th sample photo (sorted by name, as
//               experiments/training_quality/train_quality holds them out), resized to 256 on its shorter
//               side and center-cropped to 256×256; use with the model that
//               train_quality trains (SCRATCH/run/model.lidecm).
//   validation  the model's own validation items (its config's data and split),
//               what `lidecm train` reports; use with a run's model.lidecm.
// The noise level the filter assumes is strength × level, where level is the
// model's stored quantisation RMS (--level model), the RMS of each image's own
// token error (--level oracle: what an ideal estimate would give), or a number.
//
// Output: one Markdown row per strength (the ladder's top rung): mean token and
// refined PSNR, mean and worst gain, tiles pulled back (keep_codewords), the mean
// rung chosen, CPU ms per image (all threads: the machine's load does not change it). --per-image
// adds the gain of each image for the last strength.
//
//   refine_scan --model FILE [--set heldout|validation] [--strengths 0.5,1,1.5]
//               [--level model|oracle|NUMBER] [--refiner collaborative|graph]
//               [--patch 8] [--step 3] [--lambda 5] [--group-hard 16] [--group-wiener 16]
//               [--search-radius 8] [--no-wiener] [--no-keep-codewords] [--steps 6]
//               [--max-pulled-back 0.075] [--per-image]
// Every filter flag defaults to RefineOptions{} (the library's token refinement).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/data/dataset.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/codebook/token_refine.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "photo_tiles.hpp"  // split_photos

using namespace lidecm;

namespace {

struct Case {
    std::string name;
    Image image, token;
};

std::vector<Case> load_cases(const Model& model, const std::string& set, int holdout_every) {
    std::vector<Case> cases;
    const Codebook& cb = *model.codebook;
    const int p = model.config.patch_size;
    if (set == "heldout") {
        for (const auto& file : bench::split_photos(holdout_every).held_out) {
            Image img = center_crop(resize_shorter_side(to_rgb(load_image(file)), 256), 256, 256);
            if (model.config.dataset.channels == 1) img = to_grey(img);
            Image token = decode(cb, encode(cb, img, p));
            cases.push_back({file.stem().string(), std::move(img), std::move(token)});
        }
    } else {
        DatasetOptions options = model.config.dataset;
        options.seed = model.config.seed;  // the split training made
        const Dataset data = Dataset::open(model.config.data, options);
        for (std::size_t id : data.validation_sample(model.config.validation_images)) {
            Item item = data.item(id);
            Image token = decode(cb, encode(cb, item.image, p));
            cases.push_back({item.name, std::move(item.image), std::move(token)});
        }
    }
    return cases;
}

std::vector<double> parse_list(const std::string& text) {
    std::vector<double> out;
    std::size_t at = 0;
    while (at <= text.size()) {
        const std::size_t comma = std::min(text.find(',', at), text.size());
        out.push_back(std::stod(text.substr(at, comma - at)));
        at = comma + 1;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Gain of token refinement over the token reconstruction, per strength"};
    std::string model_file, set = "heldout", strengths = "3,4,5,6", level = "model", refiner = "collaborative";
    int holdout_every = 4;
    bool per_image = false;
    RefineOptions base;  // the library's defaults unless a flag says otherwise
    CollaborativeOptions& f = base.filter;
    int patch = f.patch_size_hard;
    app.add_option("--model", model_file, "Model file")->required();
    app.add_option("--set", set, "heldout or validation")->check(CLI::IsMember({"heldout", "validation"}));
    app.add_option("--holdout-every", holdout_every, "heldout: every N-th sample photo");
    app.add_option("--strengths", strengths, "Comma-separated multiples of the level");
    app.add_option("--level", level, "model, oracle, or a number (0-1 units)");
    app.add_option("--refiner", refiner, "collaborative or graph")->check(CLI::IsMember({"collaborative", "graph"}));
    app.add_option("--patch", patch, "Patch side of both stages")->default_val(patch);
    app.add_option("--steps", base.strength_steps, "Rungs of the strength ladder (1 = the strength alone)")
        ->default_val(base.strength_steps);
    app.add_option("--max-pulled-back", base.max_pulled_back, "Pull-back share the chosen rung may reach (0 = top rung)")
        ->default_val(base.max_pulled_back);
    app.add_option("--step", f.step, "Reference step")->default_val(f.step);
    app.add_option("--lambda", f.lambda_hard, "Stage-1 threshold in units of sigma")->default_val(f.lambda_hard);
    app.add_option("--group-hard", f.group_hard, "Stage-1 group size")->default_val(f.group_hard);
    app.add_option("--group-wiener", f.group_wiener, "Stage-2 group size")->default_val(f.group_wiener);
    app.add_option("--search-radius", f.search_radius, "Search window radius")->default_val(f.search_radius);
    app.add_option("--kaiser", f.kaiser_beta, "Kaiser window beta")->default_val(f.kaiser_beta);
    app.add_option("--border", f.border, "Mirrored border px")->default_val(f.border);
    bool no_wiener = !f.wiener;
    app.add_flag("--no-wiener", no_wiener, "Stage 1 only");
    bool no_keep = !base.keep_codewords;
    app.add_flag("--no-keep-codewords", no_keep, "Leave refined tiles where the filter put them");
    app.add_flag("--per-image", per_image, "Gain per image for the last strength");
    CLI11_PARSE(app, argc, argv);
    try {
        f.patch_size_hard = f.patch_size_wiener = patch;
        f.wiener = !no_wiener;
        base.keep_codewords = !no_keep;
        const Model model = load_model(model_file);
        base.refiner = refiner == "graph" ? Refiner::graph : Refiner::collaborative;
        const GraphParams learned = model.make_learner().get_parameters();
        const std::vector<Case> cases = load_cases(model, set, holdout_every);
        double oracle_mean = 0;
        for (const Case& c : cases) oracle_mean += std::sqrt(mse(c.token, c.image));
        oracle_mean /= double(cases.size());
        std::printf("%zu images (%s), mean RMS token error %.4f, model level %.4f\n\n", cases.size(), set.c_str(),
                    oracle_mean, model.quant_rms);
        std::printf("| strength | token PSNR | refined PSNR | mean gain | worst gain | pulled back | rung used | CPU ms/image |\n");
        std::printf("|---|---|---|---|---|---|---|---|\n");
        std::vector<double> gains(cases.size());
        for (const double s : parse_list(strengths)) {
            double sum_t = 0, sum_r = 0, worst = 1e9, seconds = 0, rung = 0;
            std::size_t pulled = 0, tiles = 0;
            for (std::size_t i = 0; i < cases.size(); ++i) {
                const Case& c = cases[i];
                RefineOptions o = base;
                o.strength = s;
                const double q = level == "model"    ? refine_level(model)
                                 : level == "oracle" ? std::sqrt(mse(c.token, c.image))
                                                     : std::stod(level);
                const std::clock_t t0 = std::clock();
                const RefineResult r = refine_tokens(c.token, *model.codebook, model.config.patch_size, o, q, learned);
                seconds += double(std::clock() - t0) / CLOCKS_PER_SEC;
                const double pt = psnr(c.token, c.image), pr = psnr(r.image, c.image);
                sum_t += pt;
                sum_r += pr;
                gains[i] = pr - pt;
                worst = std::min(worst, pr - pt);
                pulled += r.tiles_pulled_back;
                rung += r.strength_used;
                const int ps = model.config.patch_size;
                tiles += std::size_t((c.image.height + ps - 1) / ps) * std::size_t((c.image.width + ps - 1) / ps);
            }
            const double n = double(cases.size());
            std::printf("| %.2f | %.2f | %.2f | %+.3f | %+.3f | %.1f %% | %.2f | %.1f |\n", s, sum_t / n, sum_r / n,
                        (sum_r - sum_t) / n, worst, 100.0 * double(pulled) / double(tiles), rung / n, 1000 * seconds / n);
            std::fflush(stdout);
        }
        if (per_image) {
            std::printf("\n| image | token PSNR | gain |\n|---|---|---|\n");
            for (std::size_t i = 0; i < cases.size(); ++i) {
                std::printf("| %s | %.2f | %+.3f |\n", cases[i].name.c_str(), psnr(cases[i].token, cases[i].image),
                            gains[i]);
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "refine_scan: %s\n", e.what());
        return 1;
    }
    return 0;
}
