// Token files: round trips, the byte layout, every damaged file, and bits per pixel.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/formats/token_file.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

const std::string kName = "x.tok";

// 20×13 RGB in patches of 8: 3×2 tokens.
TokenGrid sample_grid() {
    TokenGrid g;
    g.image_height = 20;
    g.image_width = 13;
    g.channels = 3;
    g.patch_size = 8;
    g.num_codes = 512;
    g.codebook_checksum = 0xdeadbeef;
    g.indices = {0, 511, 7, 256, 1, 300};
    return g;
}

std::string decode_error(const Bytes& bytes) {
    try {
        (void)decode_token_file(bytes, kName);
    } catch (const IoError& e) {
        return e.what();
    } catch (...) {
        return "other";
    }
    return "";
}

void put_u32(Bytes& b, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}

// Re-seals a hand-edited file with a correct trailing CRC, so the check under test is reached.
Bytes reseal(Bytes b) {
    put_u32(b, b.size() - 4, crc32(b.data(), b.size() - 4));
    return b;
}

// Header field i (0 = version, 1 = height, ... 8 = cols) set to v, CRC fixed.
Bytes with_field(std::size_t i, std::uint32_t v) {
    Bytes b = encode_token_file(sample_grid(), kName);
    put_u32(b, 8 + 4 * i, v);
    return reseal(b);
}

bool same(const TokenGrid& a, const TokenGrid& b) {
    return a.image_height == b.image_height && a.image_width == b.image_width && a.channels == b.channels &&
           a.patch_size == b.patch_size && a.num_codes == b.num_codes &&
           a.codebook_checksum == b.codebook_checksum && a.indices == b.indices;
}

TEST(TokenFile, RoundTripsThroughBytes) {
    const TokenGrid g = sample_grid();
    EXPECT_TRUE(same(decode_token_file(encode_token_file(g, kName), kName), g));
    TokenGrid grey = g;
    grey.channels = 1;
    grey.num_codes = 65536;
    grey.indices = {65535, 0, 1, 2, 3, 65534};
    EXPECT_TRUE(same(decode_token_file(encode_token_file(grey, kName), kName), grey));
}

TEST(TokenFile, LayoutIsTheDocumentedOne) {
    const Bytes b = encode_token_file(sample_grid(), kName);
    ASSERT_EQ(b.size(), kTokenFileHeaderBytes + 6 * 2 + 4);
    EXPECT_EQ(std::string(b.begin(), b.begin() + 8), std::string("LDCMTOK\0", 8));
    const Bytes fields = {1, 0, 0, 0, 20, 0, 0, 0, 13, 0, 0, 0, 3, 0, 0, 0, 8, 0, 0, 0, 0, 2, 0, 0,
                          0xef, 0xbe, 0xad, 0xde, 3, 0, 0, 0, 2, 0, 0, 0};
    EXPECT_EQ(Bytes(b.begin() + 8, b.begin() + 44), fields);
    EXPECT_EQ(Bytes(b.begin() + 44, b.begin() + 48), (Bytes{0, 0, 0xff, 0x01}));  // 0, 511 little-endian
    const std::uint32_t crc = crc32(b.data(), b.size() - 4);
    EXPECT_EQ(Bytes(b.end() - 4, b.end()), (Bytes{static_cast<unsigned char>(crc), static_cast<unsigned char>(crc >> 8),
                                                  static_cast<unsigned char>(crc >> 16),
                                                  static_cast<unsigned char>(crc >> 24)}));
}

TEST(TokenFile, BadMagicVersionAndEveryTruncationAreRefused) {
    const Bytes good = encode_token_file(sample_grid(), kName);
    Bytes magic = good;
    magic[3] = 'X';
    EXPECT_EQ(decode_error(magic), "x.tok: not a lidecm token file");
    EXPECT_EQ(decode_error({}), "x.tok: not a lidecm token file");
    EXPECT_EQ(decode_error(with_field(0, 3)), "x.tok: token file version 3 is newer than this lidecm (2)");
    EXPECT_EQ(decode_error(with_field(0, 0)), "x.tok: unsupported token file version 0");
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        const std::string error = decode_error(Bytes(good.begin(), good.begin() + std::ptrdiff_t(cut)));
        EXPECT_EQ(error.rfind("x.tok: ", 0), 0u) << "cut at " << cut << ": " << error;
    }
    EXPECT_EQ(decode_error(Bytes(good.begin(), good.begin() + 20)),
              "x.tok: truncated (20 bytes, the header alone takes 44)");
    EXPECT_EQ(decode_error(Bytes(good.begin(), good.end() - 1)), "x.tok: truncated (59 bytes, 60 expected)");
    Bytes longer = good;
    longer.push_back(0);
    EXPECT_EQ(decode_error(longer), "x.tok: 1 unexpected bytes after the end");
}

TEST(TokenFile, AnyFlippedByteIsRefused) {
    const Bytes good = encode_token_file(sample_grid(), kName);
    for (std::size_t i = 0; i < good.size(); ++i) {
        Bytes bad = good;
        bad[i] ^= 0x04;
        EXPECT_EQ(decode_error(bad).rfind("x.tok: ", 0), 0u) << "byte " << i;
    }
    Bytes index = good;
    index[44] ^= 0x01;
    EXPECT_EQ(decode_error(index), "x.tok: checksum mismatch (file altered or corrupt)");
}

