// metrics.jsonl lines: parsing never throws, whatever the line.
#include <cstddef>
#include <cstdint>
#include <string>

#include "lidecm/train/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string line(reinterpret_cast<const char*>(data), size);
    (void)lidecm::parse_metrics_line(line);  // an exception here is a finding (the fuzzer reports it)
    return 0;
}
