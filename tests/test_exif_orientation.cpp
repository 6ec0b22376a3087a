// EXIF orientation (issue 23): a photo stored sideways with a tag saying how to turn it is
// read, sized, tiled and decoded as shown, exactly as OpenCV's own decoder turns it; a
// malformed tag leaves the image as stored.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/data/dataset.hpp"
#include "lidecm/image/image.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {

using Bytes = std::vector<unsigned char>;
constexpr int kW = 48, kH = 16;  // stored sides: a quarter turn shows 16 × 48

// A TIFF structure whose IFD0 holds one SHORT tag 274 (Orientation).
Bytes exif_block(int orientation, bool little) {
    const auto u16 = [&](Bytes& b, unsigned v) {
        b.push_back(std::uint8_t(little ? v : v >> 8));
        b.push_back(std::uint8_t(little ? v >> 8 : v));
    };
    const auto u32 = [&](Bytes& b, unsigned v) {
        for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * (little ? i : 3 - i))));
    };
    Bytes b = {std::uint8_t(little ? 'I' : 'M'), std::uint8_t(little ? 'I' : 'M')};
    u16(b, 42), u32(b, 8), u16(b, 1);
    u16(b, 274), u16(b, 3), u32(b, 1), u16(b, unsigned(orientation)), u16(b, 0);
    u32(b, 0);  // no next IFD
    return b;
}

cv::Mat stored_pixels() {
    cv::Mat m(kH, kW, CV_8UC3);
    for (int y = 0; y < kH; ++y) {
        for (int x = 0; x < kW; ++x) m.at<cv::Vec3b>(y, x) = {std::uint8_t(5 * x), std::uint8_t(15 * y), std::uint8_t(x < 8 ? 250 : 20)};
    }
    return m;
}

Bytes encoded(const char* ext) {
    Bytes out;
    cv::imencode(ext, stored_pixels(), out);
    return out;
}

// The JPEG with an APP1 Exif segment right after its start-of-image marker.
Bytes jpeg_with(const Bytes& block) {
    Bytes b = encoded(".jpg");
    Bytes app1 = {0xFF, 0xE1, std::uint8_t((block.size() + 8) >> 8), std::uint8_t(block.size() + 8), 'E', 'x', 'i', 'f', 0, 0};
    app1.insert(app1.end(), block.begin(), block.end());
    b.insert(b.begin() + 2, app1.begin(), app1.end());
    return b;
}

// The PNG with an eXIf chunk right after IHDR (8 signature bytes, then 25 of IHDR).
Bytes png_with(const Bytes& block) {
    Bytes b = encoded(".png");
    const auto n = std::uint32_t(block.size());
    Bytes chunk = {std::uint8_t(n >> 24), std::uint8_t(n >> 16), std::uint8_t(n >> 8), std::uint8_t(n), 'e', 'X', 'I', 'f'};
    chunk.insert(chunk.end(), block.begin(), block.end());
    const std::uint32_t crc = crc32(chunk.data() + 4, chunk.size() - 4);
    for (int i = 3; i >= 0; --i) chunk.push_back(std::uint8_t(crc >> (8 * i)));
    b.insert(b.begin() + 33, chunk.begin(), chunk.end());
    return b;
}

// An uncompressed 8-bit RGB TIFF of stored_pixels() whose IFD0 has the Orientation tag
// (little-endian; the tags ascending, as TIFF wants).
Bytes tiff_with(int orientation) {
    Bytes b = {'I', 'I', 42, 0, 8, 0, 0, 0};
    const auto u16 = [&](unsigned v) { b.push_back(std::uint8_t(v)), b.push_back(std::uint8_t(v >> 8)); };
    const auto u32 = [&](unsigned v) { u16(v & 0xFFFF), u16(v >> 16); };
    const unsigned entries = 10, bits_at = 8 + 2 + 12 * entries + 4, pixels_at = bits_at + 6;
    const auto entry = [&](unsigned tag, unsigned type, unsigned count, unsigned value) {
        u16(tag), u16(type), u32(count);
        type == 3 && count == 1 ? (u16(value), u16(0)) : u32(value);
    };
    u16(entries);
    entry(256, 3, 1, kW), entry(257, 3, 1, kH), entry(258, 3, 3, bits_at), entry(259, 3, 1, 1), entry(262, 3, 1, 2);
    entry(273, 4, 1, pixels_at), entry(274, 3, 1, unsigned(orientation)), entry(277, 3, 1, 3), entry(278, 3, 1, kH);
    entry(279, 4, 1, kW * kH * 3);
    u32(0);
    u16(8), u16(8), u16(8);
    const cv::Mat m = stored_pixels();
    b.insert(b.end(), m.data, m.data + m.total() * 3);
    return b;
}