TEST(TokenFile, ImplausibleGeometryIsRefused) {
    EXPECT_EQ(decode_error(with_field(1, 0)), "x.tok: image height 0 is outside [1, 1048576]");
    EXPECT_EQ(decode_error(with_field(2, 0x80000000u)), "x.tok: implausible image width 2147483648");
    EXPECT_EQ(decode_error(with_field(3, 2)), "x.tok: channels is 2, not 1 or 3");
    EXPECT_EQ(decode_error(with_field(4, 0)), "x.tok: patch size 0 is outside [1, 1024]");
    EXPECT_EQ(decode_error(with_field(4, 16)), "x.tok: patch size 16 is larger than the 20x13 image");
    EXPECT_EQ(decode_error(with_field(5, 1)), "x.tok: codebook size K = 1 is outside [2, 65536]");
    EXPECT_EQ(decode_error(with_field(5, 65537)), "x.tok: codebook size K = 65537 is outside [2, 65536]");
    EXPECT_EQ(decode_error(with_field(7, 2)),
              "x.tok: stores a 2x2 grid but a 20x13 image in patches of 8 has 3x2");
    // A header claiming a huge image in a tiny file: refused from the sizes, nothing allocated.
    Bytes huge = encode_token_file(sample_grid(), kName);
    put_u32(huge, 12, 1 << 20);
    put_u32(huge, 16, 1 << 20);
    put_u32(huge, 24, 1);
    EXPECT_EQ(decode_error(reseal(huge)), "x.tok: 1048576x1048576 tokens is over the limit of 268435456");
    put_u32(huge, 24, 64);
    put_u32(huge, 40, 16384);
    put_u32(huge, 36, 16384);
    EXPECT_EQ(decode_error(reseal(huge)), "x.tok: truncated (60 bytes, 536870960 expected)");
}

TEST(TokenFile, IndexNotBelowKIsRefused) {
    Bytes b = encode_token_file(sample_grid(), kName);
    b[44 + 2 * 4] = 0x00;  // token 4 := 512 = K
    b[44 + 2 * 4 + 1] = 0x02;
    EXPECT_EQ(decode_error(reseal(b)), "x.tok: token 4 is index 512, not below K = 512");
}

TEST(TokenFile, WriterRefusesGridsItCannotStore) {
    TokenGrid g = sample_grid();
    g.indices[2] = 512;
    EXPECT_THROW((void)encode_token_file(g, kName), InvalidArgument);
    g = sample_grid();
    g.indices.pop_back();
    try {
        (void)encode_token_file(g, kName);
        FAIL();
    } catch (const InvalidArgument& e) {
        EXPECT_STREQ(e.what(), "x.tok: 5 indices for a 3x2 grid");
    }
    g = sample_grid();
    g.channels = 4;
    EXPECT_THROW((void)encode_token_file(g, kName), InvalidArgument);
    EXPECT_EQ(token_grid_problem(sample_grid()), "");
}

TEST(TokenFile, BitsPerPixelIsTheFixedLengthCodeSize) {
    EXPECT_EQ(bits_per_index(2), 1);
    EXPECT_EQ(bits_per_index(512), 9);
    EXPECT_EQ(bits_per_index(513), 10);
    EXPECT_EQ(bits_per_index(65536), 16);
    EXPECT_THROW((void)bits_per_index(1), InvalidArgument);
    TokenGrid g = sample_grid();  // 3×2 tokens × 9 bits over 20×13 pixels
    EXPECT_DOUBLE_EQ(bits_per_pixel(g), 54.0 / 260.0);
    g.image_height = g.image_width = 64;  // 8×8 tokens × 9 bits / 4096 pixels
    EXPECT_DOUBLE_EQ(bits_per_pixel(g), 0.140625);
    g.num_codes = 256;
    EXPECT_DOUBLE_EQ(bits_per_pixel(g), 0.125);
}

class TokenFileOnDisk : public test::TempFolderTest {
protected:
    TokenFileOnDisk() : TempFolderTest("token_file") {}
};

TEST_F(TokenFileOnDisk, WritesReadsAndNamesThePathInErrors) {
    write_token_file(sample_grid(), path("a.tok"));
    EXPECT_TRUE(same(read_token_file(path("a.tok")), sample_grid()));
    EXPECT_EQ(test::read_file(path("a.tok")), encode_token_file(sample_grid(), kName));

    std::ofstream(path("b.tok")) << "not tokens at all";
    try {
        (void)read_token_file(path("b.tok"));
        FAIL();
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()), path("b.tok") + ": not a lidecm token file");
    }
    try {
        (void)read_token_file(path("missing.tok"));
        FAIL();
    } catch (const IoError& e) {
        EXPECT_EQ(std::string(e.what()), path("missing.tok") + ": cannot open (No such file or directory)");
    }
    EXPECT_THROW(write_token_file(sample_grid(), path("no/folder/a.tok")), IoError);
    TokenGrid bad = sample_grid();
    bad.indices[0] = 600;
    EXPECT_THROW(write_token_file(bad, path("c.tok")), InvalidArgument);
    EXPECT_FALSE(fs::exists(path("c.tok")));
}

}  // namespace
}  // namespace lidecm
