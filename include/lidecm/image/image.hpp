#pragma once
// Image: float32 H×W×C (C ∈ {1, 3}), row-major HWC, values in [0, 1].
// Loading and saving go through OpenCV imgcodecs; everything else is plain C++.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace lidecm {

struct Image {
    int height = 0;
    int width = 0;
    int channels = 0;
    std::vector<float> data;  ///< height*width*channels values, HWC order

    Image() = default;
    /// Allocates height×width×channels values set to `fill`; C must be 1 or 3.
    Image(int height, int width, int channels, float fill = 0.0f);

    [[nodiscard]] bool empty() const { return data.empty(); }
    [[nodiscard]] std::size_t pixels() const { return std::size_t(height) * std::size_t(width); }
    [[nodiscard]] std::size_t size() const { return data.size(); }
    float& at(int y, int x, int c) { return data[(std::size_t(y) * width + x) * channels + c]; }
    [[nodiscard]] float at(int y, int x, int c) const {
        return data[(std::size_t(y) * width + x) * channels + c];
    }
};

/// A read-only H×W×C float32 image in memory someone else owns (an Image, or a numpy
/// array through the Python module): what the functions that only read their input take,
/// so that callers holding pixels elsewhere need not copy them into an Image. It has
/// Image's member names, and an Image converts to it implicitly; it must not outlive
/// the memory it views.
struct ImageView {
    int height = 0;
    int width = 0;
    int channels = 0;
    std::span<const float> data;  ///< height*width*channels values, HWC order

    ImageView() = default;
    ImageView(const Image& image)  // NOLINT: implicit, so that an Image can be passed where a view is read
        : height(image.height), width(image.width), channels(image.channels), data(image.data) {}
    /// Views `values` (height*width*channels floats, HWC); InvalidArgument unless C is 1 or 3
    /// and the sides are positive.
    ImageView(const float* values, int height, int width, int channels);

    [[nodiscard]] bool empty() const { return data.empty(); }
    [[nodiscard]] std::size_t pixels() const { return std::size_t(height) * std::size_t(width); }
    [[nodiscard]] std::size_t size() const { return data.size(); }
    [[nodiscard]] float at(int y, int x, int c) const {
        return data[(std::size_t(y) * width + x) * channels + c];
    }
};

/// An Image holding a copy of the viewed pixels.
Image to_image(ImageView view);

/// Options of load_image.
struct LoadOptions {
    /// Images with more pixels than this are refused from their header, before decoding.
    std::int64_t max_pixels = 100'000'000;
    /// Files larger than this are refused before being read (a 100 MP 16-bit RGBA
    /// TIFF stored raw is 800 MB).
    std::uint64_t max_file_bytes = std::uint64_t(2) << 30;
};

/// Width, height and format read from an encoded image's header (no decoding).
struct ImageHeader {
    int width = 0;   ///< as shown: after the EXIF orientation
    int height = 0;
    std::string format;  ///< "png", "jpeg", "bmp", "pnm", "tiff" or "webp"
    /// Pixels of the largest block the decoder works on at once: the image for
    /// most formats, a strip or tile for TIFF, whose RowsPerStrip may exceed the
    /// height and sizes OpenCV's scratch buffer. The pixel limit applies to both.
    std::int64_t decode_block_pixels = 0;
    /// EXIF orientation, 1 … 8 (1: stored as shown), from a JPEG's APP1 Exif segment, a
    /// PNG's eXIf chunk or a TIFF's tag 274; decoding turns the pixels by it. WebP's EXIF
    /// (after the image data) is not read, as OpenCV does not: such files stay as stored.
    int orientation = 1;
};

/// Reads the header of an encoded image held in memory. Throws IoError naming
/// `name` when the bytes are not a supported format or the header is cut short.
ImageHeader read_image_header(const std::vector<unsigned char>& bytes, const std::string& name);

/// Sample type of an encoded image: what a file held, and what save_image writes.
/// Ordered: a format that holds a depth holds every shallower one.
enum class SampleDepth { U8, U16, F32 };
/// "8-bit", "16-bit" or "32-bit float".
const char* to_string(SampleDepth depth);

/// A decoded image and the sample type its file held (64-bit float files count as F32).
struct LoadedImage {
    Image image;
    SampleDepth depth = SampleDepth::U8;
};

