#include "lidecm/train/generate.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/random_salts.hpp"
#include "lidecm/codebook/tokenizer.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/image_grid.hpp"

namespace lidecm {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out;
    std::string w;
    for (const unsigned char c : text + " ") {
        if (std::isalnum(c)) {
            w += char(std::tolower(c));
        } else if (!w.empty()) {
            out.push_back(w);
            w.clear();
        }
    }
    return out;
}

std::string class_list(const Model& model) {
    std::string s;
    for (const std::string& n : model.class_names) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? "(none: the model was trained on one unnamed class)" : s;
}

}  // namespace

void GenerateOptions::validate(const Model& model) const {
    require(count >= 1 && count <= 10000, "n", "must be in [1, 10000]");
    require(std::isfinite(temperature) && temperature > 0, "temperature", "must be a finite number > 0");
    const int k = model.codebook ? model.codebook->size() : 0;
    require(top_k == 0 || (top_k >= 1 && top_k <= k), "top-k", "must be in [1, " + std::to_string(k) + "] (K of the model)");
    require(size >= 0 && size <= 4096, "size", "must be in [0, 4096] (0: the training resolution)");
}

int class_named(const Model& model, const std::string& name) {
    for (std::size_t c = 0; c < model.class_names.size(); ++c) {
        if (lower(model.class_names[c]) == lower(name)) return int(c);
    }
    throw InvalidArgument("class: no class named '" + name + "'; the model's classes: " + class_list(model));
}

std::vector<int> classes_for_prompt(const Model& model, const std::string& prompt) {
    const std::vector<std::string> asked = words(prompt);
    std::vector<int> found;
    for (std::size_t c = 0; c < model.class_names.size(); ++c) {
        const std::vector<std::string> named = words(model.class_names[c]);
        const bool match = std::any_of(asked.begin(), asked.end(), [&](const std::string& w) {
            return std::find(named.begin(), named.end(), w) != named.end();
        });
        if (match) found.push_back(int(c));
    }
    if (found.empty()) {
        throw InvalidArgument("prompt: no word of '" + prompt + "' names a class (the model has no language model; it "
                              "matches class names); the model's classes: " + class_list(model));
    }
    return found;
}

std::vector<Image> generate_images(const Model& model, const std::vector<int>& classes, const GenerateOptions& o) {
    const TokenPrior& prior = token_prior_of(model, "model:");
    o.validate(model);
    require(!classes.empty(), "class", "none given");
    for (const int c : classes) {
        require(c >= 0 && c < prior.classes(), "class", "must be in [0, " + std::to_string(prior.classes()) + ")");
    }
    const int side = o.size > 0 ? o.size : model.config.dataset.resolution;
    TokenGrid shape;
    shape.image_height = shape.image_width = side;
    shape.channels = model.config.dataset.channels;
    shape.patch_size = model.config.patch_size;
    shape.num_codes = model.codebook->size();
    shape.codebook_checksum = model.codebook->checksum();
    std::vector<Image> out;
    for (int i = 0; i < o.count; ++i) {
        RandomStream rng{o.seed, detail::kGenerateSalt, std::uint64_t(i)};
        const TokenGrid grid = prior.sample(shape, classes[std::size_t(i) % classes.size()], o.temperature,
                                            o.top_k > 0 ? o.top_k : prior.codes(), rng);
        Image image = decode(*model.codebook, grid);
        out.push_back(o.refine ? refine_reconstruction(model, image) : std::move(image));
    }
    return out;
}

Image generated_grid(const Model& model, const std::vector<int>& classes, const std::vector<Image>& images, int per_row) {
    require(!classes.empty() && !images.empty() && per_row >= 1, "generated grid", "needs classes, images and per_row >= 1");
    std::vector<GridRow> rows;
    for (std::size_t c = 0; c < classes.size(); ++c) {
        const int label = classes[c];
        const std::string name =
            label < int(model.class_names.size()) ? model.class_names[std::size_t(label)] : std::to_string(label);
        std::size_t taken = 0;
        for (std::size_t i = c; i < images.size(); i += classes.size(), ++taken) {
            if (taken % std::size_t(per_row) == 0) rows.push_back({taken == 0 ? name : std::string(), {}});
            rows.back().images.push_back(images[i]);
        }
    }
    return make_grid(rows);
}

}  // namespace lidecm
