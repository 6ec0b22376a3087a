// Denoising quality harness, two modes.
//
// --dev [DIR]: the dev set of issue #12 (default experiments/data/dev): the collaborative
// filter and the graph denoiser on its noisy files beside BM3D's recorded figures,
// see dev_set.hpp / dev_set.cpp.
//
// Default mode: PSNR, SSIM and wall time of the graph denoiser against OpenCV's
// non-local means on the built-in sample photos.
//
// For every photo: load, resize the shorter side to 256, center-crop 256×256
// (grey photos stay grey). For every noise sigma (0-255 scale): add Gaussian
// noise, clip to [0,1] and round to k/255 as a saved 8-bit PNG would be. Then
//   noisy     the noisy image itself
//   defaults  denoise(noisy, recommended_params(σ̂)), σ̂ = estimate_noise_sigma(noisy)
//   adapt     adaptive_denoise(noisy, AdaptOptions::for_image(noisy)): σ̂ estimated
//             once, starting at recommended_params(σ̂) with adapt_bounds, one class
//   opencv    cv::fastNlMeansDenoising[Colored] on the 8-bit noisy image with
//             h = sigma (told the true sigma), template 7, search 21
// all scored against the clean crop. `defaults` and `adapt` are blind (not told
// sigma); their times include the estimate of σ̂. The noise seed of an image is
// derived from --seed, the image's name and the sigma, so a run over a subset
// of images or sigmas sees the same noisy images as a full run.
//
// Output: one Markdown table per sigma on stdout (progress on stderr), and a CSV
// with one row per (sigma, image) when --csv FILE is given.
//
//   denoise_quality [--sigmas 10,25,50] [--images a,b,c] [--seed 1234] [--csv FILE]
//   denoise_quality --dev [DIR] [--sigmas ..] [--images ..] [--strength S] [--told] [--save DIR] [--csv FILE]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>
#include <opencv2/photo.hpp>

#include "lidecm/learner/adaptive_denoise.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/image/noise.hpp"
#include "lidecm/data/samples.hpp"
#include "dev_set.hpp"
#include "mat8.hpp"
#include "quality_common.hpp"

