// Loading and saving, headers read before decoding, and every bad file.
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

class ImageIo : public test::TempFolderTest {
protected:
    ImageIo() : TempFolderTest("io") {}
};

TEST_F(ImageIo, LosslessFormatsRoundTripAt8Bits) {
    const Image img = test::colour_blobs(21, 34);  // values are k/255-representable? not needed:
    for (const std::string ext : {".png", ".bmp", ".ppm", ".tif"}) {
        save_image(img, path("a" + ext));
        const Image back = load_image(path("a" + ext));
        ASSERT_EQ(back.height, 21) << ext;
        ASSERT_EQ(back.width, 34) << ext;
        ASSERT_EQ(back.channels, 3) << ext;
        for (std::size_t i = 0; i < img.size(); ++i) ASSERT_NEAR(back.data[i], img.data[i], 0.5 / 255 + 1e-6) << ext;
    }
}

// Every one of the 65536 levels, k/65535, in a 256×256 grey image.
Image all_16_bit_levels() {
    Image img(256, 256, 1);
    for (std::size_t k = 0; k < img.size(); ++k) img.data[k] = float(double(k) / 65535.0);
    return img;
}

TEST_F(ImageIo, SixteenBitFilesKeepEveryLevel) {
    const Image levels = all_16_bit_levels();
    for (const std::string ext : {".png", ".pgm", ".tif"}) {
        save_image(levels, path("l" + ext), SampleDepth::U16);
        // Read by OpenCV itself, so a wrong loader cannot hide a wrong file.
        const cv::Mat raw = cv::imread(path("l" + ext), cv::IMREAD_UNCHANGED);
        ASSERT_EQ(raw.depth(), CV_16U) << ext;
        EXPECT_EQ(raw.at<std::uint16_t>(4, 210), 1234) << ext;  // 4·256 + 210
        const LoadedImage back = load_image_with_depth(path("l" + ext));
        EXPECT_EQ(back.depth, SampleDepth::U16) << ext;
        ASSERT_EQ(back.image.size(), levels.size()) << ext;
        for (std::size_t k = 0; k < levels.size(); ++k) {
            ASSERT_EQ(std::lround(back.image.data[k] * 65535.0), long(k)) << ext << " level " << k;
        }
        save_image(back.image, path("again" + ext), SampleDepth::U16);
        EXPECT_EQ(test::read_file(path("again" + ext)), test::read_file(path("l" + ext))) << ext;
    }
}

TEST_F(ImageIo, FloatTiffRoundTripsExactly) {
    const Image img = test::noise_texture(17, 23, 3, 7);
    save_image(img, path("f.tif"), SampleDepth::F32);
    EXPECT_EQ(cv::imread(path("f.tif"), cv::IMREAD_UNCHANGED).depth(), CV_32F);
    const LoadedImage back = load_image_with_depth(path("f.tif"));
    EXPECT_EQ(back.depth, SampleDepth::F32);
    EXPECT_EQ(back.image.channels, 3);
    EXPECT_EQ(back.image.data, img.data);
}

TEST_F(ImageIo, FloatValuesOutsideTheUnitRangeAreClamped) {
    cv::Mat m(1, 4, CV_32F);
    m.at<float>(0) = -0.5f;
    m.at<float>(1) = 0.25f;
    m.at<float>(2) = 1.0f;
    m.at<float>(3) = 1.5f;
    ASSERT_TRUE(cv::imwrite(path("wide.tif"), m));
    const LoadedImage back = load_image_with_depth(path("wide.tif"));
    EXPECT_EQ(back.depth, SampleDepth::F32);
    EXPECT_EQ(back.image.data, (std::vector<float>{0.0f, 0.25f, 1.0f, 1.0f}));
    Image wide(1, 2, 1);
    wide.data = {-2.0f, 3.0f};
    save_image(wide, path("clamped.tif"), SampleDepth::F32);
    EXPECT_EQ(load_image(path("clamped.tif")).data, (std::vector<float>{0.0f, 1.0f}));
}

