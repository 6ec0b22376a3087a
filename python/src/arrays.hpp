#pragma once
// numpy images in and out of the library. An input is an H×W or H×W×C array (C 1 or 3)
// of float32/float64 in [0, 1] or uint8/uint16 (scaled by 1/255 or 1/65535, as
// skimage.img_as_float and the CLI's image loader do); a result comes back in the
// input's dtype, range and number of dimensions.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "lidecm/image/image.hpp"

namespace lidecm::python {
namespace py = pybind11;

/// What an input array held: the dtype and layout its results are given back in.
struct PixelFormat {
    SampleDepth depth = SampleDepth::F32;  ///< U8, U16, or F32 for both float dtypes
    bool float64 = false;
    bool two_d = false;  ///< H×W rather than H×W×C
    /// One level of the input's range in [0, 1] units: 1/255, 1/65535, or 1 for floats.
    [[nodiscard]] double unit() const;
};

/// An image argument as the library reads it: a view of the array's own memory when it
/// is a C-contiguous float32 array (no copy), otherwise a converted copy. Throws
/// TypeError/ValueError naming `argument` for anything else. Construct with the GIL held.
class InputImage {
public:
    InputImage(const py::handle& object, const char* argument);
    InputImage(const InputImage&) = delete;
    InputImage& operator=(const InputImage&) = delete;

    [[nodiscard]] ImageView view() const { return view_; }
    [[nodiscard]] const PixelFormat& format() const { return format_; }
    /// Whether view() reads the caller's array in place.
    [[nodiscard]] bool borrowed() const { return copy_.empty(); }

private:
    py::array array_;  ///< keeps the viewed memory alive
    Image copy_;
    ImageView view_;
    PixelFormat format_;
};

/// `image` as a new array of `format`'s dtype and dimensions: float values clamped to
/// [0, 1], integers rounded as save_image writes them. The array owns its memory (for
/// float32 the image's own buffer, handed over without a copy). Call with the GIL held.
py::array to_array(Image image, const PixelFormat& format);

/// A C-contiguous array of `dtype` with `ndim` dimensions from any array-like, or
/// TypeError/ValueError naming `argument` (what the non-image arguments go through).
template <typename T>
py::array_t<T, py::array::c_style> typed_array(const py::handle& object, const char* argument, int ndim);

/// The numpy dtype's name ("float32"), for messages.
std::string dtype_name(const py::handle& object);

}  // namespace lidecm::python
