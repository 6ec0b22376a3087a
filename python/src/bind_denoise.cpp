// lidecm.denoise and lidecm.estimate_noise: what `lidecm denoise` does to one image.
#include <optional>
#include <string>

#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/image/noise.hpp"
#include "lidecm/learner/denoise_image.hpp"
#include "lidecm/train/model_denoising.hpp"

namespace lidecm::python {
namespace {

// The keywords as the library's request; the method and the ranges are refused before
// the array is read, naming the keyword (sigma is the request's noise_sigma).
DenoiseRequest request_for(std::optional<double> sigma, double strength, bool adapt, const std::string& method,
                           int global_candidates) {
    if (method != "collaborative" && method != "graph") {
        throw py::value_error("method: '" + method + "' is not a filter (collaborative or graph)");
    }
    DenoiseRequest request;
    request.method = method == "graph" ? DenoiseMethod::Graph : DenoiseMethod::Collaborative;
    request.noise_sigma = sigma;  // in the image's units until the array is read: the range is the same
    request.strength = strength;
    request.adapt = adapt;
    request.global_candidates = global_candidates;
    try {
        request.validate();
    } catch (const InvalidArgument& e) {
        const std::string message = e.what();
        const std::string field = "noise_sigma:";
        if (message.starts_with(field)) throw py::value_error("sigma:" + message.substr(field.size()));
        throw;
    }
    return request;
}

py::array denoise_array(const py::object& image, std::optional<double> sigma, double strength, bool adapt,
                        const std::string& method, std::optional<int> global_candidates,
                        const std::optional<std::string>& model) {
    DenoiseRequest request = request_for(sigma, strength, adapt, method, global_candidates.value_or(0));
    std::optional<Model> loaded;
    if (model) {
        if (method != "collaborative") throw py::value_error("model: only method 'collaborative' denoises with a model");
        loaded = load_model(*model);
    }
    const InputImage in(image, "image");
    if (sigma) request.noise_sigma = *sigma * in.format().unit();
    Image out;
    if (loaded) {
        // Refusals (no prior, another channel count) before the GIL is released.
        apply_model(*loaded, *model, in.view(), "image", request, global_candidates.has_value());
        py::gil_scoped_release release;
        out = denoise_with_model(in.view(), *loaded, *model, "image", request, true).denoised.image;
    } else {
        py::gil_scoped_release release;
        out = denoise_image(in.view(), request).image;
    }
    return to_array(std::move(out), in.format());
}

double estimate_noise_array(const py::object& image) {
    const InputImage in(image, "image");
    double sigma = 0;
    {
        py::gil_scoped_release release;
        sigma = estimate_noise_sigma(in.view());
    }
    return sigma / in.format().unit();
}

}  // namespace

void bind_denoise(py::module_& m) {
    m.def("denoise", &denoise_array, py::arg("image"), py::arg("sigma") = py::none(), py::kw_only(),
          py::arg("strength") = DenoiseRequest{}.strength, py::arg("adapt") = DenoiseRequest{}.adapt,
          py::arg("method") = "collaborative", py::arg("global_candidates") = py::none(),
          py::arg("model") = py::none(),
          R"(Removes Gaussian noise from an image, as `lidecm denoise` does.

image: H x W or H x W x C (C = 1 or 3) array, float32/float64 in [0, 1] or uint8/uint16.
sigma: the noise's standard deviation in the image's own units (0-1 for floats, 0-255 for
    uint8, 0-65535 for uint16); None estimates it (patch PCA, see estimate_noise).
strength: multiplies the sigma the filter assumes (> 1 smooths more).
adapt: method "collaborative" picks the strength per image by Monte-Carlo SURE around
    `strength` (about twice the time of one filter run); "graph" tunes the graph
    diffusion's parameters with the attention learner.
method: "collaborative" (BM3D-style patch groups, the default) or "graph" (the seed's
    patch-graph diffusion).
global_candidates: collaborative: also gather each patch group from the whole image, this
    many nearest patches from a KD-tree of patch features (0 = the search window only).
    Images that repeat themselves far apart gain most: +3 dB on text pages at sigma 25.
    None: 0, or the model's learned value with `model`.
model: path of a model from `lidecm train` with its patch prior: denoise as its training
    measured best for its images, then blend in the estimate of its patch prior by the
    weight SURE finds best for this image, 0 when the prior does not fit it
    (`lidecm denoise --model`). A model without a prior, or of another channel count than
    the image, raises naming the file.

Returns a new array of the input's dtype, shape and range (floats clamped to [0, 1]).
The GIL is released while the filter runs.)");
    m.def("estimate_noise", &estimate_noise_array, py::arg("image"),
          R"(Estimates the standard deviation of white Gaussian noise in an image (patch PCA,
Chen, Zhu & Heng 2015), in the image's own units (0-1 for floats, 0-255 for uint8,
0-65535 for uint16): the value `lidecm denoise` reports as noise_sigma.)");
    m.def("_borrows", [](const py::object& image) { return InputImage(image, "image").borrowed(); }, py::arg("image"),
          "Whether the library reads `image` in place (test hook: C-contiguous float32 is not copied).");
}

}  // namespace lidecm::python
