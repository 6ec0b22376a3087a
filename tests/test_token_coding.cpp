// Token files coded with the token prior (issue #24): the range coder round-trips every
// symbol sequence exactly (carries through runs of 0xFF bytes included), the prior's
// integer frequencies cover every token and stay within the coder's total, coded files
// round-trip every grid and cost what the prior says, and damaged or mismatched files are
// refused naming the file.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "formats/range_coder.hpp"
#include "formats/token_prior_coding.hpp"
#include "lidecm/core/checksum.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/random.hpp"
#include "lidecm/formats/token_file.hpp"

namespace lidecm {
namespace {
using Bytes = std::vector<unsigned char>;
const std::string kName = "c.tok";

TokenGrid shape(int rows, int cols, int codes) {
    TokenGrid g;
    g.patch_size = 4;
    g.image_width = cols * 4;
    g.channels = 3;
    g.num_codes = codes;
    g.codebook_checksum = 0x12345678;
    g.image_height = rows * 4;
    return g;
}

// Vertical stripes whose token steps by a class-dependent stride along the row, with a
// little noise: predictable from the neighbours and the class, so the prior codes it in far
// fewer bits than log2 K, cheapest as its own class.
TokenGrid striped(int rows, int cols, int codes, int label, std::uint64_t seed) {
    TokenGrid g = shape(rows, cols, codes);
    RandomStream rng{seed};
    for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < cols; ++x) {
            const int t = rng.uniform() < 0.05 ? int(rng.next() % std::uint64_t(codes)) : (x * (label + 1)) % codes;
            g.indices.push_back(std::uint16_t(t));
        }
    }
    return g;
}

TokenGrid uniform_grid(int rows, int cols, int codes, std::uint64_t seed) {
    TokenGrid g = shape(rows, cols, codes);
    RandomStream rng{seed};
    for (int i = 0; i < rows * cols; ++i) g.indices.push_back(std::uint16_t(rng.next() % std::uint64_t(codes)));
    return g;
}

struct Trained {
    std::vector<TokenGrid> grids;
    TokenPrior prior;
};

Trained trained(int codes, int classes) {
    Trained t;
    for (int label = 0; label < classes; ++label) t.grids.push_back(striped(12, 16, codes, label, 7 + label));
    std::vector<LabelledGrid> labelled;
    for (int label = 0; label < classes; ++label) labelled.push_back({&t.grids[std::size_t(label)], label});
    t.prior = TokenPrior::fit(labelled, codes, classes);
    return t;
}

void expect_same(const TokenGrid& a, const TokenGrid& b) {
    EXPECT_EQ(a.image_height, b.image_height);
    EXPECT_EQ(a.image_width, b.image_width);
    EXPECT_EQ(a.channels, b.channels);
    EXPECT_EQ(a.patch_size, b.patch_size);
    EXPECT_EQ(a.num_codes, b.num_codes);
    EXPECT_EQ(a.codebook_checksum, b.codebook_checksum);
    EXPECT_EQ(a.indices, b.indices);
}

std::string decode_error(const Bytes& b, const TokenPrior* prior) {
    try {
        (void)decode_token_file(b, kName, prior);
    } catch (const IoError& e) {
        return e.what();
    }
    return "";
}

// A hand-altered file with its trailing CRC made right again, so the check under test is reached.
void reseal(Bytes& b) {
    const std::uint32_t crc = crc32(b.data(), b.size() - 4);
    for (std::size_t k = 0; k < 4; ++k) b[b.size() - 4 + k] = static_cast<unsigned char>(crc >> (8 * k));
}

TEST(RangeCoder, RoundTripsRandomSymbolsUnderExtremeFrequencies) {
    // Frequencies from 1 to nearly the whole total: the rare ones push out bytes fast, the
    // near-certain ones leave 0xFF runs pending that a later carry must turn to 0x00.
    RandomStream rng{42};
    struct Symbol {
        std::uint32_t cumulative, frequency, total;
    };
    std::vector<Symbol> symbols;
    for (int i = 0; i < 20000; ++i) {
        const std::uint32_t total = 2 + std::uint32_t(rng.next() % (detail::kMaxRangeTotal - 1));
        const int kind = int(rng.next() % 3);
        const std::uint32_t frequency = kind == 0 ? 1 : kind == 1 ? total - 1 : 1 + std::uint32_t(rng.next() % total);
        const std::uint32_t cumulative = std::uint32_t(rng.next() % (total - frequency + 1));
        symbols.push_back({cumulative, frequency, total});
    }
    detail::RangeEncoder enc;
    for (const Symbol& s : symbols) enc.encode(s.cumulative, s.frequency, s.total);
    const Bytes bytes = enc.finish();
    detail::RangeDecoder dec(bytes.data(), bytes.size(), kName);
    for (const Symbol& s : symbols) {
        const std::uint32_t t = dec.target(s.total);
        ASSERT_GE(t, s.cumulative);
        ASSERT_LT(t, s.cumulative + s.frequency);
        dec.consume(s.cumulative, s.frequency);
    }
    EXPECT_NO_THROW(dec.expect_end());
    // Its size is the information it carries, plus the flush.
    double bits = 0;
    for (const Symbol& s : symbols) bits -= std::log2(double(s.frequency) / s.total);
    EXPECT_LE(8.0 * double(bytes.size()), bits * 1.01 + 64);
}