// What OpenCV's decoder shows (it applies the tag itself), as lidecm's RGB floats.
Image as_opencv_shows(const Bytes& bytes) {
    cv::Mat bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return image_from_samples(rgb.data, SampleDepth::U8, rgb.rows, rgb.cols, 3);
}

TEST(ExifOrientation, EveryOrientationIsShownAsOpenCvShowsIt) {
    for (const bool little : {true, false}) {
        for (int o = 1; o <= 8; ++o) {
            for (const auto& [format, bytes] : {std::pair{"jpeg", jpeg_with(exif_block(o, little))},
                                                std::pair{"png", png_with(exif_block(o, little))},
                                                std::pair{"tiff", tiff_with(o)}}) {
                const std::string what = std::string(format) + " orientation " + std::to_string(o);
                const ImageHeader h = read_image_header(bytes, what);
                EXPECT_EQ(h.orientation, o) << what;
                EXPECT_EQ(h.width, o >= 5 ? kH : kW) << what;
                EXPECT_EQ(h.height, o >= 5 ? kW : kH) << what;
                const Image shown = decode_image(bytes, what);
                const Image expected = as_opencv_shows(bytes);
                ASSERT_EQ(shown.width, expected.width) << what;
                ASSERT_EQ(shown.height, expected.height) << what;
                EXPECT_EQ(shown.data, expected.data) << what;
            }
        }
    }
}

TEST(ExifOrientation, AMalformedTagLeavesTheImageAsStored) {
    const Image stored = decode_image(encoded(".png"), "plain");
    Bytes cut = exif_block(6, true);
    cut.resize(14);  // the IFD's entry cut short
    Bytes bad_magic = exif_block(6, true);
    bad_magic[2] = 43;
    Bytes wrong_type = exif_block(6, true);
    wrong_type[12] = 4;  // LONG, not SHORT
    for (const auto& [what, block] : {std::pair{"cut", cut}, std::pair{"bad magic", bad_magic},
                                      std::pair{"wrong type", wrong_type}, std::pair{"orientation 9", exif_block(9, true)},
                                      std::pair{"orientation 0", exif_block(0, false)}}) {
        const Bytes bytes = png_with(block);
        EXPECT_EQ(read_image_header(bytes, what).orientation, 1) << what;
        EXPECT_EQ(decode_image(bytes, what).data, stored.data) << what;
    }
}

TEST(ExifOrientation, ATurnedFileWithCorruptDataIsRefusedNamingIt) {
    for (const auto& [what, whole] : {std::pair{"short.jpg", jpeg_with(exif_block(6, true))},
                                      std::pair{"short.png", png_with(exif_block(6, true))},
                                      std::pair{"short.tif", tiff_with(6)}}) {
        const Bytes cut(whole.begin(), whole.begin() + std::ptrdiff_t(whole.size() * 2 / 3));
        EXPECT_EQ(read_image_header(cut, what).orientation, 6) << what;  // the header is whole
        try {
            (void)decode_image(cut, what);
            ADD_FAILURE() << what << ": decoded";
        } catch (const IoError& e) {
            EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        }
    }
}

class ExifDataset : public test::TempFolderTest {
protected:
    ExifDataset() : TempFolderTest("exif") {}
};

TEST_F(ExifDataset, ATurnedPhotoIsTiledAsShown) {
    // A phone photo stored 48 × 16 and shown 16 × 48: three 16² tiles down, none across.
    std::filesystem::create_directories(dir + "/photos");
    const Bytes bytes = jpeg_with(exif_block(6, false));
    std::ofstream(dir + "/photos/phone.jpg", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                                     std::streamsize(bytes.size()));
    DatasetOptions o;
    o.tiles = true;
    o.resolution = 16;
    o.validation_fraction = 0;
    const Dataset d = Dataset::open(dir + "/photos", o);
    ASSERT_EQ(d.size(), 3U);
    const Image shown = as_opencv_shows(bytes);
    for (std::size_t i = 0; i < 3; ++i) {
        const Item item = d.item(i);
        EXPECT_EQ(item.image.data, crop(shown, int(16 * i), 0, 16, 16).data) << item.name;
    }
    EXPECT_TRUE(d.failures().empty());
}

}  // namespace
}  // namespace lidecm
