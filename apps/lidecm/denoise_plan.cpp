// Which files one `lidecm denoise` call reads and writes, settled before any is read,
// so that a call that would overwrite its inputs or one output with another does nothing.
#include <algorithm>
#include <map>

#include "denoise_job.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/data/samples.hpp"

namespace lidecm::cli {
namespace fs = std::filesystem;
namespace {

// The image files directly inside `folder` (those save_image can write back), by name.
std::vector<fs::path> images_in(const fs::path& folder, const std::string& argument) {
    std::vector<fs::path> files;
    try {
        for (const fs::directory_entry& e : fs::directory_iterator(folder)) {
            std::error_code ec;  // a dangling link is no regular file, and not an error
            if (has_image_extension(e.path()) && e.is_regular_file(ec)) files.push_back(e.path());
        }
    } catch (const fs::filesystem_error& e) {
        throw IoError(argument + ": cannot list the folder (" + e.code().message() + ")");
    }
    if (files.empty()) {
        throw IoError(argument + ": no image files in the folder (.png, .jpg, .jpeg, .bmp, .ppm, .pgm, .tif, .tiff, .webp)");
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    const fs::path ca = fs::weakly_canonical(a, ec);
    if (ec) return false;
    const fs::path cb = fs::weakly_canonical(b, ec);
    return !ec && ca == cb;
}

}  // namespace

DenoisePlan plan_denoise(const std::vector<std::string>& inputs, const std::string& output) {
    DenoisePlan plan;
    std::error_code ec;
    for (const std::string& argument : inputs) {
        const fs::path source = resolve_image_argument(argument);
        if (fs::is_directory(source, ec)) {
            plan.to_folder = true;
            for (const fs::path& file : images_in(source, argument)) plan.jobs.push_back({file.string(), file, {}});
        } else {
            plan.jobs.push_back({argument, source, {}});
        }
    }
    const bool slash = output.ends_with('/');
    const fs::path out = slash ? fs::path(output).parent_path() : fs::path(output);  // "out.png/" is out.png
    plan.to_folder = plan.to_folder || inputs.size() > 1 || slash || fs::is_directory(out, ec);
    if (!plan.to_folder) {
        plan.jobs.front().output = out;
        return plan;
    }
    const std::string flag = "-o " + output;
    require(!fs::exists(out, ec) || fs::is_directory(out, ec), flag,
            "is a file, but with several inputs or a folder -o names the output folder");
    // `denoise *.png -o out.png` matching two files would otherwise make a folder named out.png.
    require(slash || fs::exists(out, ec) || !has_image_extension(out), flag,
            "names an image file, but several inputs or a folder need an output folder (end it with '/' to insist)");
    std::map<fs::path, const DenoiseJob*> by_output;
    for (DenoiseJob& job : plan.jobs) {
        job.output = out / job.source.filename();
        const auto [it, fresh] = by_output.emplace(job.output, &job);
        require(fresh, job.input, "has the same file name as " + it->second->input + ": both would be written to " +
                                      job.output.string());
        require(!same_file(job.source, job.output), flag, "would write over its input " + job.input);
    }
    return plan;
}

void make_output_folder(const std::string& output) {
    std::error_code ec;
    fs::create_directories(output, ec);
    if (ec) throw IoError("-o " + output + ": cannot make the folder (" + ec.message() + ")");
}

}  // namespace lidecm::cli