TEST_F(ImageIo, EightBitFilesStayEightBit) {
    const Image img = test::colour_blobs(21, 34);
    for (const std::string ext : {".png", ".bmp", ".ppm", ".tif", ".jpg", ".webp"}) {
        save_image(img, path("e" + ext));  // U8 is the default
        EXPECT_EQ(cv::imread(path("e" + ext), cv::IMREAD_UNCHANGED).depth(), CV_8U) << ext;
        const LoadedImage back = load_image_with_depth(path("e" + ext));
        EXPECT_EQ(back.depth, SampleDepth::U8) << ext;
        save_image(back.image, path("again" + ext), back.depth);
        if (ext != ".jpg" && ext != ".webp") {  // lossless: the same bytes again
            EXPECT_EQ(test::read_file(path("again" + ext)), test::read_file(path("e" + ext))) << ext;
        }
    }
}

TEST_F(ImageIo, DepthsAFormatCannotHoldAreRefusedNamingTheFile) {
    const Image img = test::gradient(8, 8, 3);
    for (const auto& [name, depth] : {std::pair{"x.png", SampleDepth::F32}, std::pair{"x.jpg", SampleDepth::U16},
                                      std::pair{"x.webp", SampleDepth::U16}, std::pair{"x.pgm", SampleDepth::F32}}) {
        try {
            save_image(img, path(name), depth);
            ADD_FAILURE() << name << " saved as " << to_string(depth);
        } catch (const IoError& e) {
            EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
        }
    }
    EXPECT_TRUE(fs::is_empty(dir));
    EXPECT_EQ(deepest_depth_for("a.TIFF"), SampleDepth::F32);
    EXPECT_EQ(deepest_depth_for("a.png"), SampleDepth::U16);
    EXPECT_EQ(deepest_depth_for("a.jpeg"), SampleDepth::U8);
    EXPECT_THROW(deepest_depth_for("a.gif"), IoError);
    EXPECT_TRUE(has_image_extension("dir/A.JPG"));
    EXPECT_FALSE(has_image_extension("notes.txt"));
}

TEST_F(ImageIo, GreyStaysGreyAndLossyFormatsStayClose) {
    const Image grey = test::gradient(16, 24, 1);
    save_image(grey, path("g.pgm"));
    EXPECT_EQ(load_image(path("g.pgm")).channels, 1);
    save_image(grey, path("g.png"));
    EXPECT_EQ(load_image(path("g.png")).channels, 1);
    const Image smooth = test::gradient(32, 32, 3);
    save_image(smooth, path("s.jpg"));
    EXPECT_GT(psnr(load_image(path("s.jpg")), smooth), 30.0);
}

TEST_F(ImageIo, HeadersGiveTheSizeForEveryFormat) {
    const Image img = test::gradient(13, 29, 3);
    for (const std::string ext : {".png", ".jpg", ".bmp", ".ppm", ".pgm", ".tif", ".webp"}) {
        save_image(img, path("h" + ext));
        const ImageHeader h = read_image_header(test::read_file(path("h" + ext)), "h" + ext);
        EXPECT_EQ(h.width, 29) << ext;
        EXPECT_EQ(h.height, 13) << ext;
    }
}

