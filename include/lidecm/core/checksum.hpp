#pragma once
// CRC-32 (zlib's polynomial) of byte ranges: the checksum stored in model and
// token files. CRC-32 rather than a faster hash so that an independent reader
// (Python's zlib.crc32, for one) can verify a file without our code.
#include <cstddef>
#include <cstdint>

namespace lidecm {

/// CRC-32 of `size` bytes at `data`, continuing from `crc` (0 to start).
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace lidecm
