// Accuracy and time of the blind noise estimates (PatchPca, HaarMad) on a folder of
// noisy photos with known σ: files NAME_sS.png (Gaussian noise of σ = S on the 0-255
// scale) and, where there is one, NAME_clean.png (its noise-free original; estimated
// too, as σ = 1/√12 ≈ 0.29, the 8-bit rounding alone).
//
// For each file: the nominal σ; the σ actually present, std(noisy − clean) over all
// values (lower than the nominal where clipping at 0 and 255 cut the noise); each
// estimate and its time (the best of --repeat runs). Then per σ, for each estimator,
// the mean absolute and the worst error against the nominal and against the present
// σ, and the mean time. Markdown on stdout.
//
//   noise_estimate FOLDER [--grey] [--repeat 3]
// --grey estimates the first channel of every file alone, as a grey photo would be.
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/image/image.hpp"
#include "lidecm/image/noise.hpp"

namespace {

namespace fs = std::filesystem;
using lidecm::Image;
using lidecm::NoiseEstimator;

const double kRoundingSigma = 1.0 / std::sqrt(12.0);  // 8-bit rounding, 0-255 scale

struct File {
    std::string name;
    double sigma = 0;  ///< nominal, 0-255 scale; kRoundingSigma for a clean file
    fs::path path, clean;
};

struct Estimate {
    double sigma = 0, seconds = 0;
};

struct Row {
    File file;
    double present = 0;  ///< std(noisy - clean), 0-255 scale
    Estimate haar, pca;
};

std::vector<File> list_files(const fs::path& folder) {
    std::vector<File> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
        const std::string stem = entry.path().stem().string();
        if (entry.path().extension() != ".png") continue;
        const auto cut = stem.rfind('_');
        if (cut == std::string::npos) continue;
        const std::string name = stem.substr(0, cut), tag = stem.substr(cut + 1);
        const fs::path clean = folder / (name + "_clean.png");
        if (tag == "clean") {
            files.push_back({name, kRoundingSigma, entry.path(), {}});
        } else if (tag.size() > 1 && tag[0] == 's' && std::all_of(tag.begin() + 1, tag.end(), ::isdigit)) {
            files.push_back({name, std::stod(tag.substr(1)), entry.path(), fs::exists(clean) ? clean : fs::path{}});
        }
    }
    std::sort(files.begin(), files.end(),
              [](const File& a, const File& b) { return std::pair(a.sigma, a.name) < std::pair(b.sigma, b.name); });
    return files;
}

Image first_channel(const Image& image) {
    Image grey(image.height, image.width, 1);
    for (std::size_t i = 0; i < grey.size(); ++i) grey.data[i] = image.data[i * std::size_t(image.channels)];
    return grey;
}

Estimate timed(const Image& image, NoiseEstimator estimator, int repeat) {
    Estimate best{0, 1e30};
    for (int i = 0; i < repeat; ++i) {
        const auto start = std::chrono::steady_clock::now();
        best.sigma = lidecm::estimate_noise_sigma(image, estimator) * 255.0;
        best.seconds =
            std::min(best.seconds, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}

Row evaluate(const File& file, bool grey, int repeat) {
    Image noisy = lidecm::load_image(file.path);
    Row row{file, file.sigma, {}, {}};
    if (!file.clean.empty()) {
        Image clean = lidecm::load_image(file.clean);
        if (grey) clean = first_channel(clean);
        if (grey) noisy = first_channel(noisy);
        row.present = std::sqrt(lidecm::mse(noisy, clean)) * 255.0;
    } else if (grey) {
        noisy = first_channel(noisy);
    }
    row.haar = timed(noisy, NoiseEstimator::HaarMad, repeat);
    row.pca = timed(noisy, NoiseEstimator::PatchPca, repeat);
    return row;
}

struct Errors {
    double sum = 0, worst = 0, seconds = 0;
    int n = 0;
    void add(double error, double time) {
        sum += std::fabs(error);
        worst = std::max(worst, std::fabs(error));
        seconds += time;
        ++n;
    }
};

void print(const std::vector<Row>& rows) {
    std::printf("| image | σ | present σ | HaarMad | PatchPca | HaarMad − present | PatchPca − present |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    for (const Row& r : rows) {
        std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %+.2f | %+.2f |\n", r.file.name.c_str(), r.file.sigma,
                    r.present, r.haar.sigma, r.pca.sigma, r.haar.sigma - r.present, r.pca.sigma - r.present);
    }
    // Per σ: {nominal, present} × {HaarMad, PatchPca}.
    std::map<double, std::array<Errors, 4>> by_sigma;
    for (const Row& r : rows) {
        auto& e = by_sigma[r.file.sigma];
        e[0].add(r.haar.sigma - r.file.sigma, r.haar.seconds);
        e[1].add(r.pca.sigma - r.file.sigma, r.pca.seconds);
        e[2].add(r.haar.sigma - r.present, r.haar.seconds);
        e[3].add(r.pca.sigma - r.present, r.pca.seconds);
    }
    std::printf("\nMean absolute / worst error (0-255 scale) and mean ms per image:\n\n");
    std::printf("| σ | files | HaarMad vs nominal | PatchPca vs nominal | HaarMad vs present | PatchPca vs present "
                "| HaarMad ms | PatchPca ms |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const auto& [sigma, e] : by_sigma) {
        std::printf("| %.2f | %d", sigma, e[0].n);
        for (const Errors& x : e) std::printf(" | %.2f / %.2f", x.sum / x.n, x.worst);
        std::printf(" | %.2f | %.2f |\n", 1e3 * e[0].seconds / e[0].n, 1e3 * e[1].seconds / e[1].n);
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Accuracy and time of the blind noise estimates on NAME_sS.png files"};
    std::string folder;
    bool grey = false;
    int repeat = 3;
    app.add_option("folder", folder, "folder of NAME_sS.png and NAME_clean.png files")->required();
    app.add_flag("--grey", grey, "estimate the first channel of each file alone");
    app.add_option("--repeat", repeat, "runs per estimate; the fastest is the time")->check(CLI::Range(1, 100));
    CLI11_PARSE(app, argc, argv);
    try {
        const std::vector<File> files = list_files(folder);
        if (files.empty()) throw std::runtime_error("no NAME_sS.png or NAME_clean.png files in " + folder);
        std::vector<Row> rows;
        for (const File& f : files) rows.push_back(evaluate(f, grey, repeat));
        print(rows);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "noise_estimate: %s\n", e.what());
        return 1;
    }
    return 0;
}