TEST_F(ImageIo, OversizedImageIsRefusedFromItsHeader) {
    save_image(test::gradient(100, 100, 1), path("big.png"));
    EXPECT_NO_THROW(load_image(path("big.png"), LoadOptions{10'000}));
    try {
        load_image(path("big.png"), LoadOptions{9'999});
        FAIL() << "expected IoError";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("over the limit"), std::string::npos) << e.what();
    }
    // A PNG header claiming 100000×100000 pixels is refused without decoding anything.
    std::vector<unsigned char> bytes = test::read_file(path("big.png"));
    for (int k : {16, 20}) {
        bytes[std::size_t(k)] = 0x00;
        bytes[std::size_t(k) + 1] = 0x01;
        bytes[std::size_t(k) + 2] = 0x86;
        bytes[std::size_t(k) + 3] = 0xA0;
    }
    write("huge.png", bytes);
    EXPECT_THROW(load_image(path("huge.png")), IoError);
}

TEST_F(ImageIo, BadFilesGiveIoErrorsNamingTheFile) {
    fs::create_directories(path("folder"));
    write("empty.png", {});
    write("text.png", {'h', 'e', 'l', 'l', 'o', '\n'});
    save_image(test::noise_texture(64, 64, 3, 1), path("full.png"));
    save_image(test::noise_texture(64, 64, 3, 1), path("full.jpg"));
    for (const char* name : {"full.png", "full.jpg"}) {
        std::vector<unsigned char> bytes = test::read_file(path(name));
        bytes.resize(bytes.size() / 2);
        write(std::string("cut_") + name, bytes);
    }
    for (const std::string name : {"missing.png", "folder", "empty.png", "text.png", "cut_full.png", "cut_full.jpg"}) {
        try {
            load_image(path(name));
            ADD_FAILURE() << name << " loaded";
        } catch (const IoError& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find(name), std::string::npos) << msg;
            EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
        }
    }
}

TEST_F(ImageIo, TruncatedHeadersAreRefused) {
    save_image(test::gradient(8, 8, 3), path("t.png"));
    std::vector<unsigned char> bytes = test::read_file(path("t.png"));
    bytes.resize(18);
    EXPECT_THROW(read_image_header(bytes, "t.png"), IoError);
    EXPECT_THROW(read_image_header({0xFF, 0xD8, 0xFF}, "t.jpg"), IoError);
    EXPECT_THROW(read_image_header({'P', '6', ' ', '1', '2'}, "t.ppm"), IoError);
    EXPECT_THROW(read_image_header({'I', 'I', '*', 0, 200, 0, 0, 0}, "t.tif"), IoError);
}

// Regression (fuzz_image, CI run): "P5\n1277#777277#7777\n2\0..." read as 1277×2 by a
// plain parser and as 1277×777277 by OpenCV, which then allocated 2 GB. Headers
// that two readers could read differently are refused.
TEST_F(ImageIo, AmbiguousPnmHeadersAreRefused) {
    const auto crash = test::read_file(LIDECM_FUZZ_CORPUS "/fuzz_image/regression-pnm-comment-after-number.pgm");
    EXPECT_THROW(read_image_header(crash, "crash.pgm"), IoError);
    EXPECT_THROW(decode_image(crash, "crash.pgm"), IoError);
    auto bytes = [](const std::string& s) { return std::vector<unsigned char>(s.begin(), s.end()); };
    EXPECT_THROW(read_image_header(bytes("P5 12#34\n5 255\n"), "a.pgm"), IoError);
    // A comment ended by '\r' is over for OpenCV too: the size after it counts.
    const ImageHeader cr = read_image_header(bytes("P5\n#c\r 9 7\n255\n"), "b.pgm");
    EXPECT_EQ(cr.width, 9);
    EXPECT_EQ(cr.height, 7);
    const ImageHeader ok = read_image_header(bytes("P6\n# made by hand\n3 2\n255\n"), "c.ppm");
    EXPECT_EQ(ok.width, 3);
    EXPECT_EQ(ok.height, 2);
}

// Regression (fuzz_image): a TIFF with a repeated width tag that our reader sized
// 5 × 55551 and libtiff 10764 × 55551 (OpenCV then allocated 1.8 GB). Such headers
// are refused; OpenCV's own pixel cap is set to our default limit as a second guard.
TEST_F(ImageIo, ImagesADecoderSizesDifferentlyAreStillCapped) {
    const auto crash = test::read_file(LIDECM_FUZZ_CORPUS "/fuzz_image/regression-tiff-size-mismatch.tif");
    EXPECT_THROW(read_image_header(crash, "crash.tif"), IoError);
    EXPECT_THROW(decode_image(crash, "crash.tif"), IoError);
    EXPECT_NE(std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS"), nullptr);
}

// Regression (fuzz_image): a 12090 × 12 TIFF with RowsPerStrip 23820 passed the
// pixel limit, and OpenCV, which sizes its strip buffer by RowsPerStrip, allocated
// 1.15 GB. The strip counts against the limit too; a strip taller than a small
// image (legal TIFF) still loads.
TEST_F(ImageIo, TiffStripsCountAgainstThePixelLimit) {
    const auto crash = test::read_file(LIDECM_FUZZ_CORPUS "/fuzz_image/regression-tiff-strip-larger-than-image.tif");
    const ImageHeader h = read_image_header(crash, "crash.tif");
    EXPECT_EQ(h.width * std::int64_t(h.height), 12090 * 12);
    EXPECT_EQ(h.decode_block_pixels, 12090 * std::int64_t(23820));
    try {
        decode_image(crash, "crash.tif");
        ADD_FAILURE() << "decoded";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("strip or tile"), std::string::npos) << e.what();
    }

    save_image(test::gradient(5, 9, 3), path("s.tif"));
    std::vector<unsigned char> bytes = test::read_file(path("s.tif"));
    const Image before = decode_image(bytes, "s.tif");
    ASSERT_EQ(bytes[0], 'I');
    const auto u16 = [&](std::size_t at) { return unsigned(bytes.at(at) | bytes.at(at + 1) << 8); };
    const std::size_t ifd = u16(4) | std::size_t(u16(6)) << 16;
    bool patched = false;
    for (unsigned i = 0; i < u16(ifd); ++i) {
        const std::size_t e = ifd + 2 + 12 * i;
        if (u16(e) != 278) continue;
        bytes.at(e + 8) = 40;  // RowsPerStrip 40 for 5 rows: one strip, as before
        bytes.at(e + 9) = bytes.at(e + 10) = bytes.at(e + 11) = 0;
        patched = true;
    }
    ASSERT_TRUE(patched);
    EXPECT_EQ(read_image_header(bytes, "s.tif").decode_block_pixels, 9 * 40);
    LoadOptions tight;
    tight.max_pixels = 9 * 40;
    EXPECT_EQ(decode_image(bytes, "s.tif", tight).data, before.data);
    tight.max_pixels = 9 * 40 - 1;
    EXPECT_THROW(decode_image(bytes, "s.tif", tight), IoError);
}

// Regression (fuzz_image): a WebP whose VP8L header libwebp refuses went on to
// OpenCV's DICOM decoder (GDCM), which aborted. Such headers are refused first.
TEST_F(ImageIo, HeadersOpenCvsDecoderWouldRefuseAreRefused) {
    const auto crash = test::read_file(LIDECM_FUZZ_CORPUS "/fuzz_image/regression-webp-falls-to-gdcm.webp");
    EXPECT_THROW(decode_image(crash, "crash.webp"), IoError);
    std::vector<unsigned char> dicom(200, 0);
    std::memcpy(dicom.data() + 128, "DICM", 4);
    EXPECT_THROW(decode_image(dicom, "x.dcm"), IoError);
    EXPECT_THROW(read_image_header({'P', '5', '#', '1', ' ', '1', ' ', '2', '5', '5', '\n'}, "p.pgm"), IoError);
}

TEST_F(ImageIo, SaveFailsCleanlyWithoutLeavingFiles) {
    const Image img = test::gradient(8, 8, 3);
    EXPECT_THROW(save_image(img, path("no/such/folder/x.png")), IoError);
    EXPECT_THROW(save_image(img, path("x.unknown")), IoError);
    EXPECT_THROW(save_image(Image{}, path("x.png")), InvalidArgument);
    EXPECT_TRUE(fs::is_empty(dir));
}

}  // namespace
}  // namespace lidecm
