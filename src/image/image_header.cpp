// Reads image dimensions from the first bytes of a file, so that oversized
// images are refused before any decoder allocates memory for them.
// Every read is bounds-checked: the bytes are untrusted.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "image/exif_orientation.hpp"
#include "image/image_checks.hpp"

namespace lidecm {
namespace {

using Bytes = std::vector<unsigned char>;

class Reader {
public:
    Reader(const Bytes& b, const std::string& name, const char* format) : b_(b), name_(name), format_(format) {}
    [[nodiscard]] bool has(std::size_t pos, std::size_t n) const { return pos <= b_.size() && n <= b_.size() - pos; }
    void need(std::size_t pos, std::size_t n) const {
        if (!has(pos, n)) throw IoError(name_ + ": truncated " + format_ + " header");
    }
    std::uint32_t be(std::size_t pos, int n) const {
        need(pos, std::size_t(n));
        std::uint32_t v = 0;
        for (int i = 0; i < n; ++i) v = (v << 8) | b_[pos + std::size_t(i)];
        return v;
    }
    std::uint32_t le(std::size_t pos, int n) const {
        need(pos, std::size_t(n));
        std::uint32_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | b_[pos + std::size_t(i)];
        return v;
    }
    std::uint32_t get(std::size_t pos, int n, bool little) const { return little ? le(pos, n) : be(pos, n); }
    [[noreturn]] void fail(const std::string& what) const { throw IoError(name_ + ": " + what + " in " + format_ + " header"); }

private:
    const Bytes& b_;
    const std::string& name_;
    const char* format_;
};

bool starts_with(const Bytes& b, const char* magic, std::size_t n, std::size_t at = 0) {
    return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

ImageHeader make(std::int64_t w, std::int64_t h, const char* format, const Reader& r) {
    if (w <= 0 || h <= 0 || w > INT32_MAX || h > INT32_MAX) r.fail("invalid dimensions");
    return {int(w), int(h), format, w * h};
}

// The header as shown: sides swapped by a quarter turn.
ImageHeader oriented(ImageHeader header, int orientation) {
    if (detail::swaps_sides(orientation)) std::swap(header.width, header.height);
    header.orientation = orientation;
    return header;
}

// The eXIf chunk's orientation: chunks are walked up to the image data (or as far as the
// bytes read go; a header read stops early, and no orientation is then 1).
int png_orientation(const Bytes& b) {
    std::size_t pos = 8;
    while (pos <= b.size() && b.size() - pos >= 8) {
        const std::size_t len = (std::size_t(b[pos]) << 24) | (std::size_t(b[pos + 1]) << 16) |
                                (std::size_t(b[pos + 2]) << 8) | b[pos + 3];
        if (starts_with(b, "IDAT", 4, pos + 4) || starts_with(b, "IEND", 4, pos + 4)) return 1;
        if (starts_with(b, "eXIf", 4, pos + 4)) {
            return len <= b.size() - pos - 8 ? detail::exif_orientation(b, pos + 8, pos + 8 + len) : 1;
        }
        if (len > b.size() - pos - 8) return 1;
        pos += 12 + len;  // length, type, data, CRC
    }
    return 1;
}

ImageHeader png(const Bytes& b, const std::string& name) {
    Reader r(b, name, "PNG");
    if (!starts_with(b, "IHDR", 4, 12)) r.fail("missing IHDR chunk");
    return oriented(make(r.be(16, 4), r.be(20, 4), "png", r), png_orientation(b));
}

ImageHeader jpeg(const Bytes& b, const std::string& name) {
    Reader r(b, name, "JPEG");
    std::size_t pos = 2;
    int orientation = 1;
    while (true) {
        r.need(pos, 4);
        if (b[pos] != 0xFF) r.fail("bad marker");
        const unsigned marker = b[pos + 1];
        if (marker == 0xFF) { ++pos; continue; }  // fill byte
        if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) { pos += 2; continue; }
        if (marker == 0xD9 || marker == 0xDA) r.fail("no frame header before scan data");
        const std::size_t len = r.be(pos + 2, 2);
        if (len < 2) r.fail("bad segment length");
        const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (sof) return oriented(make(r.be(pos + 7, 2), r.be(pos + 5, 2), "jpeg", r), orientation);
        // APP1 "Exif\0\0" then a TIFF structure; the first such segment counts, as in libjpeg's readers.
        if (marker == 0xE1 && orientation == 1 && starts_with(b, "Exif\0\0", 6, pos + 4)) {
            orientation = detail::exif_orientation(b, pos + 10, std::min(b.size(), pos + 2 + len));
        }
        pos += 2 + len;
    }
}

ImageHeader bmp(const Bytes& b, const std::string& name) {
    Reader r(b, name, "BMP");
    const std::uint32_t dib = r.le(14, 4);
    if (dib == 12) return make(r.le(18, 2), r.le(20, 2), "bmp", r);
    const auto w = std::int32_t(r.le(18, 4));
    const auto h = std::int32_t(r.le(22, 4));
    return make(w, h < 0 ? -std::int64_t(h) : h, "bmp", r);
}

ImageHeader pnm(const Bytes& b, const std::string& name) {
    Reader r(b, name, "PNM");
    std::size_t pos = 2;
    auto number = [&]() -> std::int64_t {
        while (true) {  // skip whitespace and comments
            r.need(pos, 1);
            if (b[pos] == '#') {  // OpenCV ends a comment at '\r' as well as '\n'
                while (r.has(pos, 1) && b[pos] != '\n' && b[pos] != '\r') ++pos;
            } else if (std::isspace(b[pos])) {
                ++pos;
            } else {
                break;
            }
        }
        std::int64_t v = 0;
        std::size_t digits = 0;
        while (r.has(pos, 1) && std::isdigit(b[pos])) {
            v = v * 10 + (b[pos] - '0');
            ++pos;
            if (++digits > 10) r.fail("number too long");
        }
        if (digits == 0) r.fail("expected a number");
        // OpenCV's reader swallows the character after a number, so "12#34" is 12
        // and 34 to it but 12 and a comment to a plain reading: a size check on one
        // reading would not protect the other (found by fuzz_image). The format
        // wants whitespace there; anything else is refused.
        r.need(pos, 1);
        if (!std::isspace(b[pos])) r.fail("a number must be followed by whitespace");
        return v;
    };
    const std::int64_t w = number();
    const std::int64_t h = number();
    return make(w, h, "pnm", r);
}

ImageHeader tiff(const Bytes& b, const std::string& name) {
    Reader r(b, name, "TIFF");
    const bool little = b[0] == 'I';
    std::size_t ifd = r.get(4, 4, little);
    const std::uint32_t count = r.get(ifd, 2, little);
    // Tags read: width 256, height 257, Orientation 274, RowsPerStrip 278, TileWidth 322, TileLength 323.
    std::int64_t w = -1, h = -1, rows_per_strip = 0, tile_w = 0, tile_h = 0;
    std::uint32_t previous = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::size_t e = ifd + 2 + 12 * std::size_t(i);
        const std::uint32_t tag = r.get(e, 2, little);
        const std::uint32_t type = r.get(e + 2, 2, little);
        // TIFF wants tags in ascending order, each once. A duplicate width with a
        // bogus type made us read 5 × 55551 where libtiff read 10764 × 55551
        // (found by fuzz_image): files off the rules are refused, not guessed at.
        if (i > 0 && tag <= previous) r.fail("tags out of order or repeated");
        previous = tag;
        std::int64_t* field = tag == 256 ? &w : tag == 257 ? &h : tag == 278 ? &rows_per_strip
                            : tag == 322 ? &tile_w : tag == 323 ? &tile_h : nullptr;
        if (field == nullptr) continue;
        if (type != 3 && type != 4) r.fail("tag " + std::to_string(tag) + " of type " + std::to_string(type));
        *field = type == 3 ? r.get(e + 8, 2, little) : r.get(e + 8, 4, little);
    }
    if (w < 0 || h < 0) r.fail("no width/height tags");
    ImageHeader header = oriented(make(w, h, "tiff", r), detail::exif_orientation(b, 0, b.size()));
    // OpenCV decodes a strip or tile at a time into a buffer sized by RowsPerStrip
    // or the tile size, not by the image: a 12090 × 12 image with RowsPerStrip
    // 23820 made it allocate 1.15 GB (found by fuzz_image). Sized generously (any
    // tile tag counts, whichever layout libtiff settles on), so the limit holds.
    const std::int64_t block_w = std::max(w, tile_w);
    const std::int64_t strip_rows = rows_per_strip == 0xFFFFFFFF ? 0 : rows_per_strip;
    const std::int64_t block_h = std::max({h, strip_rows, tile_h});
    header.decode_block_pixels = block_w * block_h;
    return header;
}

ImageHeader webp(const Bytes& b, const std::string& name) {
    Reader r(b, name, "WebP");
    r.need(12, 4);
    // The bitstream markers libwebp checks too: if OpenCV's WebP decoder turned
    // the file down, OpenCV would offer it to its other decoders (GDCM, GDAL),
    // one of which aborted on a fuzzed file (found by fuzz_image).
    if (starts_with(b, "VP8 ", 4, 12)) {
        r.need(23, 7);
        if (b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a) r.fail("missing VP8 start code");
        return make(r.le(26, 2) & 0x3FFF, r.le(28, 2) & 0x3FFF, "webp", r);
    }
    if (starts_with(b, "VP8L", 4, 12)) {
        r.need(20, 5);
        if (b[20] != 0x2f || (b[24] >> 5) != 0) r.fail("bad VP8L signature or version");
        const std::uint32_t bits = r.le(21, 4);
        return make((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, "webp", r);
    }
    if (starts_with(b, "VP8X", 4, 12)) return make(r.le(24, 3) + 1, r.le(27, 3) + 1, "webp", r);
    r.fail("unknown chunk");
}

}  // namespace

ImageHeader read_image_header(const Bytes& b, const std::string& name) {
    if (b.empty()) throw IoError(name + ": file is empty");
    // OpenCV offers bytes its first-choice decoder refuses to others we never
    // want to run on untrusted input; DICOM's marker sends them to GDCM.
    if (starts_with(b, "DICM", 4, 128)) throw IoError(name + ": looks like DICOM, which lidecm does not read");
    if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) return png(b, name);
    if (starts_with(b, "\xFF\xD8", 2)) return jpeg(b, name);
    if (starts_with(b, "BM", 2)) return bmp(b, name);
    // OpenCV's PNM reader also wants whitespace after the magic number.
    if (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' && std::isspace(b[2])) return pnm(b, name);
    if (starts_with(b, "II*\0", 4) || starts_with(b, "MM\0*", 4)) return tiff(b, name);
    if (starts_with(b, "RIFF", 4) && starts_with(b, "WEBP", 4, 8)) return webp(b, name);
    throw IoError(name + ": not a supported image (PNG, JPEG, BMP, PPM/PGM, TIFF or WebP)");
}

}  // namespace lidecm

