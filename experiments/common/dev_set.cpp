// The dev-set mode of experiments/denoise_quality; see dev_set.hpp and experiments/data/dev/README.md.
//
// For every row of bm3d.csv (image, sigma) that the filters select: load NAME_clean.png
// and NAME_sS.png as `lidecm denoise` loads them, then
//   collaborative  collaborative_denoise(noisy, CollaborativeOptions::for_image(noisy, strength))
//                  (--told: noise_sigma = the true sigma)
//   graph          denoise(noisy, recommended_params(σ̂)) — the graph denoiser's defaults
//                  (--told: recommended_params(true sigma))
// each rounded to 8 bits exactly as save_image rounds, scored against the clean file.
// Times are wall seconds of the library calls, including the estimate of σ̂; the first
// file is run once untimed so that the OpenMP team is up. BM3D's PSNR and seconds are
// the csv's (IPOL BM3D told the true sigma, 2 threads, this machine kind).
#include "dev_set.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/image/noise.hpp"
#include "quality_common.hpp"

namespace lidecm::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct DevRow {
    Bm3dRow bm3d;
    double sigma_hat = 0;  ///< 0-255 scale
    double noisy_psnr = 0;
    Score collab, graph;
    [[nodiscard]] double gap() const { return collab.psnr - bm3d.psnr; }
};

