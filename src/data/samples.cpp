#include "lidecm/data/samples.hpp"

#include <algorithm>
#include <cstdlib>

#include "lidecm/core/error.hpp"

namespace lidecm {
namespace fs = std::filesystem;

fs::path samples_dir() {
    const char* env = std::getenv("LIDECM_SAMPLES");
    const fs::path dir = (env != nullptr && *env != '\0') ? fs::path(env) : fs::path(LIDECM_SOURCE_SAMPLES_DIR);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        throw IoError(dir.string() + ": sample images not found (run `make samples`, or set LIDECM_SAMPLES)");
    }
    return dir;
}

std::vector<fs::path> sample_images() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(samples_dir())) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".png" || ext == ".jpg")) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) throw IoError(samples_dir().string() + ": no sample images in the folder");
    return files;
}

fs::path resolve_image_argument(const std::string& argument) {
    const std::string prefix = "samples:";
    if (argument.rfind(prefix, 0) != 0) return argument;
    const std::string name = argument.substr(prefix.size());
    for (const auto& file : sample_images()) {
        if (file.stem() == name) return file;
    }
    throw IoError(argument + ": no sample named '" + name + "' in " + samples_dir().string());
}

}  // namespace lidecm