/// Loads PNG, JPEG, BMP, PPM/PGM, TIFF or WebP. Grey files give C = 1, colour
/// files C = 3 (alpha dropped). 8- and 16-bit samples are scaled to [0, 1]; float
/// samples (TIFF) are taken as [0, 1] values and clamped to it.
/// Throws IoError for missing, unreadable, empty, corrupt or oversized files.
LoadedImage load_image_with_depth(const std::filesystem::path& path, const LoadOptions& options = {});
/// load_image_with_depth without the depth.
Image load_image(const std::filesystem::path& path, const LoadOptions& options = {});

/// Decodes an image held in memory (what load_image does after reading the file).
Image decode_image(const std::vector<unsigned char>& bytes, const std::string& name,
                   const LoadOptions& options = {});

/// Whether save_image knows `path`'s extension (case-insensitive): .png, .jpg, .jpeg,
/// .bmp, .ppm, .pgm, .tif, .tiff, .webp.
bool has_image_extension(const std::filesystem::path& path);

/// The deepest sample type save_image can write in `path`'s format: F32 for TIFF,
/// U16 for PNG and PPM/PGM, U8 for JPEG, BMP and WebP. IoError for an unknown extension.
SampleDepth deepest_depth_for(const std::filesystem::path& path);

/// Saves in the format named by the extension with `depth` samples: values are
/// clamped to [0, 1], then rounded to the nearest level (U8, U16) or written
/// exactly (F32). A depth deeper than the format holds is refused with an IoError naming
/// the file (no silent loss of precision; std::min(depth, deepest_depth_for(path))
/// is the nearest one that fits). Writes a temporary file next to the target and
/// renames it, so a failure never leaves a partial file.
void save_image(const Image& image, const std::filesystem::path& path, SampleDepth depth = SampleDepth::U8);
/// The bytes save_image writes to `path` (the format from its extension, errors naming it),
/// for images kept in memory: the report's embedded PNGs.
std::vector<unsigned char> encode_image(const Image& image, const std::filesystem::path& path,
                                        SampleDepth depth = SampleDepth::U8);

/// An Image from samples in memory (HWC, `depth` 8-bit, 16-bit or float32), scaled as
/// load_image scales a file's: integers by 1/255 or 1/65535, floats taken as they are.
Image image_from_samples(const void* samples, SampleDepth depth, int height, int width, int channels);
/// The image's values as `depth` samples (HWC) into `out` (size() of them), as save_image
/// writes them: clamped to [0, 1], integers rounded to the nearest level.
void image_to_samples(ImageView image, SampleDepth depth, void* out);

Image to_grey(ImageView image);  ///< ITU-R BT.601 luma; a grey image is returned as a copy
Image to_rgb(ImageView image);   ///< grey replicated to 3 channels; RGB returned as a copy

/// Resizes to height×width (area averaging when shrinking, bicubic when growing, clamped to [0,1]).
Image resize(const Image& image, int height, int width);
/// The height and width resize_shorter_side(image, side) gives an image of height×width.
std::pair<int, int> shorter_side_size(int height, int width, int side);
/// Resizes so that the shorter side is `side`, keeping the aspect ratio.
Image resize_shorter_side(const Image& image, int side);
/// The height×width window whose top-left pixel is (y, x); throws if it leaves the image.
Image crop(ImageView image, int y, int x, int height, int width);
/// The centered height×width window; throws if larger than the image.
Image center_crop(const Image& image, int height, int width);
Image flip_horizontal(const Image& image);
Image flip_vertical(const Image& image);

/// Adds N(0, sigma²) noise (sigma in [0,1] units) from a generator seeded by `seed`;
/// clips to [0, 1] when `clip` (what a saved 8-bit noisy photo is).
Image add_gaussian_noise(const Image& image, double sigma, std::uint64_t seed, bool clip = true);

/// Mean squared error over all values; shapes must match.
double mse(ImageView a, ImageView b);
/// PSNR in dB for a peak of 1; +inf for identical images.
double psnr(ImageView a, ImageView b);
/// Mean SSIM (Wang et al. 2004): Gaussian window σ = 1.5 (11×11), K1 = 0.01,
/// K2 = 0.03, L = 1, averaged over the positions where the window fits, then over channels.
double ssim(ImageView a, ImageView b);

}  // namespace lidecm
