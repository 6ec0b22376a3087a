// lidecm.load_model and lidecm.Model: a trained model's tokenizer, decoder and refiner.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "codebook_object.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/train/generate.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/codebook/tokenizer.hpp"

namespace lidecm::python {
namespace {

/// A loaded model (immutable: every method reads it, so threads may share one).
class ModelObject {
public:
    explicit ModelObject(Model model) : model_(std::move(model)) {}

    [[nodiscard]] py::array_t<std::uint16_t> tokenize(const py::object& image) const {
        const InputImage in(image, "image");
        TokenGrid grid;
        {
            py::gil_scoped_release release;
            grid = encode(*model_.codebook, model_input(model_, in.view()), patch_size());
        }
        py::array_t<std::uint16_t> out({py::ssize_t(grid.rows()), py::ssize_t(grid.cols())});
        std::copy(grid.indices.begin(), grid.indices.end(), out.mutable_data());
        return out;
    }

    [[nodiscard]] py::array detokenize(const py::object& tokens, bool refine,
                                       std::optional<std::pair<int, int>> size) const {
        const auto t = typed_array<std::int64_t>(tokens, "tokens", 2);
        const Codebook& codebook = *model_.codebook;
        TokenGrid grid;
        grid.patch_size = patch_size();
        grid.channels = channels();
        grid.num_codes = codebook.size();
        grid.codebook_checksum = codebook.checksum();
        const int rows = int(t.shape(0)), cols = int(t.shape(1));
        if (rows < 1 || cols < 1) throw py::value_error("tokens: the grid is empty");
        grid.image_height = size ? size->first : rows * grid.patch_size;
        grid.image_width = size ? size->second : cols * grid.patch_size;
        if (grid.rows() != rows || grid.cols() != cols) {
            throw py::value_error("size: a " + std::to_string(grid.image_height) + "x" + std::to_string(grid.image_width) +
                                  " image has " + std::to_string(grid.rows()) + "x" + std::to_string(grid.cols()) +
                                  " tokens of " + std::to_string(grid.patch_size) + " px, not " + std::to_string(rows) +
                                  "x" + std::to_string(cols));
        }
        grid.indices.resize(std::size_t(rows) * std::size_t(cols));
        for (std::size_t i = 0; i < grid.indices.size(); ++i) {
            const std::int64_t k = t.data()[i];
            if (k < 0 || k >= codebook.size()) {
                throw py::value_error("tokens: index " + std::to_string(k) + " is outside the codebook's [0, " +
                                      std::to_string(codebook.size()) + ")");
            }
            grid.indices[i] = std::uint16_t(k);
        }
        Image image;
        {
            py::gil_scoped_release release;
            image = decode(codebook, grid);
            if (refine) image = refine_reconstruction(model_, image);
        }
        PixelFormat format;
        format.two_d = image.channels == 1;
        return to_array(std::move(image), format);
    }

    [[nodiscard]] py::list generate(const std::optional<std::string>& class_name, const std::optional<std::string>& prompt,
                                    int n, double temperature, std::optional<int> top_k, std::uint64_t seed,
                                    std::optional<int> size, bool refine) const {
        if (class_name && prompt) throw py::value_error("class_name and prompt: give one of them, not both");
        std::vector<int> classes;
        if (class_name) {
            classes = {class_named(model_, *class_name)};
        } else if (prompt) {
            classes = classes_for_prompt(model_, *prompt);
        } else {
            for (int c = 0; c < std::max<int>(1, int(model_.class_names.size())); ++c) classes.push_back(c);
        }
        if (top_k && *top_k < 1) throw py::value_error("top_k: must be in [1, " + std::to_string(n_codes()) + "]");
        GenerateOptions o;
        o.count = n;
        o.temperature = temperature;
        o.top_k = top_k.value_or(0);
        o.seed = seed;
        o.size = size.value_or(0);
        o.refine = refine;
        std::vector<Image> images;
        {
            py::gil_scoped_release release;
            images = generate_images(model_, classes, o);
        }
        py::list out;
        PixelFormat format;
        format.two_d = channels() == 1;
        for (Image& im : images) out.append(to_array(std::move(im), format));
        return out;
    }

    [[nodiscard]] CodebookObject codebook() const { return CodebookObject(*model_.codebook, patch_size()); }
    [[nodiscard]] py::dict info() const {
        return py::module_::import("json").attr("loads")(model_summary(model_).dump());
    }
    [[nodiscard]] int patch_size() const { return model_.config.patch_size; }
    [[nodiscard]] int channels() const { return model_.config.dataset.channels; }
    [[nodiscard]] int n_codes() const { return model_.codebook->size(); }

private:
    Model model_;
};

}  // namespace

py::object wrap_model(Model model) { return py::cast(ModelObject(std::move(model))); }

void bind_model(py::module_& m) {
    py::class_<ModelObject>(m, "Model", "A trained model: codebook, learner and config (from lidecm.load_model or lidecm.train).")
        .def("tokenize", &ModelObject::tokenize, py::arg("image"),
             "The image's token grid (uint16, ceil(H/p) x ceil(W/p)); colour images are turned to luma for a grey "
             "model and grey ones replicated for a colour model.")
        .def("detokenize", &ModelObject::detokenize, py::arg("tokens"), py::arg("refine") = false, py::kw_only(),
             py::arg("size") = py::none(),
             "The image a token grid stands for (float32 in [0, 1], H x W x 3, or H x W for a grey model); "
             "`size` = (H, W) crops the padding off as tokenize added it (default: the whole grid). "
             "refine=True cleans it as `lidecm detokenize --refine` does.")
        .def("generate", &ModelObject::generate, py::kw_only(), py::arg("class_name") = py::none(),
             py::arg("prompt") = py::none(), py::arg("n") = 16, py::arg("temperature") = 1.0, py::arg("top_k") = py::none(),
             py::arg("seed") = 1234, py::arg("size") = py::none(), py::arg("refine") = true,
             "n new images (float32 in [0, 1], H x W x 3, or H x W for a grey model) sampled from the model's token "
             "prior, as `lidecm generate` makes them: of the class `class_name`, of the classes whose names contain a "
             "word of `prompt`, or of every class in turn; the same seed gives the same images. ValueError for an "
             "unknown class, a prompt naming none (the message lists the classes), n < 1, temperature <= 0, top_k "
             "outside [1, K], or a model without a token prior.")
        .def_property_readonly("codebook", &ModelObject::codebook, "The model's codebook (a copy) as a lidecm.Codebook.")
        .def("info", &ModelObject::info, "What `lidecm info --json` prints for the model, as a dict.")
        .def_property_readonly("patch_size", &ModelObject::patch_size)
        .def_property_readonly("channels", &ModelObject::channels)
        .def_property_readonly("n_codes", &ModelObject::n_codes)
        .def("__repr__", [](const ModelObject& o) {
            return "Model(n_codes=" + std::to_string(o.n_codes()) + ", patch_size=" + std::to_string(o.patch_size()) +
                   ", channels=" + std::to_string(o.channels()) + ")";
        });
    m.def(
        "load_model",
        [](const std::filesystem::path& path) {
            Model model;
            {
                py::gil_scoped_release release;
                model = load_model(path);
            }
            return wrap_model(std::move(model));
        },
        py::arg("path"), "Reads a model file (model.lidecm of a run); OSError naming the file when it is missing or invalid.");
}

}  // namespace lidecm::python
