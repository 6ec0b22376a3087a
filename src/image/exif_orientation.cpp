#include "image/exif_orientation.hpp"

#include <cstdint>

namespace lidecm::detail {

int exif_orientation(const std::vector<unsigned char>& b, std::size_t begin, std::size_t end) {
    if (end > b.size() || begin > end || end - begin < 8) return 1;
    const std::size_t n = end - begin;
    const bool little = b[begin] == 'I' && b[begin + 1] == 'I';
    if (!little && !(b[begin] == 'M' && b[begin + 1] == 'M')) return 1;
    // Offsets count from the start of the TIFF structure; every read is checked against n.
    const auto get = [&](std::size_t at, int width, std::uint32_t& v) {
        if (at > n || std::size_t(width) > n - at) return false;
        v = 0;
        for (int i = 0; i < width; ++i) {
            const std::size_t k = begin + at + std::size_t(little ? width - 1 - i : i);
            v = (v << 8) | b[k];
        }
        return true;
    };
    std::uint32_t magic = 0, ifd = 0, count = 0;
    if (!get(2, 2, magic) || magic != 42 || !get(4, 4, ifd) || !get(ifd, 2, count)) return 1;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::size_t e = std::size_t(ifd) + 2 + 12 * std::size_t(i);
        std::uint32_t tag = 0, type = 0, value = 0;
        if (!get(e, 2, tag)) return 1;
        if (tag != 274) continue;
        // SHORT, count 1: the value sits in the first two bytes of the value field.
        if (!get(e + 2, 2, type) || type != 3 || !get(e + 8, 2, value)) return 1;
        return value >= 1 && value <= 8 ? int(value) : 1;
    }
    return 1;
}

void apply_orientation(cv::Mat& image, int orientation) {
    // The EXIF meanings, as OpenCV's own decoder applies them (2: mirrored, 3: upside
    // down, 6: turned clockwise to show, 8: anticlockwise; 5 and 7 mirrored and turned).
    if (swaps_sides(orientation)) cv::transpose(image, image);
    switch (orientation) {
        case 2: case 6: cv::flip(image, image, 1); break;
        case 3: case 7: cv::flip(image, image, -1); break;
        case 4: case 8: cv::flip(image, image, 0); break;
        default: break;
    }
}

}  // namespace lidecm::detail