template <class T>
bool selected(const std::vector<T>& wanted, const T& value) {
    return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

struct Runs {
    Image collab, graph;
    double sigma_hat = 0;
};

/// Both lidecm filters on one noisy image, timed; outputs not yet rounded.
Runs run_filters(const Image& noisy, double true_sigma, const DevOptions& o, Score& collab, Score& graph) {
    Runs r;
    auto t0 = Clock::now();
    CollaborativeOptions copts;
    if (o.told) {
        copts.noise_sigma = true_sigma;
        copts.strength = o.strength;
    } else {
        copts = CollaborativeOptions::for_image(noisy, o.strength);
    }
    r.collab = collaborative_denoise(noisy, copts).image;
    collab.seconds = seconds_since(t0);
    r.sigma_hat = copts.noise_sigma * 255.0;

    t0 = Clock::now();
    const double sigma_graph = o.told ? true_sigma : estimate_noise_sigma(noisy);
    r.graph = denoise(noisy, recommended_params(sigma_graph)).image;
    graph.seconds = seconds_since(t0);
    return r;
}

DevRow evaluate(const Bm3dRow& b, const DevOptions& o) {
    const std::string name = b.image + "_s" + std::to_string(b.sigma);
    const Image clean = load_image(o.dir / (b.image + "_clean.png"));
    const Image noisy = load_image(o.dir / (name + ".png"));
    DevRow row;
    row.bm3d = b;
    row.noisy_psnr = psnr(clean, noisy);
    const Runs r = run_filters(noisy, b.sigma / 255.0, o, row.collab, row.graph);
    row.sigma_hat = r.sigma_hat;
    row.collab = score(clean, as_saved_8bit(r.collab), row.collab.seconds);
    row.graph = score(clean, as_saved_8bit(r.graph), row.graph.seconds);
    if (!o.save.empty()) save_image(r.collab, o.save / (name + ".png"));
    if (std::abs(row.noisy_psnr - b.psnr_noisy) > 0.01) {
        std::cerr << "warning: " << name << " noisy PSNR " << row.noisy_psnr << " dB, the csv says " << b.psnr_noisy
                  << ": is this the csv's file?\n";
    }
    std::cerr << "[sigma " << b.sigma << "] " << b.image << ": collaborative " << fmt("%.2f", row.collab.psnr)
              << " dB " << fmt("%.3f", row.collab.seconds) << " s, graph " << fmt("%.2f", row.graph.psnr)
              << " dB, BM3D " << fmt("%.2f", b.psnr) << " dB\n";
    return row;
}

void print_sigma_table(int sigma, const std::vector<DevRow>& rows) {
    std::cout << "\n### sigma = " << sigma << "\n\n"
              << "| image | σ used | noisy PSNR | lidecm PSNR | lidecm SSIM | lidecm s | graph PSNR | graph s "
                 "| BM3D PSNR | BM3D s | gap (dB) | time / BM3D |\n"
              << "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
    DevRow mean;
    for (const DevRow& r : rows) {
        std::cout << "| " << r.bm3d.image << " | " << fmt("%.1f", r.sigma_hat) << " | " << fmt("%.2f", r.noisy_psnr)
                  << " | " << fmt("%.2f", r.collab.psnr) << " | " << fmt("%.4f", r.collab.ssim) << " | "
                  << fmt("%.3f", r.collab.seconds) << " | " << fmt("%.2f", r.graph.psnr) << " | "
                  << fmt("%.3f", r.graph.seconds) << " | " << fmt("%.2f", r.bm3d.psnr) << " | "
                  << fmt("%.2f", r.bm3d.seconds) << " | " << fmt("%+.2f", r.gap()) << " | "
                  << fmt("%.3f", r.collab.seconds / r.bm3d.seconds) << " |\n";
        mean.sigma_hat += r.sigma_hat;
        mean.noisy_psnr += r.noisy_psnr;
        for (auto [sum, v] : {std::pair{&mean.collab, &r.collab}, std::pair{&mean.graph, &r.graph}}) {
            sum->psnr += v->psnr;
            sum->ssim += v->ssim;
            sum->seconds += v->seconds;
        }
        mean.bm3d.psnr += r.bm3d.psnr;
        mean.bm3d.seconds += r.bm3d.seconds;
    }
    const double n = double(rows.size());
    std::cout << "| **mean** | " << fmt("%.1f", mean.sigma_hat / n) << " | " << fmt("%.2f", mean.noisy_psnr / n)
              << " | " << fmt("%.2f", mean.collab.psnr / n) << " | " << fmt("%.4f", mean.collab.ssim / n) << " | "
              << fmt("%.3f", mean.collab.seconds / n) << " | " << fmt("%.2f", mean.graph.psnr / n) << " | "
              << fmt("%.3f", mean.graph.seconds / n) << " | " << fmt("%.2f", mean.bm3d.psnr / n) << " | "
              << fmt("%.2f", mean.bm3d.seconds / n) << " | " << fmt("%+.2f", mean.gap() / n) << " | "
              << fmt("%.3f", mean.collab.seconds / mean.bm3d.seconds) << " |\n";
}

void print_summary(const std::map<int, std::vector<DevRow>>& by_sigma) {
    std::cout << "\n### Summary\n\n"
              << "| σ | lidecm dB | graph dB | BM3D dB | gap | worst file (gap) | lidecm s/img | graph s/img "
                 "| BM3D s/img | lidecm / BM3D time | lidecm / graph time |\n"
              << "|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|\n";
    for (const auto& [sigma, rows] : by_sigma) {
        double collab = 0, graph = 0, bm3d = 0, tc = 0, tg = 0, tb = 0;
        const DevRow* worst = &rows.front();
        for (const DevRow& r : rows) {
            collab += r.collab.psnr;
            graph += r.graph.psnr;
            bm3d += r.bm3d.psnr;
            tc += r.collab.seconds;
            tg += r.graph.seconds;
            tb += r.bm3d.seconds;
            if (r.gap() < worst->gap()) worst = &r;
        }
        const double n = double(rows.size());
        std::cout << "| " << sigma << " | " << fmt("%.2f", collab / n) << " | " << fmt("%.2f", graph / n) << " | "
                  << fmt("%.2f", bm3d / n) << " | " << fmt("%+.2f", (collab - bm3d) / n) << " | "
                  << worst->bm3d.image << " (" << fmt("%+.2f", worst->gap()) << ") | " << fmt("%.3f", tc / n)
                  << " | " << fmt("%.3f", tg / n) << " | " << fmt("%.2f", tb / n) << " | " << fmt("%.3f", tc / tb)
                  << " | " << fmt("%.1f", tc / tg) << " |\n";
    }
}

void write_csv(const fs::path& file, const std::map<int, std::vector<DevRow>>& by_sigma) {
    std::ostringstream out;
    out << "sigma,image,sigma_used,noisy_psnr,lidecm_psnr,lidecm_ssim,lidecm_seconds,graph_psnr,graph_ssim,"
           "graph_seconds,bm3d_psnr,bm3d_seconds,gap\n";
    for (const auto& [sigma, rows] : by_sigma) {
        for (const DevRow& r : rows) {
            out << sigma << ',' << r.bm3d.image << ',' << fmt("%.4f", r.sigma_hat) << ','
                << fmt("%.4f", r.noisy_psnr) << ',' << fmt("%.4f", r.collab.psnr) << ','
                << fmt("%.6f", r.collab.ssim) << ',' << fmt("%.4f", r.collab.seconds) << ','
                << fmt("%.4f", r.graph.psnr) << ',' << fmt("%.6f", r.graph.ssim) << ','
                << fmt("%.4f", r.graph.seconds) << ',' << fmt("%.3f", r.bm3d.psnr) << ','
                << fmt("%.3f", r.bm3d.seconds) << ',' << fmt("%.4f", r.gap()) << '\n';
        }
    }
    write_file_atomically(file, out.str());
}

}  // namespace

