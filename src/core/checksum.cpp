#include "lidecm/core/checksum.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace lidecm {

std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc) {
    // zlib takes a uInt length: feed ranges over 4 GiB in pieces.
    const auto* bytes = static_cast<const Bytef*>(data);
    uLong value = crc;
    while (size > 0) {
        const std::size_t piece = std::min<std::size_t>(size, std::numeric_limits<uInt>::max());
        value = ::crc32(value, bytes, static_cast<uInt>(piece));
        bytes += piece;
        size -= piece;
    }
    return static_cast<std::uint32_t>(value);
}

}  // namespace lidecm
