#pragma once
// Checks run on encoded bytes before they reach a decoder (internal header).
#include <string>
#include <vector>

namespace lidecm::detail {

/// Throws IoError naming `name` when a PNG's chunks run past the end of the
/// data or it has no IEND chunk, or when a JPEG has no end-of-image marker.
/// Decoders would otherwise return a partly grey image (JPEG) or print to stderr.
/// Returns the bytes to decode: a PNG loses its iCCP colour profile chunk, which
/// lidecm ignores and which makes libpng print warnings for some files.
std::vector<unsigned char> checked_for_decoding(const std::vector<unsigned char>& bytes, const std::string& format,
                                                const std::string& name);

}  // namespace lidecm::detail