std::vector<Bm3dRow> read_bm3d_csv(const fs::path& file) {
    std::istringstream in(read_file_text(file, 1 << 20));
    std::string line;
    std::getline(in, line);
    if (line.rfind("image,sigma,psnr_noisy,psnr_bm3d,seconds_bm3d", 0) != 0) {
        throw IoError(file.string() + ": expected the header image,sigma,psnr_noisy,psnr_bm3d,seconds_bm3d");
    }
    std::vector<Bm3dRow> rows;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        Bm3dRow r;
        std::string sigma, noisy, psnr, seconds;
        if (!std::getline(fields, r.image, ',') || !std::getline(fields, sigma, ',') ||
            !std::getline(fields, noisy, ',') || !std::getline(fields, psnr, ',') || !std::getline(fields, seconds)) {
            throw IoError(file.string() + ": malformed line '" + line + "'");
        }
        r.sigma = std::stoi(sigma);
        r.psnr_noisy = std::stod(noisy);
        r.psnr = std::stod(psnr);
        r.seconds = std::stod(seconds);
        rows.push_back(r);
    }
    return rows;
}

std::vector<Bm3dRow> list_noisy_files(const fs::path& dir) {
    if (fs::exists(dir / "bm3d.csv")) return read_bm3d_csv(dir / "bm3d.csv");
    std::vector<Bm3dRow> rows;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string stem = entry.path().stem().string();
        const auto cut = stem.rfind("_s");
        if (entry.path().extension() != ".png" || cut == std::string::npos || cut + 2 == stem.size()) continue;
        const std::string digits = stem.substr(cut + 2);
        if (!std::all_of(digits.begin(), digits.end(), [](unsigned char ch) { return std::isdigit(ch); })) continue;
        Bm3dRow r;
        r.image = stem.substr(0, cut);
        r.sigma = std::stoi(digits);
        if (fs::exists(dir / (r.image + "_clean.png"))) rows.push_back(r);
    }
    if (rows.empty()) throw IoError(dir.string() + ": neither bm3d.csv nor NAME_sS.png files with a NAME_clean.png");
    std::sort(rows.begin(), rows.end(),
              [](const Bm3dRow& a, const Bm3dRow& b) { return std::pair(a.sigma, a.image) < std::pair(b.sigma, b.image); });
    return rows;
}

int run_dev_set(const DevOptions& o) {
    std::vector<Bm3dRow> todo;
    for (const Bm3dRow& r : read_bm3d_csv(o.dir / "bm3d.csv")) {
        if (selected(o.sigmas, double(r.sigma)) && selected(o.images, r.image)) todo.push_back(r);
    }
    if (todo.empty()) throw InvalidArgument("--dev: no row of " + (o.dir / "bm3d.csv").string() + " is selected");
    if (!o.save.empty()) fs::create_directories(o.save);

    {  // warm-up, untimed: thread team, first-touch allocations
        const Image noisy = load_image(o.dir / (todo.front().image + "_s" + std::to_string(todo.front().sigma) + ".png"));
        Score ignored;
        run_filters(noisy, todo.front().sigma / 255.0, o, ignored, ignored);
    }
    std::cout << "# Dev set: lidecm vs BM3D (" << o.dir.string() << ")\n\n"
              << "lidecm = collaborative_denoise with " << (o.told ? "the true σ (told)" : "σ̂ = estimate_noise_sigma (blind)")
              << ", strength " << fmt("%g", o.strength) << "; graph = denoise(recommended_params("
              << (o.told ? "σ" : "σ̂") << ")). Outputs rounded to 8 bits as a saved PNG; PSNR/SSIM "
              << "against NAME_clean.png. BM3D = bm3d.csv (IPOL BM3D told the true σ, 2 threads, this machine "
                 "kind). Seconds are wall time per image of the library call (lidecm) or of the csv (BM3D); "
                 "gap = lidecm − BM3D in dB.\n";
    std::map<int, std::vector<DevRow>> by_sigma;
    for (const Bm3dRow& r : todo) by_sigma[r.sigma].push_back(evaluate(r, o));
    for (const auto& [sigma, rows] : by_sigma) print_sigma_table(sigma, rows);
    print_summary(by_sigma);
    std::cout.flush();
    if (!o.csv.empty()) {
        write_csv(o.csv, by_sigma);
        std::cerr << "wrote " << o.csv.string() << "\n";
    }
    return 0;
}

}  // namespace lidecm::bench
