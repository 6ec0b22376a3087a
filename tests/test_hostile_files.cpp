// Hostile and degenerate input: sizes claimed beyond reason are refused before
// anything is allocated (checked under a virtual-memory ceiling), non-finite
// pixels are refused, and flat or one-pixel-wide images give clear answers.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/train/trainer.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

void put32be(Bytes& b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(v >> s));
}
void put_le(Bytes& b, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
}

// A PNG whose header claims width × height (valid signature and IHDR CRC, no data).
Bytes png_claiming(std::uint32_t width, std::uint32_t height) {
    Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    Bytes ihdr = {'I', 'H', 'D', 'R'};
    put32be(ihdr, width);
    put32be(ihdr, height);
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
    put32be(b, 13);
    b.insert(b.end(), ihdr.begin(), ihdr.end());
    put32be(b, crc32(ihdr.data(), ihdr.size()));
    return b;
}

// A little-endian TIFF of 32-bit float grey pixels (uncompressed, one strip).
Bytes float_tiff(int width, int height, const std::vector<float>& pixels) {
    Bytes b = {'I', 'I', 42, 0};
    const std::uint32_t data_offset = 8, data_bytes = std::uint32_t(pixels.size() * 4);
    put_le(b, data_offset + data_bytes, 4);  // the IFD follows the pixels
    for (float f : pixels) {
        std::uint32_t v;
        std::memcpy(&v, &f, 4);
        put_le(b, v, 4);
    }
    const std::vector<std::array<std::uint32_t, 3>> tags = {  // tag, type (3 short, 4 long), value
        {256, 4, std::uint32_t(width)}, {257, 4, std::uint32_t(height)}, {258, 3, 32}, {259, 3, 1}, {262, 3, 1},
        {273, 4, data_offset}, {277, 3, 1}, {278, 4, std::uint32_t(height)}, {279, 4, data_bytes}, {339, 3, 3}};
    put_le(b, tags.size(), 2);
    for (const auto& [tag, type, value] : tags) {
        put_le(b, tag, 2);
        put_le(b, type, 2);
        put_le(b, 1, 4);
        put_le(b, value, 4);
    }
    put_le(b, 0, 4);
    return b;
}

class Hostile : public test::TempFolderTest {
protected:
    Hostile() : TempFolderTest("hostile") {}
    // Runs the CLI under a 300 MB virtual-memory ceiling (a shell command line:
    // `lidecm --version` first, then ulimit, then the command): a refusal must come
    // before any large allocation, which would fail as an internal error (70).
    test::CliRun capped(const std::string& args) const {
        return test::run_cli("--version >/dev/null; ulimit -v 300000; " + std::string(LIDECM_CLI_PATH) + " " + args,
                             dir);
    }
};

TEST_F(Hostile, HugeClaimsAreRefusedBeforeAllocation) {
#ifdef LIDECM_SANITIZED
    GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space: no virtual-memory ceiling";
#endif
    write("huge.png", png_claiming(100000, 100000));
    auto r = capped("denoise " + dir + "/huge.png -o " + dir + "/out.png");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("over the limit"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/out.png"));

    // 0.15 MP, but a strip OpenCV would size at 1.15 GB (found by fuzz_image).
    fs::copy_file(LIDECM_FUZZ_CORPUS "/fuzz_image/regression-tiff-strip-larger-than-image.tif", dir + "/strip.tif");
    r = capped("denoise " + dir + "/strip.tif -o " + dir + "/out.png");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("strip or tile"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/out.png"));

    Bytes model;
    put_le(model, std::uint64_t(1) << 40, 8);  // a 1 TiB JSON header
    model.insert(model.end(), {'{', '}'});
    write("huge.lidecm", model);
    r = capped("info " + dir + "/huge.lidecm");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("huge.lidecm"), std::string::npos) << r.err;

    Bytes tokens = {'L', 'D', 'C', 'M', 'T', 'O', 'K', 0};
    for (std::uint32_t v : {1u, 1u << 20, 1u << 20, 3u, 8u, 512u, 0u, 1u << 17, 1u << 17}) put_le(tokens, v, 4);
    write("huge.tok", tokens);
    r = capped("info " + dir + "/huge.tok");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_NE(r.err.find("huge.tok"), std::string::npos) << r.err;
}

TEST_F(Hostile, NonFinitePixelsAreRefusedFiniteFloatsAreRead) {
    write("ok.tif", float_tiff(2, 2, {0.0f, 0.25f, 0.5f, 1.0f}));
    const Image ok = load_image(dir + "/ok.tif");
    EXPECT_EQ(ok.width, 2);
    EXPECT_FLOAT_EQ(ok.data[1], 0.25f);
    write("nan.tif", float_tiff(2, 2, {0.0f, std::nanf(""), 0.5f, 1.0f}));
    try {
        load_image(dir + "/nan.tif");
        FAIL() << "a NaN pixel was accepted";
    } catch (const IoError& e) {
        EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
    }
    write("inf.tif", float_tiff(2, 2, {0.0f, INFINITY, 0.5f, 1.0f}));
    EXPECT_THROW(load_image(dir + "/inf.tif"), IoError);
}

TEST_F(Hostile, FlatAndOnePixelWideImages) {
    for (float level : {0.0f, 1.0f}) {  // all black, all white
        const DenoiseResult d = denoise(test::constant(32, 32, 3, level), GraphParams{});
        for (float v : d.image.data) ASSERT_EQ(v, level);
        EXPECT_TRUE(std::isfinite(d.smoothness));
    }
    save_image(test::constant(40, 1, 3, 0.5f), dir + "/thin.png");
    const auto r = test::run_cli("denoise " + dir + "/thin.png -o " + dir + "/o.png", dir);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("40×1 (height×width), smaller than the 7×7"), std::string::npos) << r.err;  // the noise estimate's patches
    EXPECT_FALSE(fs::exists(dir + "/o.png"));
}

TEST_F(Hostile, TrainingOnFlatImagesKeepsEverythingFinite) {
    fs::create_directories(dir + "/flat");
    for (int i = 0; i < 6; ++i) {
        save_image(test::constant(32, 32, 3, i % 2 ? 1.0f : 0.0f), dir + "/flat/" + std::to_string(i) + ".png");
    }
    TrainConfig c;
    c.data = dir + "/flat";
    c.dataset.resolution = 32;
    c.codebook.num_codes = 4;
    c.epochs = 2;
    c.batch_size = 2;
    c.init_images = 2;
    const TrainResult r = train(c, dir + "/run", {});
    for (float v : r.model.codebook->values()) ASSERT_TRUE(std::isfinite(v));
    const GraphParams p = r.model.make_learner().get_parameters();
    EXPECT_TRUE(std::isfinite(p.sigma) && std::isfinite(p.tau));
    for (double l : r.model.learner.loss_history) ASSERT_TRUE(std::isfinite(l));
    EXPECT_TRUE(std::isfinite(r.last_epoch.val_psnr_token));
    EXPECT_NO_THROW(load_model(dir + "/run/model.lidecm"));
}

}  // namespace
}  // namespace lidecm
