#include "lidecm/image/image.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/mat_view.hpp"
#include "image/stored_image.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/core/random.hpp"

namespace lidecm {
namespace fs = std::filesystem;
using detail::as_mat;
using detail::from_mat;

Image::Image(int h, int w, int c, float fill) : height(h), width(w), channels(c) {
    require(h > 0 && w > 0, "image", "height and width must be > 0");
    require(c == 1 || c == 3, "image", "channels must be 1 or 3");
    data.assign(std::size_t(h) * std::size_t(w) * std::size_t(c), fill);
}

namespace {

// The formats save_image writes (lower case) and the deepest sample type each holds.
struct Format {
    const char* extension;
    SampleDepth deepest;
};
constexpr Format kFormats[] = {{".png", SampleDepth::U16}, {".jpg", SampleDepth::U8},   {".jpeg", SampleDepth::U8},
                               {".bmp", SampleDepth::U8},  {".ppm", SampleDepth::U16},  {".pgm", SampleDepth::U16},
                               {".tif", SampleDepth::F32}, {".tiff", SampleDepth::F32}, {".webp", SampleDepth::U8}};

const Format* format_of(const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
    for (const Format& f : kFormats) {
        if (ext == f.extension) return &f;
    }
    return nullptr;
}

int cv_depth(SampleDepth depth) {
    switch (depth) {
        case SampleDepth::U8: return CV_8U;
        case SampleDepth::U16: return CV_16U;
        case SampleDepth::F32: break;
    }
    return CV_32F;
}

const Format& known_format(const fs::path& path) {
    const Format* f = format_of(path);
    if (f == nullptr) {
        throw IoError(path.string() + ": unknown image extension '" + path.extension().string() +
                      "' (use .png, .jpg, .bmp, .ppm, .pgm, .tif or .webp)");
    }
    return *f;
}

LoadedImage decode(const std::vector<unsigned char>& bytes, const std::string& name, const LoadOptions& options) {
    const detail::StoredImage stored = detail::decode_stored_image(bytes, name, options);
    return {detail::to_float(stored), stored.depth};
}

}  // namespace

const char* to_string(SampleDepth depth) {
    switch (depth) {
        case SampleDepth::U8: return "8-bit";
        case SampleDepth::U16: return "16-bit";
        case SampleDepth::F32: return "32-bit float";
    }
    return "?";
}

Image decode_image(const std::vector<unsigned char>& bytes, const std::string& name, const LoadOptions& options) {
    return decode(bytes, name, options).image;
}

LoadedImage load_image_with_depth(const fs::path& path, const LoadOptions& options) {
    std::vector<unsigned char> bytes = read_file_bytes(path, options.max_file_bytes);
    if (bytes.empty()) throw IoError(path.string() + ": file is empty");
    return decode(bytes, path.string(), options);
}

Image load_image(const fs::path& path, const LoadOptions& options) { return load_image_with_depth(path, options).image; }

bool has_image_extension(const fs::path& path) { return format_of(path) != nullptr; }

SampleDepth deepest_depth_for(const fs::path& path) { return known_format(path).deepest; }

std::vector<unsigned char> encode_image(const Image& image, const fs::path& path, SampleDepth depth) {
    require(!image.empty(), path.string(), "cannot save an empty image");
    const Format& format = known_format(path);
    if (depth > format.deepest) {
        throw IoError(path.string() + ": " + format.extension + " cannot hold " + to_string(depth) +
                      " samples (at most " + to_string(format.deepest) + ")");
    }
    const std::string ext = format.extension;
    Image out = image;
    if (ext == ".pgm") out = to_grey(image);
    if (ext == ".ppm") out = to_rgb(image);
    cv::Mat m(out.height, out.width, CV_MAKETYPE(cv_depth(depth), out.channels));
    image_to_samples(out, depth, m.data);
    if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_RGB2BGR);
    std::vector<unsigned char> bytes;
    bool ok = false;
    try {
        // OpenCV writes 3-channel float TIFF as SGI LogLuv by default, which is lossy; LZW is not.
        const std::vector<int> params = depth == SampleDepth::F32
                                            ? std::vector<int>{cv::IMWRITE_TIFF_COMPRESSION, 5 /* LZW */}
                                            : std::vector<int>{};
        ok = cv::imencode(ext, m, bytes, params);
    } catch (const cv::Exception& e) {
        throw IoError(path.string() + ": cannot encode (" + e.err + ")");
    }
    if (!ok) throw IoError(path.string() + ": cannot encode as " + ext);
    return bytes;
}

void save_image(const Image& image, const fs::path& path, SampleDepth depth) {
    write_file_atomically(path, encode_image(image, path, depth));
}

Image image_from_samples(const void* samples, SampleDepth depth, int height, int width, int channels) {
    Image out(height, width, channels);
    const cv::Mat in(height, width, CV_MAKETYPE(cv_depth(depth), channels), const_cast<void*>(samples));
    const double scale = depth == SampleDepth::U8 ? 1.0 / 255.0 : depth == SampleDepth::U16 ? 1.0 / 65535.0 : 1.0;
    cv::Mat dst = as_mat(out);
    in.convertTo(dst, CV_32F, scale);  // load_image's conversion
    return out;
}