TEST(RangeCoder, RunsOfCertainSymbolsCarryCorrectly) {
    // Symbol at the top of the range, then one near the bottom, repeated: low climbs to
    // 0xFF…FF and the next symbol carries into every pending byte.
    detail::RangeEncoder enc;
    std::vector<std::uint32_t> picks;
    for (int i = 0; i < 4000; ++i) picks.push_back(i % 97 == 96 ? 0u : 1u);
    for (const std::uint32_t p : picks) enc.encode(p == 0 ? 0 : 1, p == 0 ? 1 : detail::kMaxRangeTotal - 1, detail::kMaxRangeTotal);
    const Bytes bytes = enc.finish();
    detail::RangeDecoder dec(bytes.data(), bytes.size(), kName);
    for (const std::uint32_t p : picks) {
        const std::uint32_t got = dec.target(detail::kMaxRangeTotal) == 0 ? 0 : 1;
        ASSERT_EQ(got, p);
        dec.consume(got == 0 ? 0 : 1, got == 0 ? 1 : detail::kMaxRangeTotal - 1);
    }
    EXPECT_NO_THROW(dec.expect_end());
}

TEST(RangeCoder, ShortAndLongStreamsAreRefused) {
    detail::RangeEncoder enc;
    for (int i = 0; i < 100; ++i) enc.encode(std::uint32_t(i % 7), 1, 7);
    Bytes bytes = enc.finish();
    Bytes cut(bytes.begin(), bytes.end() - 3);
    EXPECT_THROW(
        {
            detail::RangeDecoder dec(cut.data(), cut.size(), kName);
            for (int i = 0; i < 100; ++i) dec.consume(dec.target(7), 1);
            dec.expect_end();
        },
        IoError);
    bytes.push_back(0);
    detail::RangeDecoder dec(bytes.data(), bytes.size(), kName);
    for (int i = 0; i < 100; ++i) dec.consume(dec.target(7), 1);
    EXPECT_THROW(dec.expect_end(), IoError);
}

TEST(TokenCoding, FrequenciesCoverEveryTokenWithinTheTotal) {
    for (const int codes : {2, 5, 512, 4096}) {
        const Trained t = trained(codes, 3);
        const TokenGrid g = striped(6, 9, codes, 1, 99);
        std::vector<double> p;
        std::vector<std::uint32_t> cumulative;
        for (int y = 0; y < g.rows(); ++y) {
            for (int x = 0; x < g.cols(); ++x) {
                detail::token_frequencies(t.prior, g, 1, y, x, p, cumulative);
                ASSERT_EQ(cumulative.size(), std::size_t(codes) + 1);
                ASSERT_LE(cumulative.back(), detail::kMaxRangeTotal);
                // Nearly all of the total is used: the floors lose < 1 count per token.
                ASSERT_GT(cumulative.back(), detail::kMaxRangeTotal - std::uint32_t(codes));
                for (int k = 0; k < codes; ++k) ASSERT_GE(cumulative[std::size_t(k) + 1], cumulative[std::size_t(k)] + 1);
            }
        }
    }
}

TEST(TokenCoding, EveryGridRoundTripsExactly) {
    for (const int codes : {2, 3, 300, 4096}) {
        const Trained t = trained(codes, 3);
        std::vector<TokenGrid> grids = {striped(12, 16, codes, 0, 1), striped(5, 31, codes, 2, 2),
                                        uniform_grid(9, 9, codes, 3), uniform_grid(1, 1, codes, 4),
                                        uniform_grid(1, 40, codes, 5), uniform_grid(40, 1, codes, 6)};
        RandomStream rng{std::uint64_t(codes)};
        grids.push_back(t.prior.sample(shape(10, 10, codes), 1, 1.0, codes, rng));
        for (const TokenGrid& g : grids) {
            for (int label = 0; label < 3; ++label) {
                SCOPED_TRACE("K " + std::to_string(codes) + ", " + std::to_string(g.rows()) + "x" +
                             std::to_string(g.cols()) + ", class " + std::to_string(label));
                const Bytes b = encode_token_file(g, t.prior, label, kName);
                expect_same(decode_token_file(b, kName, &t.prior), g);
                const TokenFileHeader h = read_token_file_header(b, kName);
                EXPECT_EQ(h.coding, TokenCoding::prior);
                EXPECT_EQ(h.label, label);
                EXPECT_EQ(h.prior_checksum, t.prior.checksum());
                EXPECT_EQ(h.file_bytes, b.size());
            }
        }
    }
}

