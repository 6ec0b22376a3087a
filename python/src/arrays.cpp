#include "arrays.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace lidecm::python {
namespace {

[[noreturn]] void type_error(const std::string& message) { throw py::type_error(message); }
[[noreturn]] void value_error(const std::string& message) { throw py::value_error(message); }

bool all_finite(const float* values, std::size_t n) {
    return std::all_of(values, values + n, [](float v) { return std::isfinite(v); });
}

}  // namespace

double PixelFormat::unit() const {
    switch (depth) {
        case SampleDepth::U8: return 1.0 / 255.0;
        case SampleDepth::U16: return 1.0 / 65535.0;
        case SampleDepth::F32: break;
    }
    return 1.0;
}

std::string dtype_name(const py::handle& object) {
    return py::str(py::getattr(object, "dtype", py::str("?")));
}

InputImage::InputImage(const py::handle& object, const char* argument) {
    const std::string name = argument;
    if (!py::isinstance<py::array>(object)) {
        type_error(name + ": expected a numpy array, got " + std::string(py::str(py::type::of(object).attr("__name__"))));
    }
    auto array = py::reinterpret_borrow<py::array>(object);
    if (array.dtype().is(py::dtype::of<float>())) {
        format_.depth = SampleDepth::F32;
    } else if (array.dtype().is(py::dtype::of<double>())) {
        format_.depth = SampleDepth::F32;
        format_.float64 = true;
    } else if (array.dtype().is(py::dtype::of<std::uint8_t>())) {
        format_.depth = SampleDepth::U8;
    } else if (array.dtype().is(py::dtype::of<std::uint16_t>())) {
        format_.depth = SampleDepth::U16;
    } else {
        type_error(name + ": dtype " + dtype_name(array) +
                   " is not an image type (float32 or float64 in [0, 1], uint8 or uint16)");
    }
    if (array.ndim() != 2 && array.ndim() != 3) {
        value_error(name + ": expected an H x W or H x W x C array, got " + std::to_string(array.ndim()) +
                    " dimensions");
    }
    format_.two_d = array.ndim() == 2;
    const py::ssize_t channels = format_.two_d ? 1 : array.shape(2);
    if (channels != 1 && channels != 3) {
        value_error(name + ": has " + std::to_string(channels) + " channels, 1 or 3 are supported" +
                    (channels == 4 ? " (pass image[..., :3] to drop alpha)" : ""));
    }
    if (array.shape(0) < 1 || array.shape(1) < 1) value_error(name + ": is empty");
    if (array.shape(0) > INT32_MAX || array.shape(1) > INT32_MAX) value_error(name + ": is too large");
    const int h = int(array.shape(0)), w = int(array.shape(1)), c = int(channels);
    if (format_.depth == SampleDepth::F32 && !format_.float64 &&
        (array.flags() & py::array::c_style) == py::array::c_style) {
        array_ = array;  // the caller's memory, read in place
        view_ = ImageView(static_cast<const float*>(array_.data()), h, w, c);
    } else if (format_.depth == SampleDepth::F32) {
        array_ = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
        if (!array_) throw py::error_already_set();
        copy_ = image_from_samples(array_.data(), SampleDepth::F32, h, w, c);
        view_ = copy_;
    } else {
        array_ = py::array::ensure(array, py::array::c_style);
        if (!array_) throw py::error_already_set();
        copy_ = image_from_samples(array_.data(), format_.depth, h, w, c);
        view_ = copy_;
    }
    if (format_.depth == SampleDepth::F32 && !all_finite(view_.data.data(), view_.size())) {
        value_error(name + ": holds NaN or infinite values");
    }
}

py::array to_array(Image image, const PixelFormat& format) {
    std::vector<py::ssize_t> shape{image.height, image.width};
    if (!format.two_d) shape.push_back(image.channels);
    if (format.depth == SampleDepth::F32 && !format.float64) {
        for (float& v : image.data) v = std::clamp(v, 0.0f, 1.0f);
        auto* owned = new Image(std::move(image));
        py::capsule free_when_done(owned, [](void* p) { delete static_cast<Image*>(p); });
        return py::array_t<float>(shape, owned->data.data(), free_when_done);
    }
    if (format.float64) {
        py::array_t<double> out(shape);
        double* dst = out.mutable_data();
        for (std::size_t i = 0; i < image.size(); ++i) dst[i] = std::clamp(double(image.data[i]), 0.0, 1.0);
        return out;
    }
    py::array out = format.depth == SampleDepth::U8 ? py::array(py::array_t<std::uint8_t>(shape))
                                                      : py::array(py::array_t<std::uint16_t>(shape));
    image_to_samples(image, format.depth, out.mutable_data());
    return out;
}

template <typename T>
py::array_t<T, py::array::c_style> typed_array(const py::handle& object, const char* argument, int ndim) {
    const std::string name = argument;
    if (!py::isinstance<py::array>(object) && !py::isinstance<py::sequence>(object)) {
        type_error(name + ": expected a numpy array, got " + std::string(py::str(py::type::of(object).attr("__name__"))));
    }
    py::array any = py::array::ensure(object);
    if (!any) throw py::error_already_set();
    const char kind = any.dtype().kind();
    const bool is_float = std::is_floating_point_v<T>;
    if (is_float ? !(kind == 'f' || kind == 'i' || kind == 'u') : !(kind == 'i' || kind == 'u')) {
        type_error(name + ": dtype " + dtype_name(any) + " is not " + (is_float ? "a number type" : "an integer type"));
    }
    if (any.ndim() != ndim) {
        value_error(name + ": expected " + std::to_string(ndim) + " dimensions, got " + std::to_string(any.ndim()));
    }
    auto out = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(any);
    if (!out) throw py::error_already_set();
    return out;
}

template py::array_t<float, py::array::c_style> typed_array<float>(const py::handle&, const char*, int);
template py::array_t<double, py::array::c_style> typed_array<double>(const py::handle&, const char*, int);
template py::array_t<std::int64_t, py::array::c_style> typed_array<std::int64_t>(const py::handle&, const char*, int);

}  // namespace lidecm::python
