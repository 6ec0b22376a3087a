// lidecm.Codebook and lidecm.extract_tiles.
#include <string>

#include <pybind11/stl.h>

#include "arrays.hpp"
#include "bindings.hpp"
#include "codebook_object.hpp"
#include "lidecm/codebook/tokenizer.hpp"

namespace lidecm::python {
namespace {

std::string dims(int patch_size) {
    const int p2 = patch_size * patch_size;
    return std::to_string(p2) + " (grey) or " + std::to_string(3 * p2) + " (RGB)";
}

}  // namespace

CodebookObject::CodebookObject(int n_codes, int patch_size, int iterations, std::uint64_t seed)
    : patch_size_(patch_size) {
    options_.num_codes = n_codes;
    options_.kmeans_iterations = iterations;
    options_.seed = seed;
    if (!valid_num_codes(n_codes)) throw py::value_error("n_codes: must be in " + num_codes_range());
    if (patch_size < 1 || patch_size > 64) throw py::value_error("patch_size: must be in [1, 64]");
    if (iterations < 0) throw py::value_error("iterations: must be >= 0");
}

CodebookObject::CodebookObject(Codebook codebook, int patch_size) : patch_size_(patch_size) {
    options_.num_codes = codebook.size();
    codebook_.emplace(std::move(codebook));
}

const Codebook& CodebookObject::codebook() const {
    if (!codebook_) throw py::value_error("Codebook: not fitted yet; call fit or partial_fit first");
    return *codebook_;
}

std::optional<int> CodebookObject::channels() const {
    if (!codebook_) return std::nullopt;
    return codebook_->dim() / (patch_size_ * patch_size_);
}

py::array_t<float, py::array::c_style> CodebookObject::rows(const py::object& X) const {
    auto x = typed_array<float>(X, "X", 2);
    const int p2 = patch_size_ * patch_size_;
    const py::ssize_t d = x.shape(1);
    if (codebook_ && d != codebook_->dim()) {
        throw py::value_error("X: rows have " + std::to_string(d) + " values, the codebook's codewords " +
                              std::to_string(codebook_->dim()));
    }
    if (d != p2 && d != 3 * p2) {
        throw py::value_error("X: rows have " + std::to_string(d) + " values; " + std::to_string(patch_size_) + "x" +
                              std::to_string(patch_size_) + " patches have " + dims(patch_size_));
    }
    return x;
}

CodebookObject& CodebookObject::fit(const py::object& X, const py::object& init) {
    const auto x = rows(X);
    const std::size_t n = std::size_t(x.shape(0));
    const int d = int(x.shape(1));
    if (n < std::size_t(options_.num_codes)) {
        throw py::value_error("X: has " + std::to_string(n) + " rows, fewer than n_codes = " +
                              std::to_string(options_.num_codes));
    }
    std::optional<Codebook> start;
    if (!init.is_none() && !py::isinstance<py::str>(init)) {
        const auto c = typed_array<float>(init, "init", 2);
        if (c.shape(0) != options_.num_codes || c.shape(1) != d) {
            throw py::value_error("init: expected shape (" + std::to_string(options_.num_codes) + ", " +
                                  std::to_string(d) + "), got (" + std::to_string(c.shape(0)) + ", " +
                                  std::to_string(c.shape(1)) + ")");
        }
        start.emplace(options_.num_codes, d, std::vector<float>(c.data(), c.data() + c.size()));
    } else if (!init.is_none() && py::str(init).cast<std::string>() != "k-means++") {
        throw py::value_error("init: must be 'k-means++' or an (n_codes, D) array");
    }
    double inertia = 0;
    {
        py::gil_scoped_release release;
        KMeansResult r = start ? run_lloyd(x.data(), n, std::move(*start), options_)
                               : train_kmeans(x.data(), n, d, options_);
        const Assignment a = r.codebook.assign(x.data(), n, options_.block_rows);
        for (const float e : a.sq_distance) inertia += e;
        codebook_.emplace(std::move(r.codebook));
    }
    inertia_ = inertia;
    return *this;
}

CodebookObject& CodebookObject::partial_fit(const py::object& X) {
    const auto x = rows(X);
    const std::size_t n = std::size_t(x.shape(0));
    const int d = int(x.shape(1));
    if (!codebook_ && n < std::size_t(options_.num_codes)) {
        throw py::value_error("X: the first batch initialises the codebook by k-means++ and needs at least n_codes = " +
                              std::to_string(options_.num_codes) + " rows, got " + std::to_string(n));
    }
    {
        py::gil_scoped_release release;
        if (!codebook_) codebook_.emplace(Codebook::kmeans_plus_plus(x.data(), n, d, options_));
        const Assignment a = codebook_->assign(x.data(), n, options_.block_rows);
        CodebookStats stats(codebook_->size(), d);
        stats.accumulate(x.data(), n, a);
        codebook_->minibatch_update(stats);
        inertia_ = stats.sq_error;
    }
    return *this;
}

py::array_t<std::int32_t> CodebookObject::encode(const py::object& X) const {
    const auto x = rows(X);
    const Codebook& c = codebook();
    py::array_t<std::int32_t> out(x.shape(0));
    std::int32_t* dst = out.mutable_data();
    py::gil_scoped_release release;
    const Assignment a = c.assign(x.data(), std::size_t(x.shape(0)), options_.block_rows);
    for (std::size_t i = 0; i < a.size(); ++i) dst[i] = a.index[i];
    return out;
}

py::array_t<float> CodebookObject::decode(const py::object& codes) const {
    const auto k = typed_array<std::int64_t>(codes, "codes", 1);
    const Codebook& c = codebook();
    const std::size_t n = std::size_t(k.shape(0)), d = std::size_t(c.dim());
    for (std::size_t i = 0; i < n; ++i) {
        if (k.data()[i] < 0 || k.data()[i] >= c.size()) {
            throw py::value_error("codes: index " + std::to_string(k.data()[i]) + " at position " + std::to_string(i) +
                                  " is outside [0, " + std::to_string(c.size()) + ")");
        }
    }
    py::array_t<float> out({py::ssize_t(n), py::ssize_t(d)});
    float* dst = out.mutable_data();
    for (std::size_t i = 0; i < n; ++i) std::copy_n(c.codeword(int(k.data()[i])), d, dst + i * d);
    return out;
}

py::array_t<float> CodebookObject::transform(const py::object& X) const {
    const auto x = rows(X);
    const Codebook& c = codebook();
    std::vector<float> d2;
    {
        py::gil_scoped_release release;
        d2 = c.squared_distances(x.data(), std::size_t(x.shape(0)));
    }
    py::array_t<float> out({x.shape(0), py::ssize_t(c.size())});
    std::copy(d2.begin(), d2.end(), out.mutable_data());
    return out;
}

py::array_t<float> CodebookObject::codes() const {
    if (!codebook_) throw py::attribute_error("codes_: the codebook is not fitted yet; call fit or partial_fit first");
    py::array_t<float> out({py::ssize_t(codebook_->size()), py::ssize_t(codebook_->dim())});
    std::copy(codebook_->values().begin(), codebook_->values().end(), out.mutable_data());
    return out;
}

py::array_t<std::uint64_t> CodebookObject::counts() const {
    if (!codebook_) throw py::attribute_error("counts_: the codebook is not fitted yet; call fit or partial_fit first");
    py::array_t<std::uint64_t> out(py::ssize_t(codebook_->size()));
    std::copy(codebook_->counts().begin(), codebook_->counts().end(), out.mutable_data());
    return out;
}

double CodebookObject::inertia() const {
    if (!inertia_) throw py::attribute_error("inertia_: set by fit and partial_fit, neither has run");
    return *inertia_;
}

void bind_codebook(py::module_& m) {
    py::class_<CodebookObject>(m, "Codebook", R"(A K-means patch codebook (the tokenizer's vocabulary).

Rows of X are flattened patch_size x patch_size x C patches (C = 1 or 3), e.g. from
lidecm.extract_tiles. fit runs k-means++ and `iterations` Lloyd steps (empty codes are
re-seeded from the worst-fitted rows); partial_fit is one mini-batch M-step (online
k-means: each codeword stays the mean of every row ever assigned to it).)")
        .def(py::init<int, int, int, std::uint64_t>(), py::arg("n_codes") = 512, py::arg("patch_size") = 8,
             py::kw_only(), py::arg("iterations") = 20, py::arg("seed") = 1234)
        .def("fit", &CodebookObject::fit, py::arg("X"), py::arg("init") = py::none(),
             "k-means++ (or `init`, an (n_codes, D) array) then `iterations` Lloyd steps; sets codes_, counts_ and "
             "inertia_ (sum of squared distances of X to the final codewords). Returns self.")
        .def("partial_fit", &CodebookObject::partial_fit, py::arg("X"),
             "One mini-batch M-step on X (the first call initialises by k-means++ on X); inertia_ is X's sum of "
             "squared distances before the step. Returns self.")
        .def("encode", &CodebookObject::encode, py::arg("X"), "Index of each row's nearest codeword (int32, ties to the lowest index).")
        .def("decode", &CodebookObject::decode, py::arg("codes"), "The codewords of `codes` (n x D float32).")
        .def("transform", &CodebookObject::transform, py::arg("X"), "Squared distances of every row to every codeword (n x n_codes float32).")
        .def_property_readonly("codes_", &CodebookObject::codes, "The codewords, n_codes x D float32 (a copy).")
        .def_property_readonly("counts_", &CodebookObject::counts, "Rows each codeword is the mean of (uint64).")
        .def_property_readonly("inertia_", &CodebookObject::inertia, "Sum of squared distances (see fit, partial_fit).")
        .def_property_readonly("n_codes", &CodebookObject::n_codes)
        .def_property_readonly("patch_size", &CodebookObject::patch_size)
        .def_property_readonly("iterations", &CodebookObject::iterations)
        .def_property_readonly("seed", &CodebookObject::seed)
        .def_property_readonly("channels", &CodebookObject::channels, "1 or 3 once fitted, else None.")
        .def("__repr__", [](const CodebookObject& c) {
            return "Codebook(n_codes=" + std::to_string(c.n_codes()) + ", patch_size=" + std::to_string(c.patch_size()) +
                   (c.fitted() ? ", fitted" : "") + ")";
        });
    m.def(
        "extract_tiles",
        [](const py::object& image, int patch_size) {
            if (patch_size < 1 || patch_size > 64) throw py::value_error("patch_size: must be in [1, 64]");
            const InputImage in(image, "image");
            Tiles t;
            {
                py::gil_scoped_release release;
                t = extract_tiles(in.view(), patch_size);
            }
            py::array_t<float> out({py::ssize_t(t.size()), py::ssize_t(t.dim())});
            std::copy(t.values.begin(), t.values.end(), out.mutable_data());
            return out;
        },
        py::arg("image"), py::arg("patch_size") = 8,
        R"(The image's non-overlapping patch_size x patch_size tiles as rows (float32, in [0, 1]),
row-major, each tile HWC; sides that are not multiples of patch_size are padded by reflection.)");
}

}  // namespace lidecm::python
