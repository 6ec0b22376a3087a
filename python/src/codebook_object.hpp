#pragma once
// lidecm.Codebook: the library's Codebook with scikit-learn's verbs (fit, partial_fit,
// transform) and faiss's (encode, decode). Rows of X are flattened patch_size² × C
// patches (C 1 or 3), as lidecm.extract_tiles gives them.
#include <cstdint>
#include <optional>

#include <pybind11/numpy.h>

#include "lidecm/codebook/codebook.hpp"

namespace lidecm::python {
namespace py = pybind11;

class CodebookObject {
public:
    CodebookObject(int n_codes, int patch_size, int iterations, std::uint64_t seed);
    /// A fitted object around a model's codebook.
    CodebookObject(Codebook codebook, int patch_size);

    CodebookObject& fit(const py::object& X, const py::object& init);
    CodebookObject& partial_fit(const py::object& X);
    [[nodiscard]] py::array_t<std::int32_t> encode(const py::object& X) const;
    [[nodiscard]] py::array_t<float> decode(const py::object& codes) const;
    [[nodiscard]] py::array_t<float> transform(const py::object& X) const;

    [[nodiscard]] py::array_t<float> codes() const;
    [[nodiscard]] py::array_t<std::uint64_t> counts() const;
    [[nodiscard]] double inertia() const;
    [[nodiscard]] int n_codes() const { return options_.num_codes; }
    [[nodiscard]] int patch_size() const { return patch_size_; }
    [[nodiscard]] int iterations() const { return options_.kmeans_iterations; }
    [[nodiscard]] std::uint64_t seed() const { return options_.seed; }
    [[nodiscard]] std::optional<int> channels() const;
    [[nodiscard]] bool fitted() const { return codebook_.has_value(); }
    [[nodiscard]] const Codebook& codebook() const;

private:
    /// X as a C-contiguous float32 n × D array; D must be patch_size² × (1 or 3), and
    /// the codebook's dim once fitted.
    py::array_t<float, py::array::c_style> rows(const py::object& X) const;

    CodebookOptions options_;
    int patch_size_;
    std::optional<Codebook> codebook_;
    std::optional<double> inertia_;
};

}  // namespace lidecm::python
