#pragma once
// New images from a model (issue #24): token grids sampled by the model's token prior for a
// class, decoded by its codebook and refined as `detokenize --refine` refines.
#include <cstdint>
#include <string>
#include <vector>

#include "lidecm/image/image.hpp"
#include "lidecm/train/model.hpp"

namespace lidecm {

/// Options of generate_images.
struct GenerateOptions {
    int count = 16;              ///< images, ≥ 1
    double temperature = 1.0;    ///< > 0: below 1 sharper, toward the most probable token
    int top_k = 0;               ///< draw among the k most probable tokens, 1 … K (0 = all K)
    std::uint64_t seed = 1234;   ///< the same seed gives the same images
    int size = 0;                ///< side of the images, px (0 = the model's training resolution); ≤ 4096
    bool refine = true;          ///< clean the decoded tiles as `detokenize --refine` does

    /// Throws InvalidArgument naming the field when a value is out of range for `model`.
    void validate(const Model& model) const;
};

/// The class named `name` (case-insensitive); InvalidArgument listing the model's classes
/// when none is.
int class_named(const Model& model, const std::string& name);

/// The classes whose names contain a word of `prompt` (case-insensitive; words split at
/// anything but letters and digits). InvalidArgument listing the model's classes when none
/// does: the model has no language model and matches words only.
std::vector<int> classes_for_prompt(const Model& model, const std::string& prompt);

/// `options.count` images; image i is of class classes[i mod classes.size()] and depends on
/// (seed, i) alone. InvalidArgument when the model has no token prior (naming what to do)
/// or for bad options or classes.
std::vector<Image> generate_images(const Model& model, const std::vector<int>& classes, const GenerateOptions& options);

/// generate_images' output as one picture: a row per class labelled with its name, wrapped
/// every `per_row` images (`classes` as given to generate_images).
Image generated_grid(const Model& model, const std::vector<int>& classes, const std::vector<Image>& images, int per_row = 8);

}  // namespace lidecm
