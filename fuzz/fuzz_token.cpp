// Token files from bytes.
#include <cstddef>
#include <cstdint>

#include "lidecm/core/error.hpp"
#include "lidecm/formats/token_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const lidecm::TokenGrid g = lidecm::decode_token_file(std::vector<unsigned char>(data, data + size), "fuzz");
        if (g.indices.size() != std::size_t(g.rows()) * std::size_t(g.cols())) __builtin_trap();
    } catch (const lidecm::Error&) {
    }
    return 0;
}
