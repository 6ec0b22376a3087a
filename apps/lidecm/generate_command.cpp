// `lidecm generate`: new images of a class from a model's token prior (issue #24).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli_support.hpp"
#include "commands.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/train/generate.hpp"

namespace lidecm::cli {
namespace {

struct GenerateFlags {
    std::string model, class_name, prompt, output;
    GenerateOptions options;
    bool no_refine = false;
};

// A folder when it exists as one or the name ends with a slash.
bool is_folder(const std::string& path) {
    return path.ends_with('/') || std::filesystem::is_directory(path);
}

void generate(const GenerateFlags& f) {
    const Model model = load_model(f.model);
    (void)token_prior_of(model, f.model + ":");  // named by its file before anything else is checked
    GenerateOptions o = f.options;
    o.refine = !f.no_refine;
    std::vector<int> classes;
    if (!f.class_name.empty()) {
        classes = {class_named(model, f.class_name)};
    } else if (!f.prompt.empty()) {
        classes = classes_for_prompt(model, f.prompt);
    } else {
        for (int c = 0; c < std::max<int>(1, int(model.class_names.size())); ++c) classes.push_back(c);
    }
    const std::vector<Image> images = generate_images(model, classes, o);  // before anything is written
    const auto name_of = [&](std::size_t i) {
        const int c = classes[i % classes.size()];
        return c < int(model.class_names.size()) ? model.class_names[std::size_t(c)] : std::to_string(c);
    };
    if (is_folder(f.output)) {
        std::filesystem::create_directories(f.output);
        for (std::size_t i = 0; i < images.size(); ++i) {
            save_image(images[i], std::filesystem::path(f.output) / (name_of(i) + "_" + std::to_string(i) + ".png"));
        }
    } else {
        save_image(generated_grid(model, classes, images), f.output);
    }
    std::printf("%zu image(s) of %d x %d from the token prior (temperature %g, top-k %d, seed %llu) -> %s\n",
                images.size(), images[0].width, images[0].height, o.temperature,
                o.top_k > 0 ? o.top_k : model.codebook->size(), static_cast<unsigned long long>(o.seed), f.output.c_str());
}

}  // namespace

void add_generate_command(CLI::App& app) {
    auto f = std::make_shared<GenerateFlags>();
    CLI::App* g = app.add_subcommand("generate", "Sample new images of a class from a model's token prior");
    g->add_option("--model", f->model, "Model file with a token prior (lidecm train fits one)")->required();
    auto* cls = g->add_option("--class", f->class_name, "Class name to generate (default: every class in turn)");
    g->add_option("--prompt", f->prompt, "Words matched against the class names (no language model: the classes whose "
                                         "names contain a word of it)")->excludes(cls);
    g->add_option("-n", f->options.count, "Images to generate")->capture_default_str();
    g->add_option("--temperature", f->options.temperature, "Below 1: sharper, toward the most probable tokens")->capture_default_str();
    g->add_option("--top-k", f->options.top_k, "Draw among the K most probable tokens, 1 to the model's K (default: all)")
        ->check(CLI::Range(1, 65535));
    g->add_option("--seed", f->options.seed, "Same seed, same images")->capture_default_str();
    g->add_option("--size", f->options.size, "Side of the images in px (default: the training resolution)");
    g->add_flag("--no-refine", f->no_refine, "Leave the decoded tiles as they are (default: refined as detokenize --refine)");
    g->add_option("-o,--output", f->output, "A PNG grid (one row per class), or a folder (ends with /) for one file each")->required();
    g->callback([f] { generate(*f); });
}

}  // namespace lidecm::cli
