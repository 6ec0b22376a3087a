// Does SURE rank the strengths as the true error does (issue #26)? For every noisy file of a
// photo set (as self_tune_quality lists them) and every strength S of --grid, one CSV row:
//   psnr, mse_full  PSNR (rounded to 8 bits as saved) and true MSE of the full filter at S (σ̂ · S)
//   sure_cheap      SURE of the evaluation filter self_tuned_denoise runs (eval_step,
//                   eval_search_radius), σ̂ in the formula: what the tuning minimises
//   sure_full       SURE of the full filter, σ̂ in the formula
//   sure_cheap_present  the evaluation filter's runs, the formula given the σ present
//                   (std(noisy − clean), below the nominal where clipping cut the noise)
//   mse_cheap       true MSE of the evaluation filter's output
// SURE and MSE per value in [0,1]² units; the probe, step and evaluation filter are
// SelfTuneOptions{}'s, as the tuning's own on images of at most max_eval_pixels.
//
//   sure_ranking --dev DIR --csv FILE [--sigmas 25 50] [--grid 0.7 0.85 1 1.18 1.4]
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "dev_set.hpp"
#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/denoise/self_tune.hpp"
#include "lidecm/image/image.hpp"
#include "quality_common.hpp"

int main(int argc, char** argv) {
    using namespace lidecm;
    CLI::App app{"SURE's ranking of the strengths against the true error, per image"};
    std::filesystem::path dir = LIDECM_BENCH_DEV_DIR;
    std::vector<int> sigmas;
    std::vector<double> grid = {0.5, 0.6, 0.7, 0.85, 1.0, 1.18, 1.4, 1.7, 2.0};
    std::string csv;
    app.add_option("--dev", dir, "NAME_clean.png and NAME_sS.png")->capture_default_str();
    app.add_option("--sigmas", sigmas, "Sigmas to run (default: all)");
    app.add_option("--grid", grid, "Strengths")->capture_default_str();
    app.add_option("--csv", csv, "Output rows")->required();
    CLI11_PARSE(app, argc, argv);
    const SelfTuneOptions tune;
    std::ofstream out(csv);
    out << "sigma,image,sigma_hat,sigma_present,strength,psnr,mse_full,sure_full,sure_cheap,sure_cheap_present,"
           "mse_cheap\n";
    for (const bench::Bm3dRow& b : bench::list_noisy_files(dir)) {
        if (!sigmas.empty() && std::find(sigmas.begin(), sigmas.end(), b.sigma) == sigmas.end()) continue;
        const Image clean = load_image(dir / (b.image + "_clean.png"));
        const Image noisy = load_image(dir / (b.image + "_s" + std::to_string(b.sigma) + ".png"));
        const CollaborativeOptions base = CollaborativeOptions::for_image(noisy);
        CollaborativeOptions cheap = base;
        cheap.step = std::max(base.step, tune.eval_step);
        cheap.search_radius = std::min(base.search_radius, tune.eval_search_radius);
        const double sigma = base.noise_sigma, present = std::sqrt(mse(noisy, clean));
        const double epsilon = tune.sure.step(sigma);
        const Image probe = sure_probe(noisy.height, noisy.width, noisy.channels, tune.sure.seed);
        const Image perturbed = perturb(noisy, probe, epsilon);
        for (const double s : grid) {
            CollaborativeOptions full = base;
            full.strength = s;
            cheap.strength = s;
            const Image f = collaborative_denoise(noisy, full).image;
            const Image fp = collaborative_denoise(perturbed, full).image;
            const Image c = collaborative_denoise(noisy, cheap).image;
            const Image cp = collaborative_denoise(perturbed, cheap).image;
            const SureEstimate sf = sure_from_runs(noisy, f, fp, probe, epsilon, sigma);
            const SureEstimate sc = sure_from_runs(noisy, c, cp, probe, epsilon, sigma);
            const double sc_present = sc.residual - present * present + 2 * present * present * sc.divergence;
            out << b.sigma << ',' << b.image << ',' << sigma * 255 << ',' << present * 255 << ',' << s << ','
                << psnr(clean, bench::as_saved_8bit(f)) << ',' << mse(f, clean) << ',' << sf.risk << ',' << sc.risk
                << ',' << sc_present << ',' << mse(c, clean) << '\n';
        }
        out.flush();
        std::cerr << "[sigma " << b.sigma << "] " << b.image << "\n";
    }
    return 0;
}
