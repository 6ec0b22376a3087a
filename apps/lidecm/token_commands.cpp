// `lidecm tokenize` and `lidecm detokenize`: images to token files and back.
#include <cstdio>
#include <memory>

#include "cli_support.hpp"
#include "commands.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/data/samples.hpp"
#include "lidecm/formats/token_file.hpp"
#include "lidecm/codebook/token_refine.hpp"
#include "lidecm/codebook/tokenizer.hpp"

namespace lidecm::cli {
namespace {

struct TokenFlags {
    std::string model, input, output;
    bool refine = false, entropy = false;
};

void tokenize(const TokenFlags& f) {
    const Model model = load_model(f.model);
    const TokenPrior* prior = f.entropy ? &token_prior_of(model, "--entropy: " + f.model) : nullptr;
    const Image image = model_input(model, load_image(resolve_image_argument(f.input)));
    const TokenGrid grid = encode(*model.codebook, image, model.config.patch_size);
    if (!prior) {
        write_token_file(grid, f.output);
        std::printf("%d x %d image -> %d x %d tokens (K = %d, %.3f bits per pixel) -> %s\n", grid.image_width,
                    grid.image_height, grid.cols(), grid.rows(), grid.num_codes, bits_per_pixel(grid), f.output.c_str());
        return;
    }
    const int label = cheapest_label(grid, *prior);
    const std::vector<unsigned char> bytes = encode_token_file(grid, *prior, label, f.output);
    write_file_atomically(f.output, bytes);
    const TokenFileHeader h = read_token_file_header(bytes, f.output);
    std::printf("%d x %d image -> %d x %d tokens (K = %d) coded as class %s: %.3f bits per pixel (fixed width %.3f) -> %s\n",
                grid.image_width, grid.image_height, grid.cols(), grid.rows(), grid.num_codes,
                model.class_names[std::size_t(label)].c_str(), h.stored_bits_per_pixel(), bits_per_pixel(grid),
                f.output.c_str());
}

void detokenize(const TokenFlags& f) {
    const Model model = load_model(f.model);
    const TokenGrid grid = read_token_file(f.input, model.token_prior ? &*model.token_prior : nullptr);
    if (grid.codebook_checksum != model.codebook->checksum() || grid.num_codes != model.codebook->size()) {
        throw IoError(f.input + ": made with another codebook than " + f.model + "'s (checksum or K differ)");
    }
    Image image = decode(*model.codebook, grid);
    if (f.refine) image = refine_reconstruction(model, image);
    save_image(image, f.output);
}

}  // namespace

void add_tokenize_commands(CLI::App& app) {
    auto t = std::make_shared<TokenFlags>();
    CLI::App* tok = app.add_subcommand("tokenize", "Turn an image into a token file with a trained model's codebook");
    tok->add_option("--model", t->model, "Model file (model.lidecm of a run)")->required();
    tok->add_option("input", t->input, "Image, or samples:NAME")->required();
    tok->add_option("-o,--output", t->output, "Token file to write")->required();
    tok->add_flag("--entropy", t->entropy, "Range-code the tokens with the model's token prior, as the class that codes them "
                  "smallest (detokenize then needs this model)");
    tok->callback([t] { tokenize(*t); });

    auto d = std::make_shared<TokenFlags>();
    CLI::App* det = app.add_subcommand("detokenize", "Turn a token file back into an image");
    det->add_option("--model", d->model, "Model file whose codebook made the tokens")->required();
    det->add_option("input", d->input, "Token file")->required();
    det->add_option("-o,--output", d->output, "Image to write (format from the extension)")->required();
    det->add_flag("--refine", d->refine, "Clean the reconstruction as training did: the model's refiner (collaborative or graph) with the "
                  "learned parameters, at the model's quantisation level");
    det->callback([d] { detokenize(*d); });
}

}  // namespace lidecm::cli
