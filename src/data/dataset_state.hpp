#pragma once
// Internal to the dataset: what changes while a const Dataset is used (the cache of
// decoded files, decode counts, files that failed after opening), behind one mutex.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "image/stored_image.hpp"
#include "lidecm/data/dataset.hpp"

namespace lidecm {

struct DatasetState {
    std::mutex mutex;
    std::vector<std::shared_ptr<const detail::StoredImage>> cache;  ///< per group; null: not cached
    std::size_t cached_bytes = 0;
    std::vector<std::string> failed;    ///< per group: why it failed to decode; empty: it did not
    std::vector<SkippedFile> failures;  ///< in the order they failed
    std::uint64_t decodes = 0;

    void reset(std::size_t groups) {
        cache.assign(groups, nullptr);
        failed.assign(groups, {});
    }
};

}  // namespace lidecm
