#pragma once
// Token files (DESIGN §6): one image's codebook indices, in one of two layouts, all
// integers little-endian.
// Version 1, fixed width (what `tokenize` writes):
//   8 bytes   magic "LDCMTOK\0"
//   9 × u32   version 1, image height, image width, channels, patch size, K, codebook
//             checksum, rows, cols
//   rows·cols × u16  indices, row-major
//   u32       CRC-32 (zlib's) of every byte before it
// Version 2, coded with a model's token prior (`tokenize --entropy`, issue #24):
//   the same magic and 9 × u32 (version 2), then
//   4 × u32   coding (1 = range-coded with the token prior), the class the grid was coded
//             as, TokenPrior::checksum() of that prior, payload bytes
//   payload   the range coder's bytes: the indices in raster order, each with the prior's
//             probabilities given the class and its left and upper neighbours
//   u32       CRC-32 of every byte before it
// Fixed-width files stay version 1 so that older lidecm reads them. The trailing CRC
// catches altered indices, which would otherwise decode to a wrong but plausible image.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lidecm/codebook/token_prior.hpp"
#include "lidecm/codebook/tokens.hpp"

namespace lidecm {

/// The newest version this lidecm reads (and writes, for coded files); files with a higher
/// one are refused.
inline constexpr std::uint32_t kTokenFileVersion = 2;
/// Bytes before the indices of a fixed-width (version 1) file.
inline constexpr std::size_t kTokenFileHeaderBytes = 8 + 9 * 4;
/// Bytes before the payload of a coded (version 2) file.
inline constexpr std::size_t kCodedTokenFileHeaderBytes = kTokenFileHeaderBytes + 4 * 4;
/// Plausibility bounds checked on write and read.
inline constexpr int kMaxTokenImageSide = 1 << 20;
inline constexpr int kMaxTokenPatchSize = 1024;
inline constexpr std::uint64_t kMaxTokens = std::uint64_t(1) << 28;

/// The first reason the grid cannot be stored, or "" when it can: sides in
/// [1, kMaxTokenImageSide], channels 1 or 3, patch size in
/// [1, min(kMaxTokenPatchSize, height, width)], K in [kMinCodes, kMaxCodes], rows·cols ≤
/// kMaxTokens, indices.size() == rows·cols and every index < K.
std::string token_grid_problem(const TokenGrid& grid);

/// How a token file stores its indices.
enum class TokenCoding {
    fixed,  ///< 16 bits each (version 1)
    prior,  ///< range-coded with a model's token prior (version 2)
};

/// What a token file says before its indices.
struct TokenFileHeader {
    TokenGrid shape;                     ///< every field but the indices (empty)
    TokenCoding coding = TokenCoding::fixed;
    int label = 0;                       ///< the class the prior coded the grid as
    std::uint32_t prior_checksum = 0;    ///< TokenPrior::checksum() of that prior
    std::size_t file_bytes = 0;          ///< the whole file

    /// The file's bits (header and checksum included) per image pixel, all channels together.
    [[nodiscard]] double stored_bits_per_pixel() const;
};

/// A fixed-width file's bytes. Throws InvalidArgument naming `name` for a grid that
/// token_grid_problem refuses.
std::vector<unsigned char> encode_token_file(const TokenGrid& grid, const std::string& name);

/// A coded file's bytes: the grid range-coded with `prior` as class `label`. Throws
/// InvalidArgument naming `name` for a grid that token_grid_problem refuses, one whose K is
/// not the prior's, or a label outside the prior's classes.
std::vector<unsigned char> encode_token_file(const TokenGrid& grid, const TokenPrior& prior, int label,
                                             const std::string& name);

/// The class under which `prior` codes `grid` in the fewest bits (the lowest index among
/// equals): what `tokenize --entropy` stores.
int cheapest_label(const TokenGrid& grid, const TokenPrior& prior);

/// Parses and checks a token file's header, its size and its CRC, without decoding the
/// indices. Throws IoError("<name>: <problem>") for a bad magic, a newer or unknown
/// version or coding, a truncated file, trailing bytes, a checksum mismatch, stored
/// rows/cols that disagree with the image and patch size, or a shape token_grid_problem
/// refuses. Sizes are checked against the byte count before anything is allocated.
TokenFileHeader read_token_file_header(const std::vector<unsigned char>& bytes, const std::string& name);

/// Parses a token file held in memory (see read_token_file_header); a coded file needs the
/// prior that coded it: IoError naming the file when `prior` is null or another prior (its
/// checksum, K or classes differ) or when the coded bytes are corrupt.
TokenGrid decode_token_file(const std::vector<unsigned char>& bytes, const std::string& name,
                            const TokenPrior* prior = nullptr);

/// encode_token_file written atomically (temporary file, then rename): fixed width when
/// `prior` is null, else coded with it as class `label`.
void write_token_file(const TokenGrid& grid, const std::filesystem::path& path, const TokenPrior* prior = nullptr,
                      int label = 0);

/// Reads and validates a token file (see decode_token_file).
TokenGrid read_token_file(const std::filesystem::path& path, const TokenPrior* prior = nullptr);

/// ceil(log2 K): bits of one index in a fixed-length code. K must be ≥ 2.
int bits_per_index(int num_codes);

/// rows·cols·ceil(log2 K) / (height·width): the size of the indices in a
/// fixed-length code per image pixel (all channels together), not counting the
/// header and not an entropy-coded figure. Throws InvalidArgument for K < 2 or
/// an empty image.
double bits_per_pixel(const TokenGrid& grid);

}  // namespace lidecm
