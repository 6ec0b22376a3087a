#pragma once
// The dev-set mode of experiments/denoise_quality (issue #12): lidecm's collaborative
// filter and graph denoiser on the dev set's noisy files beside BM3D's recorded
// PSNR and seconds (experiments/data/dev/bm3d.csv).
#include <filesystem>
#include <string>
#include <vector>

namespace lidecm::bench {

/// One line of bm3d.csv: BM3D's recorded figures for one noisy file.
struct Bm3dRow {
    std::string image;
    int sigma = 0;
    double psnr_noisy = 0, psnr = 0, seconds = 0;
};

/// The rows of bm3d.csv (header image,sigma,psnr_noisy,psnr_bm3d,seconds_bm3d); IoError when malformed.
std::vector<Bm3dRow> read_bm3d_csv(const std::filesystem::path& file);

/// The noisy files of a photo set: bm3d.csv's rows when the folder has one, else one row
/// (image, sigma; no BM3D figures) per NAME_sS.png with a NAME_clean.png beside it, sorted by
/// sigma then name — so a set made elsewhere (experiments/photo_sets/) needs no csv.
/// IoError when the folder holds neither.
std::vector<Bm3dRow> list_noisy_files(const std::filesystem::path& dir);

struct DevOptions {
    std::filesystem::path dir;         ///< NAME_clean.png, NAME_sS.png and bm3d.csv
    std::vector<double> sigmas;        ///< empty = every sigma of the csv
    std::vector<std::string> images;   ///< empty = every image of the csv
    double strength = 1.0;             ///< CollaborativeOptions::strength
    bool told = false;                 ///< give both lidecm filters the true sigma instead of σ̂
    std::filesystem::path save;        ///< when set, the collaborative outputs as NAME_sS.png
    std::filesystem::path csv;         ///< when set, one row per file
};

/// Prints the per-sigma tables and summary as Markdown on stdout (progress on stderr). Returns 0.
int run_dev_set(const DevOptions& options);

}  // namespace lidecm::bench