void image_to_samples(ImageView image, SampleDepth depth, void* out) {
    cv::Mat dst(image.height, image.width, CV_MAKETYPE(cv_depth(depth), image.channels), out);
    switch (depth) {  // the integer conversions saturate and round to nearest
        case SampleDepth::U8: as_mat(image).convertTo(dst, CV_8U, 255.0); break;
        case SampleDepth::U16: as_mat(image).convertTo(dst, CV_16U, 65535.0); break;
        case SampleDepth::F32: cv::min(cv::max(as_mat(image), 0.0), 1.0, dst); break;
    }
}

ImageView::ImageView(const float* values, int height_, int width_, int channels_)
    : height(height_), width(width_), channels(channels_) {
    require(height > 0 && width > 0, "image", "sides must be > 0");
    require(channels == 1 || channels == 3, "image", "must have 1 or 3 channels, not " + std::to_string(channels));
    data = std::span<const float>(values, std::size_t(height) * std::size_t(width) * std::size_t(channels));
}

Image to_image(ImageView view) {
    Image out;
    out.height = view.height;
    out.width = view.width;
    out.channels = view.channels;
    out.data.assign(view.data.begin(), view.data.end());
    return out;
}

Image to_grey(ImageView image) {
    if (image.channels == 1) return to_image(image);
    Image out(image.height, image.width, 1);
    for (std::size_t i = 0; i < image.pixels(); ++i) {
        const float* p = &image.data[3 * i];
        out.data[i] = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
    return out;
}

Image to_rgb(ImageView image) {
    if (image.channels == 3) return to_image(image);
    Image out(image.height, image.width, 3);
    for (std::size_t i = 0; i < image.pixels(); ++i) {
        out.data[3 * i] = out.data[3 * i + 1] = out.data[3 * i + 2] = image.data[i];
    }
    return out;
}

Image resize(const Image& image, int height, int width) {
    require(height > 0 && width > 0, "resize", "target size must be > 0");
    if (height == image.height && width == image.width) return image;
    const bool shrinking = height <= image.height && width <= image.width;
    cv::Mat out;
    cv::resize(as_mat(image), out, cv::Size(width, height), 0, 0,
               shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
    cv::min(cv::max(out, 0.0), 1.0, out);  // bicubic overshoots
    return from_mat(out.reshape(image.channels));
}

std::pair<int, int> shorter_side_size(int height, int width, int side) {
    require(side > 0, "resize", "shorter side must be > 0");
    const int shorter = std::min(height, width);
    const double f = double(side) / shorter;
    const int h = height == shorter ? side : std::max(side, int(std::lround(height * f)));
    const int w = width == shorter ? side : std::max(side, int(std::lround(width * f)));
    return {h, w};
}

Image resize_shorter_side(const Image& image, int side) {
    const auto [h, w] = shorter_side_size(image.height, image.width, side);
    return resize(image, h, w);
}

Image crop(ImageView image, int y, int x, int height, int width) {
    require(height > 0 && width > 0 && y >= 0 && x >= 0 && height <= image.height - y && width <= image.width - x,
            "crop", "window " + std::to_string(height) + "x" + std::to_string(width) + " at (" + std::to_string(y) +
                        ", " + std::to_string(x) + ") does not fit in a " + std::to_string(image.height) + "x" +
                        std::to_string(image.width) + " image");
    Image out(height, width, image.channels);
    const std::size_t row = std::size_t(width) * image.channels;
    for (int r = 0; r < height; ++r) {
        std::copy_n(&image.data[(std::size_t(y + r) * image.width + x) * image.channels], row,
                    &out.data[std::size_t(r) * row]);
    }
    return out;
}

Image center_crop(const Image& image, int height, int width) {
    require(height > 0 && width > 0 && height <= image.height && width <= image.width, "center crop",
            "window " + std::to_string(height) + "x" + std::to_string(width) + " does not fit in a " +
                std::to_string(image.height) + "x" + std::to_string(image.width) + " image");
    return crop(image, (image.height - height) / 2, (image.width - width) / 2, height, width);
}

Image flip_horizontal(const Image& image) {
    Image out = image;
    for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < image.width; ++x)
            for (int c = 0; c < image.channels; ++c) out.at(y, x, c) = image.at(y, image.width - 1 - x, c);
    return out;
}

Image flip_vertical(const Image& image) {
    Image out = image;
    const std::size_t row = std::size_t(image.width) * image.channels;
    for (int y = 0; y < image.height; ++y) {
        std::copy_n(&image.data[std::size_t(image.height - 1 - y) * row], row, &out.data[std::size_t(y) * row]);
    }
    return out;
}

Image add_gaussian_noise(const Image& image, double sigma, std::uint64_t seed, bool clip) {
    require(std::isfinite(sigma) && sigma >= 0.0, "noise sigma", "must be a finite number >= 0");
    Image out = image;
    RandomStream rng{seed};
    for (float& v : out.data) {
        double x = v + sigma * rng.normal();
        if (clip) x = std::clamp(x, 0.0, 1.0);
        v = float(x);
    }
    return out;
}

}  // namespace lidecm
