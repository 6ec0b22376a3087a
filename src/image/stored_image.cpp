// The decoder behind load_image, at the file's own depth.
#include "image/stored_image.hpp"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image/exif_orientation.hpp"
#include "image/image_checks.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"

namespace lidecm::detail {
namespace fs = std::filesystem;

namespace {

// Our header readers decide the size before decoding, but a decoder (libtiff,
// for one) can read a hostile header differently: fuzz_image found a TIFF that
// passed a 4 MP check and made OpenCV allocate 1.8 GB. OpenCV's own pixel cap
// (read once, from the environment) is set to our default limit as a second
// guard, unless the user set it.
void cap_opencv_image_size() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS") == nullptr) {
            ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", std::to_string(LoadOptions{}.max_pixels).c_str(), 0);
        }
    });
}

void check_limits(const ImageHeader& header, const std::string& name, const LoadOptions& options) {
    const std::int64_t pixels = std::int64_t(header.width) * header.height;
    if (pixels > options.max_pixels) {
        throw IoError(name + ": image is " + std::to_string(header.width) + "x" + std::to_string(header.height) +
                      " = " + std::to_string(pixels) + " pixels, over the limit of " +
                      std::to_string(options.max_pixels));
    }
    if (header.decode_block_pixels > options.max_pixels) {
        throw IoError(name + ": " + header.format + " strip or tile of " + std::to_string(header.decode_block_pixels) +
                      " pixels is over the limit of " + std::to_string(options.max_pixels));
    }
}

int imread_flags(const ImageHeader& header, int reduce) {
    if (header.format != "jpeg" || reduce == 1) return cv::IMREAD_ANYDEPTH | cv::IMREAD_ANYCOLOR;
    // Reduced decoding exists for colour or grey output only; grey JPEGs come back
    // replicated to three channels, which the dataset's channel conversion undoes.
    switch (reduce) {
        case 2: return cv::IMREAD_REDUCED_COLOR_2;
        case 4: return cv::IMREAD_REDUCED_COLOR_4;
        case 8: return cv::IMREAD_REDUCED_COLOR_8;
        default: break;
    }
    throw InvalidArgument("reduce: must be 1, 2, 4 or 8, got " + std::to_string(reduce));
}

}  // namespace

std::size_t StoredImage::sample_size() const {
    switch (depth) {
        case SampleDepth::U8: return 1;
        case SampleDepth::U16: return 2;
        case SampleDepth::F32: break;
    }
    return 4;
}

StoredImage decode_stored_image(std::vector<unsigned char> bytes, const std::string& name, const LoadOptions& options,
                                int reduce) {
    cap_opencv_image_size();
    const ImageHeader header = read_image_header(bytes, name);
    check_limits(header, name, options);
    // The turn is ours (apply_orientation), from the header, so that sizes agree with it
    // whatever OpenCV reads; but its TIFF decoder turns the pixels itself, flag or not.
    const int flags = imread_flags(header, reduce) | cv::IMREAD_IGNORE_ORIENTATION;
    const bool decoder_turns = header.format == "tiff";
    std::vector<unsigned char> checked = checked_for_decoding(bytes, header.format, name);
    bytes = {};
    cv::Mat raw;
    try {
        raw = cv::imdecode(checked, flags);
    } catch (const cv::Exception& e) {
        throw IoError(name + ": cannot decode " + header.format + " image (" + e.err + ")");
    }
    checked = {};  // the encoded file is not needed while the pixels are converted
    if (raw.empty()) throw IoError(name + ": cannot decode " + header.format + " image (corrupt or truncated)");
    const int scale = header.format == "jpeg" ? reduce : 1;
    const bool swapped = !decoder_turns && swaps_sides(header.orientation);
    const int raw_h = swapped ? header.width : header.height, raw_w = swapped ? header.height : header.width;
    if (raw.rows != (raw_h + scale - 1) / scale || raw.cols != (raw_w + scale - 1) / scale) {
        throw IoError(name + ": decoded size differs from the header's (corrupt file)");
    }
    if (!decoder_turns) apply_orientation(raw, header.orientation);
    StoredImage out;
    switch (raw.depth()) {
        case CV_8U: out.depth = SampleDepth::U8; break;
        case CV_16U: out.depth = SampleDepth::U16; break;
        case CV_32F: out.depth = SampleDepth::F32; break;
        case CV_64F: raw.convertTo(raw, CV_32F); out.depth = SampleDepth::F32; break;
        default: throw IoError(name + ": unsupported sample type");
    }
    if (raw.channels() != 1 && raw.channels() != 3 && raw.channels() != 4) {
        throw IoError(name + ": unsupported channel count " + std::to_string(raw.channels()));
    }
    out.height = raw.rows;
    out.width = raw.cols;
    out.channels = raw.channels() == 1 ? 1 : 3;
    // Converted straight into the result: a 15 MP photo is 45 MB per copy.
    out.bytes.resize(std::size_t(out.height) * std::size_t(out.width) * std::size_t(out.channels) * out.sample_size());
    cv::Mat dst(out.height, out.width, CV_MAKETYPE(raw.depth(), out.channels), out.bytes.data());
    switch (raw.channels()) {
        case 1: raw.copyTo(dst); break;
        case 3: cv::cvtColor(raw, dst, cv::COLOR_BGR2RGB); break;
        default: cv::cvtColor(raw, dst, cv::COLOR_BGRA2RGB); break;
    }
    raw.release();
    if (out.depth == SampleDepth::F32) {
        if (!cv::checkRange(dst)) throw IoError(name + ": image holds NaN or infinite values");
        cv::min(cv::max(dst, 0.0), 1.0, dst);
    }
    return out;
}

