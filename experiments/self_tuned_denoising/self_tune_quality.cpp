// Self-tuning on the dev set (issue #13) or another photo set (issue #26: any folder of
// NAME_clean.png and NAME_sS.png, e.g. experiments/photo_sets/make_nature_set.py's): for
// every noisy file of it,
//   table   collaborative_denoise at strength 1 with σ̂ (`lidecm denoise --no-adapt`)
//   oracle  the best PSNR over --no-adapt --strength S, S in --grid, chosen with the clean image
//   tuned   self_tuned_denoise (`lidecm denoise`, the default)
// all with σ̂ = estimate_noise_sigma(noisy), rounded to 8 bits as saved, scored
// against the clean file. Times: wall seconds of table and tuned (both including
// σ̂), the first file run once untimed so that the OpenMP team is up.
//
//   self_tune_quality [--dev DIR] [--sigmas 10,25,50] [--images a,b] [--csv FILE]
//                     [--eval-step N] [--eval-radius N] [--epsilon-factor F] [--strengths a,b,c]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "dev_set.hpp"
#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/image/noise.hpp"
#include "lidecm/denoise/self_tune.hpp"
#include "quality_common.hpp"

namespace {

using namespace lidecm;
using bench::fmt;
using bench::seconds_since;
using Clock = std::chrono::steady_clock;

struct Row {
    std::string image;
    int sigma = 0;
    double sigma_hat = 0;
    double table = 0, oracle = 0, oracle_strength = 0, tuned = 0, tuned_strength = 0;
    double table_seconds = 0, tuned_seconds = 0;
    int evaluations = 0;
};

double saved_psnr(const Image& clean, const Image& out) { return psnr(clean, bench::as_saved_8bit(out)); }

Row evaluate(const bench::Bm3dRow& b, const std::filesystem::path& dir, const std::vector<double>& grid,
             const SelfTuneOptions& tune) {
    const std::string name = b.image + "_s" + std::to_string(b.sigma);
    const Image clean = load_image(dir / (b.image + "_clean.png"));
    const Image noisy = load_image(dir / (name + ".png"));
    Row r;
    r.image = b.image;
    r.sigma = b.sigma;

    auto t0 = Clock::now();
    const CollaborativeOptions base = CollaborativeOptions::for_image(noisy);
    const Image table = collaborative_denoise(noisy, base).image;
    r.table_seconds = seconds_since(t0);
    r.table = saved_psnr(clean, table);
    r.sigma_hat = base.noise_sigma * 255.0;

    t0 = Clock::now();
    const SelfTuneResult tuned = self_tuned_denoise(noisy, CollaborativeOptions::for_image(noisy), tune);
    r.tuned_seconds = seconds_since(t0);
    r.tuned = saved_psnr(clean, tuned.result.image);
    r.tuned_strength = tuned.strength;
    r.evaluations = int(tuned.evaluations.size());

    r.oracle = -1e9;
    for (const double s : grid) {
        CollaborativeOptions o = base;
        o.strength = s;
        const double p = s == 1.0 ? r.table : saved_psnr(clean, collaborative_denoise(noisy, o).image);
        if (p > r.oracle) {
            r.oracle = p;
            r.oracle_strength = s;
        }
    }
    std::cerr << "[sigma " << b.sigma << "] " << b.image << ": table " << fmt("%.2f", r.table) << ", oracle "
              << fmt("%.2f", r.oracle) << " (S " << r.oracle_strength << "), tuned " << fmt("%.2f", r.tuned) << " (S "
              << fmt("%.3f", r.tuned_strength) << ", " << r.evaluations << " evaluations), time x"
              << fmt("%.2f", r.tuned_seconds / r.table_seconds) << "\n";
    return r;
}

void print_tables(const std::map<int, std::vector<Row>>& by_sigma) {
    for (const auto& [sigma, rows] : by_sigma) {
        std::cout << "\n### sigma = " << sigma << "\n\n"
                  << "| image | σ̂ | table dB | oracle dB (S) | tuned dB (S) | tuned − oracle | tuned − table | table s | tuned s |\n"
                  << "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
        for (const Row& r : rows) {
            std::cout << "| " << r.image << " | " << fmt("%.1f", r.sigma_hat) << " | " << fmt("%.2f", r.table) << " | "
                      << fmt("%.2f", r.oracle) << " (" << r.oracle_strength << ") | " << fmt("%.2f", r.tuned) << " ("
                      << fmt("%.2f", r.tuned_strength) << ") | " << fmt("%+.2f", r.tuned - r.oracle) << " | "
                      << fmt("%+.2f", r.tuned - r.table) << " | " << fmt("%.3f", r.table_seconds) << " | "
                      << fmt("%.3f", r.tuned_seconds) << " |\n";
        }
    }
    std::cout << "\n### Summary\n\n"
              << "| σ | table dB | oracle dB | tuned dB | tuned − oracle (mean) | worst tuned − oracle | tuned − table (mean) "
                 "| worst tuned − table | time tuned / table (median) |\n"
              << "|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    for (const auto& [sigma, rows] : by_sigma) {
        double table = 0, oracle = 0, tuned = 0, worst_oracle = 1e9, worst_table = 1e9;
        std::vector<double> ratios;
        for (const Row& r : rows) {
            table += r.table;
            oracle += r.oracle;
            tuned += r.tuned;
            worst_oracle = std::min(worst_oracle, r.tuned - r.oracle);
            worst_table = std::min(worst_table, r.tuned - r.table);
            ratios.push_back(r.tuned_seconds / r.table_seconds);
        }
        const double n = double(rows.size());
        std::sort(ratios.begin(), ratios.end());
        const double median = ratios.size() % 2 ? ratios[ratios.size() / 2]
                                                : (ratios[ratios.size() / 2 - 1] + ratios[ratios.size() / 2]) / 2;
        std::cout << "| " << sigma << " | " << fmt("%.3f", table / n) << " | " << fmt("%.3f", oracle / n) << " | "
                  << fmt("%.3f", tuned / n) << " | " << fmt("%+.3f", (tuned - oracle) / n) << " | "
                  << fmt("%+.2f", worst_oracle) << " | " << fmt("%+.3f", (tuned - table) / n) << " | "
                  << fmt("%+.2f", worst_table) << " | " << fmt("%.2f", median) << " |\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Self-tuning (SURE) vs the noise-level table and the per-image oracle on the dev set"};
    std::filesystem::path dir = LIDECM_BENCH_DEV_DIR;
    std::vector<int> sigmas;
    std::vector<std::string> images;
    std::vector<double> grid = {0.5, 0.7, 0.85, 1.0, 1.2, 1.5, 2.0};
    std::string csv;
    SelfTuneOptions tune;
    app.add_option("--dev", dir, "NAME_clean.png and NAME_sS.png (bm3d.csv, when there is one, lists them)")->capture_default_str();
    app.add_option("--sigmas", sigmas, "Sigmas to run (default: all)");
    app.add_option("--images", images, "Images to run (default: all)");
    app.add_option("--grid", grid, "Strengths of the oracle")->capture_default_str();
    app.add_option("--csv", csv, "Also write one row per file");
    app.add_option("--eval-step", tune.eval_step, "SelfTuneOptions::eval_step")->capture_default_str();
    app.add_option("--eval-radius", tune.eval_search_radius, "SelfTuneOptions::eval_search_radius")->capture_default_str();
    app.add_option("--eval-pixels", tune.max_eval_pixels, "SelfTuneOptions::max_eval_pixels")->capture_default_str();
    app.add_option("--crop-side", tune.crop_side, "SelfTuneOptions::crop_side")->capture_default_str();
    app.add_option("--epsilon-factor", tune.sure.epsilon_factor, "SureOptions::epsilon_factor")->capture_default_str();
    app.add_option("--strengths", tune.strengths, "SelfTuneOptions::strengths")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        tune.validate();
        std::vector<bench::Bm3dRow> files;
        for (const bench::Bm3dRow& b : bench::list_noisy_files(dir)) {
            const bool s = sigmas.empty() || std::count(sigmas.begin(), sigmas.end(), b.sigma);
            const bool i = images.empty() || std::count(images.begin(), images.end(), b.image);
            if (s && i) files.push_back(b);
        }
        require(!files.empty(), "--sigmas/--images", "select no file of the folder");
        evaluate(files.front(), dir, {1.0}, tune);  // warm-up: OpenMP team, caches
        std::map<int, std::vector<Row>> by_sigma;
        for (const bench::Bm3dRow& b : files) by_sigma[b.sigma].push_back(evaluate(b, dir, grid, tune));
        print_tables(by_sigma);
        if (!csv.empty()) {
            std::ofstream out(csv);
            out << "sigma,image,sigma_hat,table_psnr,oracle_psnr,oracle_strength,tuned_psnr,tuned_strength,"
                   "evaluations,table_seconds,tuned_seconds\n";
            for (const auto& [sigma, rows] : by_sigma) {
                for (const Row& r : rows) {
                    out << sigma << ',' << r.image << ',' << r.sigma_hat << ',' << r.table << ',' << r.oracle << ','
                        << r.oracle_strength << ',' << r.tuned << ',' << r.tuned_strength << ',' << r.evaluations << ','
                        << r.table_seconds << ',' << r.tuned_seconds << '\n';
                }
            }
        }
    } catch (const std::exception& e) {
        std::cerr << "self_tune_quality: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