namespace {

using lidecm::experiments::from_mat8;
using lidecm::experiments::quantise_8bit;
using lidecm::experiments::to_mat8;
using lidecm::bench::fmt;
using lidecm::bench::Score;
using lidecm::bench::score;
using lidecm::bench::seconds_since;

constexpr int kSide = 256;
const std::vector<std::string> kDefaultImages = {"astronaut", "camera", "chelsea", "coffee", "coins",
                                                 "moon", "rocket", "motorcycle_left"};

struct Options {
    std::vector<double> sigmas = {10, 25, 50};
    std::vector<std::string> images;  ///< empty = kDefaultImages, those present
    std::uint64_t seed = 1234;
    std::string csv;
};

struct Row {
    std::string image;
    int channels = 0;
    double sigma = 0;      ///< true noise sigma, 0-255 scale
    double sigma_hat = 0;  ///< estimate, 0-255 scale
    Score noisy, defaults, adapt, opencv;
    int adapt_best_iteration = 0;
    [[nodiscard]] double adapt_vs_defaults() const { return adapt.psnr - defaults.psnr; }
};

/// FNV-1a, to derive per-(image, sigma) noise seeds independent of list order.
std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 14695981039346656037ull;
    for (const unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::uint64_t noise_seed(std::uint64_t base, const std::string& image, double sigma) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", sigma);
    return base ^ fnv1a(image + ":" + buf);
}


Row evaluate(const std::string& name, const lidecm::Image& clean, double sigma, std::uint64_t base_seed) {
    using Clock = std::chrono::steady_clock;
    Row row;
    row.image = name;
    row.channels = clean.channels;
    row.sigma = sigma;

    lidecm::Image noisy = lidecm::add_gaussian_noise(clean, sigma / 255.0, noise_seed(base_seed, name, sigma), true);
    quantise_8bit(noisy);
    row.noisy = score(clean, noisy, 0.0);

    // defaults: blind, parameters from the estimated sigma.
    {
        const auto t0 = Clock::now();
        const double sigma_hat = lidecm::estimate_noise_sigma(noisy);
        const lidecm::DenoiseResult r = lidecm::denoise(noisy, lidecm::recommended_params(sigma_hat));
        row.defaults = score(clean, r.image, seconds_since(t0));
        row.sigma_hat = sigma_hat * 255.0;
    }
    std::cerr << "  defaults  " << row.defaults.psnr << " dB, " << row.defaults.seconds << " s\n";

    // adapt: the learner starting at the same parameters.
    {
        const auto t0 = Clock::now();
        const lidecm::AdaptResult r = lidecm::adaptive_denoise(noisy, lidecm::AdaptOptions::for_image(noisy));
        row.adapt = score(clean, r.best.image, seconds_since(t0));
        row.adapt_best_iteration = r.best_iteration;
    }
    std::cerr << "  adapt     " << row.adapt.psnr << " dB, " << row.adapt.seconds << " s (best iteration "
              << row.adapt_best_iteration << ")\n";

    // OpenCV non-local means, told the true sigma.
    {
        const cv::Mat src = to_mat8(noisy);
        cv::Mat dst;
        const float h = float(sigma);
        const auto t0 = Clock::now();
        if (src.channels() == 1) {
            cv::fastNlMeansDenoising(src, dst, h, 7, 21);
        } else {
            cv::fastNlMeansDenoisingColored(src, dst, h, h, 7, 21);
        }
        const double secs = seconds_since(t0);
        row.opencv = score(clean, from_mat8(dst), secs);
    }
    std::cerr << "  opencv    " << row.opencv.psnr << " dB, " << row.opencv.seconds << " s\n";
    return row;
}

void print_table(std::ostream& out, double sigma, const std::vector<Row>& rows) {
    out << "\n### sigma = " << fmt("%g", sigma) << "\n\n";
    out << "| image | C | σ̂ | noisy PSNR | noisy SSIM | defaults PSNR | defaults SSIM | defaults s "
           "| adapt PSNR | adapt SSIM | adapt s | adapt best it | opencv PSNR | opencv SSIM | opencv s "
           "| adapt_vs_defaults |\n";
    out << "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    const auto line = [&](const std::string& name, const std::string& channels, const std::string& best_it,
                          const Row& r) {
        out << "| " << name << " | " << channels << " | " << fmt("%.1f", r.sigma_hat) << " | "
            << fmt("%.2f", r.noisy.psnr) << " | " << fmt("%.4f", r.noisy.ssim) << " | " << fmt("%.2f", r.defaults.psnr)
            << " | " << fmt("%.4f", r.defaults.ssim) << " | " << fmt("%.3f", r.defaults.seconds) << " | "
            << fmt("%.2f", r.adapt.psnr) << " | " << fmt("%.4f", r.adapt.ssim) << " | "
            << fmt("%.3f", r.adapt.seconds) << " | " << best_it << " | " << fmt("%.2f", r.opencv.psnr) << " | "
            << fmt("%.4f", r.opencv.ssim) << " | " << fmt("%.3f", r.opencv.seconds) << " | "
            << fmt("%+.2f", r.adapt_vs_defaults()) << " |\n";
    };
    Row mean;
    mean.sigma = sigma;
    for (const Row& r : rows) {
        line(r.image, std::to_string(r.channels), std::to_string(r.adapt_best_iteration), r);
        for (auto [sum, val] : {std::pair{&mean.noisy, &r.noisy}, std::pair{&mean.defaults, &r.defaults},
                                std::pair{&mean.adapt, &r.adapt}, std::pair{&mean.opencv, &r.opencv}}) {
            sum->psnr += val->psnr;
            sum->ssim += val->ssim;
            sum->seconds += val->seconds;
        }
        mean.sigma_hat += r.sigma_hat;
    }
    if (rows.empty()) return;
    const double n = double(rows.size());
    for (Score* s : {&mean.noisy, &mean.defaults, &mean.adapt, &mean.opencv}) {
        s->psnr /= n;
        s->ssim /= n;
        s->seconds /= n;
    }
    mean.sigma_hat /= n;
    line("**mean**", "", "", mean);
}

void write_csv(const std::filesystem::path& path, const std::vector<Row>& rows) {
    std::ostringstream out;
    out << "sigma,image,channels,sigma_hat,noisy_psnr,noisy_ssim,defaults_psnr,defaults_ssim,defaults_seconds,"
           "adapt_psnr,adapt_ssim,adapt_seconds,adapt_best_iteration,opencv_psnr,opencv_ssim,opencv_seconds,"
           "adapt_vs_defaults\n";
    for (const Row& r : rows) {
        out << fmt("%g", r.sigma) << ',' << r.image << ',' << r.channels << ',' << fmt("%.4f", r.sigma_hat) << ','
            << fmt("%.4f", r.noisy.psnr) << ',' << fmt("%.6f", r.noisy.ssim) << ',' << fmt("%.4f", r.defaults.psnr)
            << ',' << fmt("%.6f", r.defaults.ssim) << ',' << fmt("%.4f", r.defaults.seconds) << ','
            << fmt("%.4f", r.adapt.psnr) << ',' << fmt("%.6f", r.adapt.ssim) << ',' << fmt("%.4f", r.adapt.seconds)
            << ',' << r.adapt_best_iteration << ',' << fmt("%.4f", r.opencv.psnr) << ','
            << fmt("%.6f", r.opencv.ssim) << ',' << fmt("%.4f", r.opencv.seconds) << ','
            << fmt("%.4f", r.adapt_vs_defaults()) << '\n';
    }
    const std::string text = out.str();
    lidecm::write_file_atomically(path, std::vector<unsigned char>(text.begin(), text.end()));
}