StoredImage load_stored_image(const fs::path& path, const LoadOptions& options, int reduce) {
    std::vector<unsigned char> bytes = read_file_bytes(path, options.max_file_bytes);
    if (bytes.empty()) throw IoError(path.string() + ": file is empty");
    return decode_stored_image(std::move(bytes), path.string(), options, reduce);
}

ImageHeader read_file_header(const fs::path& path, const LoadOptions& options) {
    // JPEG headers follow their EXIF and colour-profile segments; 256 KiB covers
    // nearly all files, and a truncated read falls back to the whole file.
    constexpr std::size_t kPrefix = std::size_t(256) << 10;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError(path.string() + ": cannot open (" + std::strerror(errno) + ")");
    std::vector<unsigned char> prefix(kPrefix);
    in.read(reinterpret_cast<char*>(prefix.data()), std::streamsize(prefix.size()));
    prefix.resize(std::size_t(in.gcount()));
    if (prefix.empty()) throw IoError(path.string() + ": file is empty");
    ImageHeader header;
    try {
        header = read_image_header(prefix, path.string());
    } catch (const IoError&) {
        if (prefix.size() < kPrefix) throw;  // the whole file was read: the header is bad
        header = read_image_header(read_file_bytes(path, options.max_file_bytes), path.string());
    }
    check_limits(header, path.string(), options);
    return header;
}

StoredImage crop(const StoredImage& image, int y, int x, int height, int width) {
    require(height > 0 && width > 0 && y >= 0 && x >= 0 && height <= image.height - y && width <= image.width - x,
            "crop", "window does not fit in the image");
    StoredImage out{height, width, image.channels, image.depth, {}};
    const std::size_t pixel = std::size_t(image.channels) * image.sample_size();
    const std::size_t row = std::size_t(width) * pixel;
    out.bytes.resize(std::size_t(height) * row);
    for (int r = 0; r < height; ++r) {
        const unsigned char* from = image.bytes.data() + (std::size_t(y + r) * std::size_t(image.width) + std::size_t(x)) * pixel;
        std::memcpy(out.bytes.data() + std::size_t(r) * row, from, row);
    }
    return out;
}

Image to_float(const StoredImage& image) {
    return image_from_samples(image.bytes.data(), image.depth, image.height, image.width, image.channels);
}

StoredImage to_stored(ImageView image, SampleDepth depth) {
    StoredImage out{image.height, image.width, image.channels, depth, {}};
    out.bytes.resize(image.size() * out.sample_size());
    image_to_samples(image, depth, out.bytes.data());
    return out;
}

}  // namespace lidecm::detail
