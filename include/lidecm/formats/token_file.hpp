#pragma once
// Token files (DESIGN §6): one image's codebook indices. Layout, all integers
// little-endian:
//   8 bytes   magic "LDCMTOK\0"
//   9 × u32   version (kTokenFileVersion), image height, image width, channels,
//             patch size, K, codebook checksum, rows, cols
//   rows·cols × u16  indices, row-major
//   u32       CRC-32 (zlib's) of every byte before it
// The trailing CRC catches altered indices, which would otherwise decode to a
// wrong but plausible image.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "lidecm/codebook/tokens.hpp"

namespace lidecm {

/// Version written into new token files; files with a higher one are refused.
inline constexpr std::uint32_t kTokenFileVersion = 1;
/// Bytes before the indices.
inline constexpr std::size_t kTokenFileHeaderBytes = 8 + 9 * 4;
/// Plausibility bounds checked on write and read.
inline constexpr int kMaxTokenImageSide = 1 << 20;
inline constexpr int kMaxTokenPatchSize = 1024;
inline constexpr std::uint64_t kMaxTokens = std::uint64_t(1) << 28;

/// The first reason the grid cannot be stored, or "" when it can: sides in
/// [1, kMaxTokenImageSide], channels 1 or 3, patch size in
/// [1, min(kMaxTokenPatchSize, height, width)], K in [kMinCodes, kMaxCodes], rows·cols ≤
/// kMaxTokens, indices.size() == rows·cols and every index < K.
std::string token_grid_problem(const TokenGrid& grid);

/// The file's bytes. Throws InvalidArgument naming `name` for a grid that
/// token_grid_problem refuses.
std::vector<unsigned char> encode_token_file(const TokenGrid& grid, const std::string& name);

/// Parses a token file held in memory. Throws IoError("<name>: <problem>") for
/// a bad magic, a newer or unknown version, a truncated file, trailing bytes, a
/// checksum mismatch, stored rows/cols that disagree with the image and patch
/// size, or any grid token_grid_problem refuses. Sizes are checked against the
/// byte count before anything is allocated.
TokenGrid decode_token_file(const std::vector<unsigned char>& bytes, const std::string& name);

/// encode_token_file written atomically (temporary file, then rename).
void write_token_file(const TokenGrid& grid, const std::filesystem::path& path);

/// Reads and validates a token file (see decode_token_file).
TokenGrid read_token_file(const std::filesystem::path& path);

/// ceil(log2 K): bits of one index in a fixed-length code. K must be ≥ 2.
int bits_per_index(int num_codes);

/// rows·cols·ceil(log2 K) / (height·width): the size of the indices in a
/// fixed-length code per image pixel (all channels together), not counting the
/// header and not an entropy-coded figure. Throws InvalidArgument for K < 2 or
/// an empty image.
double bits_per_pixel(const TokenGrid& grid);

}  // namespace lidecm
