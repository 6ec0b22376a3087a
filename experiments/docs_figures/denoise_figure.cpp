// docs/denoise_example.png: what the denoisers do to three sample photos at σ 25.
// Rows: noisy, the graph diffusion (blind, recommended_params), the collaborative
// filter (blind, defaults), clean; each row's label gives its mean PSNR over the
// photos. Every input is made here from the built-in samples (shorter side 256, centre 256² crop,
// Gaussian noise σ 25 seeded by --seed, rounded to 8 bits), so the figure is
// reproducible: `build/experiments/denoise_figure --out docs/denoise_example.png`.
#include <cmath>
#include <exception>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/image/image_grid.hpp"
#include "lidecm/image/noise.hpp"
#include "lidecm/data/samples.hpp"

namespace {

using namespace lidecm;

Image as_8bit(Image im) {
    for (float& v : im.data) v = std::round(v * 255.0f) / 255.0f;
    return im;
}

struct Crop {
    const char* sample;
    int y, x;  ///< corner of the 96² crop inside the 256² centre crop
};

}  // namespace

int run(int argc, char** argv) {
    CLI::App app("Writes the denoising example figure of the README");
    std::string out = "docs/denoise_example.png";
    double sigma = 25;
    std::uint64_t seed = 12;
    app.add_option("--out", out, "PNG to write")->capture_default_str();
    app.add_option("--sigma", sigma, "noise sigma, 0-255")->capture_default_str();
    app.add_option("--seed", seed, "noise seed")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    const std::vector<Crop> crops = {{"astronaut", 40, 90}, {"brick", 80, 80}, {"page", 60, 100}};
    std::vector<GridRow> rows(4);
    double sum[3] = {0, 0, 0};
    for (const Crop& c : crops) {
        const Image clean = center_crop(
            resize_shorter_side(to_rgb(load_image(resolve_image_argument(std::string("samples:") + c.sample))), 256), 256, 256);
        const Image noisy = as_8bit(add_gaussian_noise(clean, sigma / 255.0, seed));
        const double sigma_hat = estimate_noise_sigma(noisy);
        const Image graph = as_8bit(denoise(noisy, recommended_params(sigma_hat)).image);
        const Image collab = as_8bit(collaborative_denoise(noisy, CollaborativeOptions::for_image(noisy)).image);
        const Image* versions[] = {&noisy, &graph, &collab, &clean};
        for (int r = 0; r < 3; ++r) sum[r] += psnr(*versions[r], clean);
        for (int r = 0; r < 4; ++r) rows[std::size_t(r)].images.push_back(crop(*versions[r], c.y, c.x, 96, 96));
    }
    const double n = double(crops.size());
    char label[64];
    const char* names[] = {"noisy", "graph", "collaborative"};
    for (int r = 0; r < 3; ++r) {
        std::snprintf(label, sizeof label, "%s %.1f dB", names[r], sum[r] / n);
        rows[std::size_t(r)].label = label;
    }
    rows[3].label = "clean";
    save_image(make_grid(rows, GridOptions{2, 4, 0, 1.0f}), out);
    std::printf("%s: noisy %.2f, graph %.2f, collaborative %.2f dB (mean PSNR of the 256² crops)\n", out.c_str(),
                sum[0] / n, sum[1] / n, sum[2] / n);
    return 0;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "denoise_figure: %s\n", e.what());
        return 1;
    }
}