TEST(TokenCoding, CodedSizeIsWhatThePriorSaysAndBeatsFixedWidth) {
    const Trained t = trained(512, 3);
    const TokenGrid g = striped(40, 16, 512, 2, 11);  // as wide as the training grids: their stripes
    const Bytes coded = encode_token_file(g, t.prior, 2, kName);
    const double payload_bits = 8.0 * double(coded.size() - kCodedTokenFileHeaderBytes - 4);
    const double ideal = t.prior.bits(g, 2);
    // A little below the ideal is possible: every token's share is rounded up to ≥ 1 count.
    EXPECT_GE(payload_bits, ideal * 0.9);
    EXPECT_LE(payload_bits, ideal * 1.01 + 48);
    EXPECT_LT(coded.size() * 3, encode_token_file(g, kName).size());
    // The class that made the stripes codes them cheapest, and another class costs more.
    EXPECT_EQ(cheapest_label(g, t.prior), 2);
    EXPECT_GT(encode_token_file(g, t.prior, 0, kName).size(), coded.size());
}

TEST(TokenCoding, FixedWidthFilesStayVersionOne) {
    const Bytes b = encode_token_file(striped(3, 3, 16, 0, 1), kName);
    EXPECT_EQ(b[8], 1);
    EXPECT_EQ(read_token_file_header(b, kName).coding, TokenCoding::fixed);
}

TEST(TokenCoding, CodedFilesNeedTheirOwnPrior) {
    const Trained t = trained(64, 2), other = trained(64, 3);
    const Bytes b = encode_token_file(striped(6, 6, 64, 1, 3), t.prior, 1, kName);
    EXPECT_NE(decode_error(b, nullptr).find("c.tok: coded with a token prior"), std::string::npos);
    EXPECT_NE(decode_error(b, &other.prior).find("c.tok: coded with another token prior"), std::string::npos);
    EXPECT_THROW((void)encode_token_file(striped(6, 6, 32, 1, 3), t.prior, 1, kName), InvalidArgument);
    EXPECT_THROW((void)encode_token_file(striped(6, 6, 64, 1, 3), t.prior, 2, kName), InvalidArgument);
}

TEST(TokenCoding, DamagedFilesAreRefusedNamingThem) {
    const Trained t = trained(64, 2);
    const Bytes good = encode_token_file(striped(10, 10, 64, 0, 5), t.prior, 0, kName);
    for (std::size_t cut = 0; cut < good.size(); cut += 7) {
        const std::string e = decode_error(Bytes(good.begin(), good.begin() + std::ptrdiff_t(cut)), &t.prior);
        EXPECT_EQ(e.rfind("c.tok: ", 0), 0u) << "cut at " << cut << ": " << e;
    }
    for (std::size_t i = 0; i < good.size(); ++i) {
        Bytes b = good;
        b[i] ^= 0x10;
        EXPECT_FALSE(decode_error(b, &t.prior).empty()) << "byte " << i;
    }
    // Coded bytes altered and re-sealed get past the CRC: the decoder must refuse them or
    // decode some grid, never read outside the payload (the sanitizers watch this).
    const std::size_t payload = kCodedTokenFileHeaderBytes;
    for (std::size_t i = payload; i + 4 < good.size(); ++i) {
        Bytes b = good;
        b[i] ^= 0xA5;
        reseal(b);
        try {
            const TokenGrid g = decode_token_file(b, kName, &t.prior);
            EXPECT_EQ(g.indices.size(), 100u);
        } catch (const IoError& e) {
            EXPECT_EQ(std::string(e.what()).rfind("c.tok: ", 0), 0u);
        }
    }
    // An unknown coding is named.
    Bytes b = good;
    b[kTokenFileHeaderBytes] = 7;
    reseal(b);
    EXPECT_NE(decode_error(b, &t.prior).find("unknown token coding 7"), std::string::npos);
}

TEST(TokenCoding, ChecksumTellsPriorsApart) {
    const Trained a = trained(64, 2), b = trained(64, 3), c = trained(64, 2);
    EXPECT_EQ(a.prior.checksum(), c.prior.checksum());
    EXPECT_NE(a.prior.checksum(), b.prior.checksum());
    EXPECT_EQ(TokenPrior::from_tables(a.prior.tables(), "m").checksum(), a.prior.checksum());
}

}  // namespace
}  // namespace lidecm
