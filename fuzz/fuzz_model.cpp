// Model files (safetensors layout, run description, learner state) from bytes.
#include <cstddef>
#include <cstdint>

#include "lidecm/core/error.hpp"
#include "lidecm/train/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const lidecm::Model m = lidecm::parse_model(std::vector<unsigned char>(data, data + size), "fuzz");
        (void)m.make_learner().get_parameters();  // a model that loads must be usable
    } catch (const lidecm::Error&) {
    }
    return 0;
}
