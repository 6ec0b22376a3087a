#include <memory>

#include "cli_support.hpp"
#include "commands.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/data/samples.hpp"

namespace lidecm::cli {
namespace {

struct NoiseOptions {
    std::string input, output;
    double sigma = 25.0;
    std::uint64_t seed = 1234;
    int crop = 0;
};

}  // namespace

void add_noise_command(CLI::App& app) {
    auto opt = std::make_shared<NoiseOptions>();
    CLI::App* cmd = app.add_subcommand("noise", "Add seeded Gaussian noise to an image (to try the denoiser)");
    cmd->add_option("input", opt->input, "Input image, or samples:NAME")->required();
    cmd->add_option("-o,--output", opt->output, "Output image (format from the extension)")->required();
    cmd->add_option("--sigma", opt->sigma, "Noise standard deviation on the 0-255 scale")
        ->default_val(25.0)->check(finite_range(0.0, 255.0));
    cmd->add_option("--seed", opt->seed, "Seed of the noise generator")->default_val(1234);
    cmd->add_option("--crop", opt->crop,
                    "Resize the shorter side to N and center-crop N x N first (0 = keep the size)")
        ->default_val(0)->check(CLI::Range(0, 1 << 16));
    cmd->callback([opt] {
        Image img = load_image(resolve_image_argument(opt->input));
        if (opt->crop > 0) img = center_crop(resize_shorter_side(img, opt->crop), opt->crop, opt->crop);
        save_image(add_gaussian_noise(img, opt->sigma / 255.0, opt->seed), opt->output);
    });
}

}  // namespace lidecm::cli
