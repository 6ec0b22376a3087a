// One collaborative_denoise of a large RGB image, for time and peak-heap figures
// (issue #12: peak heap ≤ 150 MB at 1024²). Run it under heaptrack:
//
//   heaptrack -o /tmp/ht1024 ./build/experiments/collaborative_memory --side 1024
//   heaptrack_print -f /tmp/ht1024.zst | grep -i peak
//
// The image: the astronaut sample (512×512) resized to side×side, Gaussian noise
// σ 25 (seeded), rounded to 8 bits. The filter is blind (CollaborativeOptions::for_image),
// as `lidecm denoise` runs it. --no-denoise stops before the filter, so the same
// command gives the heap the process holds without it.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "lidecm/denoise/collaborative.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/data/samples.hpp"
#include "quality_common.hpp"

int main(int argc, char** argv) {
    int side = 1024;
    bool no_denoise = false;
    CLI::App app{"One blind collaborative_denoise of the astronaut sample resized to SIDE x SIDE, sigma 25"};
    app.add_option("--side", side, "Image side, px")->check(CLI::Range(16, 8192))->default_val(side);
    app.add_flag("--no-denoise", no_denoise, "Prepare the image only (the heap without the filter)");
    CLI11_PARSE(app, argc, argv);
    try {
        const lidecm::Image photo = lidecm::load_image(lidecm::resolve_image_argument("samples:astronaut"));
        const lidecm::Image clean =
            lidecm::center_crop(lidecm::resize_shorter_side(lidecm::to_rgb(photo), side), side, side);
        const lidecm::Image noisy =
            lidecm::bench::as_saved_8bit(lidecm::add_gaussian_noise(clean, 25.0 / 255.0, std::uint64_t{1234}, true));
        if (no_denoise) {
            std::printf("%dx%d RGB prepared, not denoised\n", side, side);
            return 0;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const lidecm::CollaborativeResult r =
            lidecm::collaborative_denoise(noisy, lidecm::CollaborativeOptions::for_image(noisy));
        const double seconds = lidecm::bench::seconds_since(t0);
        std::printf("%dx%d RGB: %.3f s (stage 1 %.3f, stage 2 %.3f, colour %.3f), %zu groups, sigma used %.2f, "
                    "PSNR %.2f -> %.2f dB\n",
                    side, side, seconds, r.timings.hard, r.timings.wiener, r.timings.colour, r.groups,
                    r.sigma_used * 255.0, lidecm::psnr(clean, noisy), lidecm::psnr(clean, r.image));
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "collaborative_memory: " << e.what() << "\n";
        return 1;
    }
}