namespace lidecm::detail {
namespace {

Bytes checked_png(const Bytes& b, const std::string& name) {
    Reader r(b, name, "PNG");
    Bytes out(b.begin(), b.begin() + 8);
    out.reserve(b.size());
    std::size_t pos = 8;
    while (true) {
        if (!r.has(pos, 12)) throw IoError(name + ": truncated PNG (no IEND chunk)");
        const std::size_t len = r.be(pos, 4);
        if (!r.has(pos + 8, len) || !r.has(pos + 8 + len, 4)) throw IoError(name + ": truncated PNG (chunk runs past the end)");
        const bool iccp = starts_with(b, "iCCP", 4, pos + 4);
        const std::size_t end = pos + 12 + len;
        if (!iccp) out.insert(out.end(), b.begin() + std::ptrdiff_t(pos), b.begin() + std::ptrdiff_t(end));
        if (starts_with(b, "IEND", 4, pos + 4)) return out;
        pos = end;
    }
}

void check_jpeg_end(const Bytes& b, const std::string& name) {
    // In entropy-coded data 0xFF is always followed by 0x00 or a restart marker,
    // so FF D9 near the end can only be the end-of-image marker.
    const std::size_t window = std::min<std::size_t>(b.size(), 4096);
    for (std::size_t i = b.size() - window; i + 1 < b.size(); ++i) {
        if (b[i] == 0xFF && b[i + 1] == 0xD9) return;
    }
    throw IoError(name + ": truncated JPEG (no end-of-image marker)");
}

}  // namespace

Bytes checked_for_decoding(const Bytes& bytes, const std::string& format, const std::string& name) {
    if (format == "png") return checked_png(bytes, name);
    if (format == "jpeg") check_jpeg_end(bytes, name);
    return bytes;
}

}  // namespace lidecm::detail
