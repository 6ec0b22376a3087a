// `lidecm info`: what a model or token file holds.
#include <cmath>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "commands.hpp"
#include "lidecm/codebook/codebook.hpp"
#include "lidecm/core/error.hpp"
#include "lidecm/core/file_io.hpp"
#include "lidecm/train/json.hpp"
#include "lidecm/train/model.hpp"
#include "lidecm/formats/tensor_file.hpp"
#include "lidecm/formats/token_file.hpp"
#include "lidecm/codebook/token_refine.hpp"

namespace lidecm::cli {
namespace {

struct InfoFlags {
    std::string file;
    bool json = false;
};

bool is_token_file(const std::vector<unsigned char>& bytes) {
    return bytes.size() >= 8 && std::string(bytes.begin(), bytes.begin() + 7) == "LDCMTOK";
}

void print_prior(const nlohmann::json& j) {
    const auto& p = j["prior"];
    if (!p.is_null()) {
        const auto bytes = p["file_bytes"].get<std::size_t>();
        std::printf("prior: %d Gaussians of %d x %d x %d patches (dim %d%s), %zu bytes of the file (%.1f MiB)\n",
                    p["components"].get<int>(), p["patch_size"].get<int>(), p["patch_size"].get<int>(),
                    p["channels"].get<int>(), p["dim"].get<int>(), p["mean_removed"].get<bool>() ? ", means removed" : "",
                    bytes, double(bytes) / double(1 << 20));
        if (const auto& c = p["classes"]; c.is_array()) {
            std::printf("class priors: %zu, mixed per image by attention (", c.size());
            for (std::size_t i = 0; i < c.size(); ++i) {
                std::printf("%s%s %d", i ? ", " : "", c[i]["name"].get<std::string>().c_str(), c[i]["components"].get<int>());
            }
            std::printf(" Gaussians)\n");
        }
        if (const auto& d = j["denoising"]; !d.is_null()) {
            const double tau = d.value("prior_tau", -1.0);
            char which[64] = "";
            if (tau >= 0) std::snprintf(which, sizeof which, " (class priors at tau %g)", tau);
            std::printf("denoise --model: whole-image patch groups %s (%+.2f dB on %d training images at sigma 25), "
                        "the prior %s%s (%+.2f dB; pooled %+.2f dB)\n",
                        d["global_candidates"].get<int>() > 0 ? "on" : "off", d["gain_db"].get<double>(),
                        d["images"].get<int>(), d.value("use_prior", true) ? "on" : "off", which,
                        d.value("prior_gain_db", 0.0), d.value("pooled_gain_db", d.value("prior_gain_db", 0.0)));
        }
        return;
    }
    // Why there is none: the config (configs stored before priors read as 0) and the progress say.
    const int wanted = j["config"]["prior_components"].get<int>();
    if (wanted == 0) {
        std::printf("prior: none (trained before priors, or with --prior-components 0)\n");
    } else if (!j["progress"]["finished"].get<bool>()) {
        std::printf("prior: none yet (%d Gaussians are fitted when the run finishes)\n", wanted);
    } else {
        std::printf("prior: none (the training patches were fewer than its %d Gaussians)\n", wanted);
    }
}

void print_token_prior(const nlohmann::json& j) {
    if (const auto& t = j["token_prior"]; !t.is_null()) {
        std::printf("token prior: order %d (class, left and upper token), %zu contexts, %d classes\n", t["order"].get<int>(),
                    t["contexts"].get<std::size_t>(), t["classes"].get<int>());
    } else if (!j["config"].value("token_prior", false)) {
        std::printf("token prior: none (trained before token priors, or with --no-token-prior)\n");
    } else {
        std::printf("token prior: none yet (fitted when the run finishes)\n");
    }
}

void print_model(const nlohmann::json& j) {
    const auto& c = j["config"];
    const auto& p = j["progress"];
    std::printf("model: K = %d codewords of %d x %d x %d, trained on %s at %d x %d%s\n", c["num_codes"].get<int>(),
                c["patch_size"].get<int>(), c["patch_size"].get<int>(), c["dataset"]["channels"].get<int>(),
                c["data"].get<std::string>().c_str(), c["dataset"]["resolution"].get<int>(),
                c["dataset"]["resolution"].get<int>(), c["dataset"].value("tiles", false) ? " (tiles)" : "");
    std::printf("progress: epoch %d/%d, %llu batches, %llu images%s; best validation PSNR %.2f dB (epoch %d)\n",
                p["epoch"].get<int>(), p["epochs"].get<int>(), p["step"].get<unsigned long long>(),
                p["images"].get<unsigned long long>(), p["finished"].get<bool>() ? ", finished" : "",
                p["best_validation_psnr"].get<double>(), p["best_epoch"].get<int>() + 1);
    const auto& s = j["status"];
    std::printf("status: sigma %s, tau %s, radius %s, recent loss %s\n", s["sigma"].get<std::string>().c_str(),
                s["tau"].get<std::string>().c_str(), s["radius"].get<std::string>().c_str(),
                s["recent_loss"].get<std::string>().c_str());
    const auto& a = j["attention"];
    std::printf("attention (mean of %zu updates): texture %.3f, structure %.3f, colour %.3f, spatial %.3f\n",
                a["updates"].get<std::size_t>(), a["mean"]["texture"].get<double>(), a["mean"]["structure"].get<double>(),
                a["mean"]["color"].get<double>(), a["mean"]["spatial"].get<double>());
    const auto& r = j["refinement"];
    if (r["refiner"] == "graph") {
        std::printf("refinement: graph diffusion with the learned parameters%s\n",
                    r["keep_codewords"].get<bool>() ? ", tiles kept in their codeword's cell" : "");
    } else {
        std::printf("refinement: collaborative at quantisation RMS %.4f%s, strength up to %.2f, lambda %.2f%s\n",
                    r["quant_rms"].get<double>(), r["quant_rms_stored"].get<bool>() ? "" : " (not stored: fallback)",
                    r["top_strength"].get<double>(), r["lambda_hard"].get<double>(),
                    r["keep_codewords"].get<bool>() ? ", tiles kept in their codeword's cell" : "");
    }
    const auto& cb = j["codebook"];
    std::printf("codebook: %.1f%% of codes used, perplexity %.1f, checksum %08x\n",
                100 * cb["used_fraction"].get<double>(), cb["perplexity"].get<double>(), cb["checksum"].get<unsigned>());
    print_prior(j);
    print_token_prior(j);
    std::printf("%-5s %-20s %8s %8s %6s %8s\n", "class", "name", "sigma", "tau", "steps", "updates");
    for (const auto& k : j["classes"]) {
        std::printf("%-5d %-20s %8.4f %8.4f %6d %8zu\n", k["class"].get<int>(), k["name"].get<std::string>().c_str(),
                    k["sigma"].get<double>(), k["tau"].get<double>(), k["smooth_steps"].get<int>(),
                    k["updates"].get<std::size_t>());
    }
    if (j["classes"].size() < 2) {
        std::printf("(one class: refinement uses the global sigma and tau above, not this row)\n");
    }
}

void info(const InfoFlags& f) {
    nlohmann::json j;
    std::vector<unsigned char> bytes = read_file_bytes(f.file, TensorFileLimits{}.max_file_bytes);
    if (is_token_file(bytes)) {
        const TokenFileHeader h = read_token_file_header(bytes, f.file);
        const TokenGrid& g = h.shape;
        const bool coded = h.coding == TokenCoding::prior;
        j = {{"type", "tokens"}, {"image_height", g.image_height}, {"image_width", g.image_width},
             {"channels", g.channels}, {"patch_size", g.patch_size}, {"rows", g.rows()}, {"cols", g.cols()},
             {"num_codes", g.num_codes}, {"bits_per_index", bits_per_index(g.num_codes)},
             {"bits_per_pixel", bits_per_pixel(g)}, {"codebook_checksum", g.codebook_checksum},
             {"coding", coded ? "token_prior" : "fixed"}, {"file_bytes", h.file_bytes},
             {"stored_bits_per_pixel", h.stored_bits_per_pixel()}};
        if (coded) {
            j["class"] = h.label;
            j["prior_checksum"] = h.prior_checksum;
        }
        if (!f.json) {
            std::printf("tokens: %d x %d image (%d channel%s) as %d x %d tiles of %d x %d; K = %d (%d bits each), "
                        "%.3f bits per pixel; codebook checksum %08x\n",
                        g.image_width, g.image_height, g.channels, g.channels == 1 ? "" : "s", g.cols(), g.rows(),
                        g.patch_size, g.patch_size, g.num_codes, bits_per_index(g.num_codes), bits_per_pixel(g),
                        g.codebook_checksum);
            if (coded) {
                std::printf("stored: range-coded with a token prior (checksum %08x) as class %d, %zu bytes, %.3f bits per pixel\n",
                            h.prior_checksum, h.label, h.file_bytes, h.stored_bits_per_pixel());
            } else {
                std::printf("stored: 16 bits per token, %zu bytes, %.3f bits per pixel (tokenize --entropy codes them "
                            "with the model's token prior)\n",
                            h.file_bytes, h.stored_bits_per_pixel());
            }
            return;
        }
    } else {
        j = model_summary(parse_model(std::move(bytes), f.file));
        if (!f.json) {
            print_model(j);
            return;
        }
    }
    std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

void add_info_command(CLI::App& app) {
    auto f = std::make_shared<InfoFlags>();
    CLI::App* cmd = app.add_subcommand("info", "Describe a model file or a token file");
    cmd->add_option("file", f->file, "Model (.lidecm) or token file")->required();
    cmd->add_flag("--json", f->json, "Print JSON instead of text");
    cmd->callback([f] { info(*f); });
}

}  // namespace lidecm::cli