int run(const Options& opts) {
    // Which photos: the requested ones (all must exist), or the default list
    // restricted to those present among the samples.
    const bool explicit_images = !opts.images.empty();
    const std::vector<std::string>& names = explicit_images ? opts.images : kDefaultImages;
    std::vector<std::pair<std::string, lidecm::Image>> photos;
    for (const std::string& name : names) {
        std::filesystem::path file;
        try {
            file = lidecm::resolve_image_argument("samples:" + name);
        } catch (const lidecm::IoError& e) {
            if (explicit_images) throw;
            std::cerr << "skipping " << name << ": " << e.what() << "\n";
            continue;
        }
        lidecm::Image img = lidecm::load_image(file);
        img = lidecm::center_crop(lidecm::resize_shorter_side(img, kSide), kSide, kSide);
        photos.emplace_back(name, std::move(img));
    }
    if (photos.empty()) throw lidecm::IoError("no sample photos found in " + lidecm::samples_dir().string());

    std::vector<Row> all;
    std::cout << "# Denoising quality: " << photos.size() << " photos, " << kSide << "x" << kSide
              << " crops, seed " << opts.seed << "\n\n"
              << "Noise clipped to [0,1] and quantised to 8 bits. `defaults` and `adapt` are blind "
                 "(σ̂ = estimate_noise_sigma, 0-255 scale); `opencv` is fastNlMeansDenoising[Colored] told "
                 "h = sigma, template 7, search 21. Times are wall seconds per image; "
                 "adapt_vs_defaults = PSNR(adapt) − PSNR(defaults) in dB.\n";
    for (const double sigma : opts.sigmas) {
        std::vector<Row> rows;
        for (const auto& [name, clean] : photos) {
            std::cerr << "[sigma " << sigma << "] " << name << " (" << clean.channels << " ch)\n";
            rows.push_back(evaluate(name, clean, sigma, opts.seed));
        }
        print_table(std::cout, sigma, rows);
        std::cout.flush();
        all.insert(all.end(), rows.begin(), rows.end());
    }
    if (!opts.csv.empty()) {
        write_csv(opts.csv, all);
        std::cerr << "wrote " << opts.csv << "\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options opts;
    lidecm::bench::DevOptions dev;
    dev.dir = LIDECM_BENCH_DEV_DIR;
    CLI::App app{"Denoising quality harness: lidecm's denoisers vs OpenCV non-local means on the sample photos, "
                 "or (--dev) vs BM3D's recorded figures on the dev set"};
    auto* sigmas = app.add_option("--sigmas", opts.sigmas, "Noise sigmas on the 0-255 scale (--dev: those of the csv)")
        ->delimiter(',')->check(CLI::Range(1e-6, 255.0))->default_str("10,25,50");
    app.add_option("--images", opts.images,
                   "Sample names (default: astronaut,camera,chelsea,coffee,coins,moon,rocket,motorcycle_left, "
                   "those present; --dev: the csv's)")->delimiter(',');
    app.add_option("--seed", opts.seed, "Base noise seed")->default_val(opts.seed);
    app.add_option("--csv", opts.csv, "Also write one row per (sigma, image) to this file");
    auto* dev_opt = app.add_option("--dev", dev.dir, "Dev-set mode: NAME_clean.png, NAME_sS.png and bm3d.csv in DIR")
        ->expected(0, 1)->default_str(LIDECM_BENCH_DEV_DIR);
    app.add_option("--strength", dev.strength, "--dev: CollaborativeOptions::strength")
        ->check(CLI::Range(1e-6, 10.0))->needs(dev_opt);
    app.add_flag("--told", dev.told, "--dev: give lidecm's filters the true sigma instead of the estimate")->needs(dev_opt);
    app.add_option("--save", dev.save, "--dev: write the collaborative outputs to DIR as NAME_sS.png")->needs(dev_opt);
    CLI11_PARSE(app, argc, argv);
    try {
        if (dev_opt->count() == 0) return run(opts);
        if (dev.dir.empty()) dev.dir = LIDECM_BENCH_DEV_DIR;
        if (sigmas->count() > 0) dev.sigmas = opts.sigmas;
        dev.images = opts.images;
        dev.csv = opts.csv;
        return lidecm::bench::run_dev_set(dev);
    } catch (const std::exception& e) {
        std::cerr << "denoise_quality: " << e.what() << "\n";
        return 1;
    }
}
