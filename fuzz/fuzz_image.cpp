// Image bytes through lidecm's decoder (header checks, size limit, OpenCV decode).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "lidecm/core/error.hpp"
#include "lidecm/image/image.hpp"

// OpenCV's own pixel cap matches the limit under test (it is read once, at the first decode).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "4000000", 1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lidecm::LoadOptions options;
    options.max_pixels = 4'000'000;  // the limit under test, small enough for the fuzzer's memory cap
    try {
        const lidecm::Image img = lidecm::decode_image(std::vector<unsigned char>(data, data + size), "fuzz", options);
        if (img.size() != img.pixels() * std::size_t(img.channels)) __builtin_trap();
    } catch (const lidecm::Error&) {
    }
    return 0;
}
