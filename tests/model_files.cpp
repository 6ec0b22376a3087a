#include "model_files.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lidecm/core/error.hpp"

namespace lidecm::test {

std::vector<unsigned char> rewrite_tensor_file(std::vector<unsigned char> bytes, const TensorEdit& edit,
                                               const std::set<std::string>& drop_metadata) {
    const TensorFile f = parse_tensor_file(std::move(bytes), "model");
    TensorFileWriter w;
    for (const std::string& name : f.names()) {
        if (edit(f, name, w)) continue;
        const TensorInfo& info = f.info(name);
        switch (info.dtype) {
            case DType::F32: w.add(name, f.get<float>(name), info.shape); break;
            case DType::F64: w.add(name, f.get<double>(name), info.shape); break;
            case DType::I64: w.add(name, f.get<std::int64_t>(name), info.shape); break;
            case DType::U8: w.add(name, f.get<std::uint8_t>(name), info.shape); break;
            case DType::U16: w.add(name, f.get<std::uint16_t>(name), info.shape); break;
            case DType::U32: w.add(name, f.get<std::uint32_t>(name), info.shape); break;
            case DType::U64: w.add(name, f.get<std::uint64_t>(name), info.shape); break;
            default: ADD_FAILURE() << name << " has a dtype this copy does not know";
        }
    }
    for (const auto& [key, value] : f.all_metadata()) {
        const bool writers_own = key == "format" || key == "format_version" || key == "checksum";
        if (!writers_own && drop_metadata.count(key) == 0) w.set_metadata(key, value);
    }
    return w.serialize();
}

std::vector<unsigned char> as_older_file(std::vector<unsigned char> bytes, const std::string& tensor_prefix,
                                         const std::string& config_key) {
    return rewrite_tensor_file(std::move(bytes), [&](const TensorFile& f, const std::string& name, TensorFileWriter& w) {
        if (name.starts_with(tensor_prefix)) return true;  // dropped
        if (name != "run.json") return false;
        const auto text = f.get<std::uint8_t>(name);
        nlohmann::json run = nlohmann::json::parse(text.begin(), text.end());
        run["config"].erase(config_key);
        const std::string edited = run.dump();
        w.add(name, std::vector<std::uint8_t>(edited.begin(), edited.end()));
        return true;
    });
}

void expect_refused_naming(const std::vector<std::pair<const char*, std::vector<unsigned char>>>& damaged,
                           const std::string& name) {
    for (const auto& [what, bytes] : damaged) {
        try {
            (void)parse_model(bytes, name);
            ADD_FAILURE() << what << ": loaded";
        } catch (const IoError& e) {
            EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << what << ": " << e.what();
        }
    }
}

Model small_prior_model(int channels, std::optional<LearnedDenoising> denoising) {
    Model m;
    m.config.patch_size = 2;
    m.config.dataset.channels = channels;
    m.config.codebook.num_codes = 2;
    m.learner = EMParameterLearner(m.config.learner).state();
    const int dim = 4 * channels;
    m.codebook = Codebook(2, dim, std::vector<float>(std::size_t(2 * dim), 0.5f));
    std::vector<float> patches(std::size_t(50 * dim));
    for (std::size_t i = 0; i < patches.size(); ++i) patches[i] = float((i * 7919) % 101) / 100.0f;
    PatchPriorOptions o;
    o.components = 2;
    o.iterations = 3;
    m.prior = fit_patch_prior(patches.data(), 50, 2, channels, o).prior;
    m.denoising = denoising;
    return m;
}

}  // namespace lidecm::test
