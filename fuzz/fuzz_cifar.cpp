// CIFAR-10 binary files: the bytes become data_batch_1.bin of a scratch folder,
// which is opened as a dataset and whose first items are decoded.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "lidecm/data/dataset.hpp"
#include "lidecm/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("lidecm_fuzz_cifar_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "data_batch_1.bin", std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(data), std::streamsize(size));
    lidecm::DatasetOptions options;
    options.resolution = 8;
    options.validation_fraction = 0.5;
    try {
        const lidecm::Dataset d = lidecm::Dataset::open(dir.string(), options);
        for (std::size_t i = 0; i < d.size() && i < 3; ++i) {
            const lidecm::Item item = d.item(i);
            if (item.label < 0 || std::size_t(item.label) >= d.class_names().size()) __builtin_trap();
        }
    } catch (const lidecm::Error&) {
    }
    return 0;
}
