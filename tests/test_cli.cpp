// The CLI as a user runs it: exit status, one-line errors, no partial output.
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "lidecm/denoise/graph.hpp"
#include "lidecm/image/image.hpp"
#include "cli_runner.hpp"
#include "model_files.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

using test::CliRun;

class Cli : public test::TempFolderTest {
protected:
    Cli() : TempFolderTest("cli") {}
    void SetUp() override {
        noisy = dir + "/noisy.png";
        clean = dir + "/clean.png";
        save_image(test::colour_blobs(48, 40), clean);
        save_image(add_gaussian_noise(test::colour_blobs(48, 40), 0.1, 1), noisy);
        // Below SelfTuneOptions::max_sigma (25/255), where self-tuning runs; `noisy` is above it.
        tunable = dir + "/tunable.png";
        save_image(add_gaussian_noise(test::colour_blobs(48, 40), 0.06, 1), tunable);
    }

    CliRun run(const std::string& args) const { return test::run_cli(args, dir); }

    // A bad invocation: non-zero exit, one line on stderr naming `needle`, no output file.
    void expect_refused(const std::string& args, const std::string& needle, const std::string& output) const {
        const CliRun r = run(args);
        EXPECT_NE(r.status, 0) << args;
        EXPECT_NE(r.status, 70) << args << " crashed into an internal error: " << r.err;
        EXPECT_NE(r.err.find(needle), std::string::npos) << args << "\nstderr: " << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << args << "\nstderr: " << r.err;
        EXPECT_FALSE(fs::exists(output)) << args;
        for (const auto& e : fs::directory_iterator(dir)) {
            EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << "left behind: " << e.path();
        }
    }

    std::string noisy, clean, tunable;
};

TEST_F(Cli, HelpDocumentsEveryGraphFlag) {
    const CliRun top = run("--help");
    EXPECT_EQ(top.status, 0);
    EXPECT_NE(top.out.find("denoise"), std::string::npos);
    const CliRun r = run("denoise --help");
    EXPECT_EQ(r.status, 0);
    for (const char* flag : {"--sigma", "--tau", "--radius", "--sigma-s", "--sigma-f", "--smooth-steps",
                             "--patch-size", "--stride", "--adapt", "--noise-sigma", "--json", "--iterations", "--method",
                             "--strength"}) {
        EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
    }
}

TEST_F(Cli, DenoiseWritesTheImageAndAJsonSummary) {
    const std::string out = dir + "/out.png";
    const CliRun r =
        run("denoise " + noisy + " -o " + out + " --method graph --adapt --iterations 3 --json --reference " + clean);
    ASSERT_EQ(r.status, 0) << r.err;
    const Image img = load_image(out);
    EXPECT_EQ(img.height, 48);
    EXPECT_EQ(img.width, 40);
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["iterations"].size(), 3u);
    EXPECT_TRUE(j["noise_sigma_estimated"].get<bool>());
    EXPECT_NEAR(j["noise_sigma"].get<double>(), 25.5, 6.0);
    for (const char* head : {"texture", "structure", "color", "spatial"}) EXPECT_TRUE(j["attention"].contains(head));
    for (const char* field : {"sigma", "tau", "radius", "sigma_s", "sigma_f", "smooth_steps", "patch_size", "stride"}) {
        EXPECT_TRUE(j["params"].contains(field)) << field;
    }
    EXPECT_GT(j["quality"]["psnr_denoised"].get<double>(), j["quality"]["psnr_noisy"].get<double>());
    EXPECT_GT(j["timings"]["total"].get<double>(), 0.0);
}

TEST_F(Cli, AdaptWritesAnHtmlReportOfItsRounds) {
    const CliRun r =
        run("denoise " + noisy + " -o " + dir + "/o.png --method graph --adapt --iterations 3 --report " + dir + "/a.html");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string html = test::slurp(dir + "/a.html");
    std::size_t charts = 0;
    for (std::size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++charts;
    EXPECT_EQ(charts, 3u);
    EXPECT_NE(html.find("of 3"), std::string::npos);  // best round "k of 3"
    // The CLI estimates σ̂ itself and hands it over: the report must still call it estimated.
    EXPECT_NE(html.find("(estimated)"), std::string::npos);
    EXPECT_EQ(html.find("NaN"), std::string::npos);
    const CliRun without = run("denoise " + noisy + " -o " + dir + "/p.png --report " + dir + "/b.html");
    EXPECT_EQ(without.status, 2) << "--report needs --adapt";
    EXPECT_FALSE(fs::exists(dir + "/b.html"));
}

TEST_F(Cli, FlagsOverrideTheDefaults) {
    const CliRun r =
        run("denoise " + noisy + " -o " + dir + "/o.png --method graph --json --sigma 0.2 --stride 3 --noise-sigma 20");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["params"]["sigma"].get<double>(), 0.2);
    EXPECT_EQ(j["params"]["stride"].get<int>(), 3);
    EXPECT_EQ(j["noise_sigma"].get<double>(), 20.0);
    EXPECT_FALSE(j["noise_sigma_estimated"].get<bool>());
}

TEST_F(Cli, BadFilesAreRefused) {
    const std::string out = dir + "/out.png";
    fs::create_directories(dir + "/folder");
    std::ofstream(dir + "/empty.png").close();
    std::ofstream(dir + "/notes.png") << "not an image\n";
    std::vector<unsigned char> bytes = test::read_file(noisy);
    bytes.resize(bytes.size() / 2);
    write("cut.png", bytes);
    save_image(test::gradient(48, 40, 3), dir + "/photo.jpg");
    bytes = test::read_file(dir + "/photo.jpg");
    bytes.resize(bytes.size() / 2);
    write("cut.jpg", bytes);
    for (const std::string name : {"missing.png", "folder", "empty.png", "notes.png", "cut.png", "cut.jpg"}) {
        expect_refused("denoise " + dir + "/" + name + " -o " + out, name, out);
    }
    expect_refused("denoise " + noisy + " -o " + out + " --max-pixels 100", "over the limit", out);
    expect_refused("denoise " + noisy + " -o " + dir + "/no/such/dir/out.png", "out.png", dir + "/no/such/dir/out.png");
    expect_refused("denoise " + noisy + " -o " + dir + "/out.xyz", "out.xyz", dir + "/out.xyz");
}

TEST_F(Cli, BadValuesAreRefusedNamingTheFlag) {
    const std::string out = dir + "/out.png";
    const std::string base = "denoise " + noisy + " -o " + out + " --method graph ";
    expect_refused(base + "--sigma nan", "--sigma", out);
    expect_refused(base + "--sigma -1", "--sigma", out);
    expect_refused(base + "--tau 0", "--tau", out);
    expect_refused(base + "--radius inf", "--radius", out);
    expect_refused(base + "--sigma-f abc", "--sigma-f", out);
    expect_refused(base + "--smooth-steps -2", "--smooth-steps", out);
    expect_refused(base + "--patch-size 0", "--patch-size", out);
    expect_refused(base + "--patch-size 4 --stride 5", "--stride", out);
    expect_refused(base + "--patch-size 64", "--patch-size", out);  // larger than the 48×40 image
    expect_refused(base + "--noise-sigma nan", "--noise-sigma", out);
    expect_refused(base + "--iterations 0", "--iterations", out);
    for (const char* strength : {"0", "11", "nan", "-1", "x"}) {
        expect_refused(base + "--strength " + strength, "--strength", out);
        expect_refused("denoise " + noisy + " -o " + out + " --strength " + strength, "--strength", out);
    }
    expect_refused(base + "--method nlm", "--method", out);
}

TEST_F(Cli, MissingArgumentsAreUsageErrors) {
    EXPECT_EQ(run("").status, 2);
    EXPECT_EQ(run("denoise " + noisy).status, 2);
    EXPECT_EQ(run("frobnicate").status, 2);
}

TEST_F(Cli, MethodAndStrengthAreReported) {
    const CliRun c = run("denoise " + noisy + " -o " + dir + "/c.png --json --strength 2 --no-adapt");
    ASSERT_EQ(c.status, 0) << c.err;
    const auto j = nlohmann::json::parse(c.out);
    EXPECT_EQ(j["method"], "collaborative");  // the default
    EXPECT_EQ(j["strength"].get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(j["noise_sigma_assumed"].get<double>(), 2.0 * j["noise_sigma"].get<double>());
    EXPECT_GT(j["groups"].get<std::size_t>(), 0u);
    const CliRun plain = run("denoise " + noisy + " -o " + dir + "/p.png --no-adapt");
    ASSERT_EQ(plain.status, 0) << plain.err;
    const Image noisy_image = load_image(noisy);
    EXPECT_GT(mse(load_image(dir + "/c.png"), noisy_image), mse(load_image(dir + "/p.png"), noisy_image))
        << "a stronger filter removes more";
    // graph: the strength multiplies the noise level its defaults are chosen for.
    const CliRun g = run("denoise " + noisy + " -o " + dir + "/g.png --method graph --noise-sigma 20 --strength 1.5");
    ASSERT_EQ(g.status, 0) << g.err;
    EXPECT_NE(g.out.find("graph strength 1.5"), std::string::npos) << g.out;
    char sigma[32];
    std::snprintf(sigma, sizeof sigma, "sigma %.4f", recommended_params(1.5 * 20 / 255.0).sigma);
    EXPECT_NE(g.out.find(sigma), std::string::npos) << g.out << " wanted " << sigma;
    EXPECT_NE(plain.out.find("collaborative strength 1,"), std::string::npos) << plain.out;
}

TEST_F(Cli, GraphFlagsAreRefusedWithTheCollaborativeFilter) {
    const std::string out = dir + "/out.png";
    for (const std::string flag : {"--sigma 0.1", "--tau 0.02", "--radius 8", "--sigma-s 2", "--sigma-f 0.3",
                                   "--smooth-steps 1", "--patch-size 8", "--stride 2", "--iterations 2",
                                   "--perceptual", "--adapt --report r.html"}) {
        const std::string name = flag.starts_with("--adapt") ? "--report" : flag.substr(0, flag.find(' '));
        expect_refused("denoise " + noisy + " -o " + out + " " + flag, name, out);
        expect_refused("denoise " + noisy + " -o " + out + " --method collaborative " + flag, name, out);
        EXPECT_EQ(run("denoise " + noisy + " -o " + out + " " + flag).status, 2) << flag;
    }
}

TEST_F(Cli, GlobalCandidatesAreRefusedWithTheGraphAndOutOfRange) {
    const std::string out = dir + "/out.png";
    expect_refused("denoise " + noisy + " -o " + out + " --method graph --global-candidates 8", "--global-candidates", out);
    expect_refused("denoise " + noisy + " -o " + out + " --global-candidates 257", "--global-candidates", out);
    const CliRun fixed = run("denoise " + noisy + " -o " + out + " --global-candidates 8 --no-adapt --json");
    ASSERT_EQ(fixed.status, 0) << fixed.err;
    EXPECT_EQ(nlohmann::json::parse(fixed.out)["global_candidates"].get<int>(), 8);
    // Self-tuned, SURE decides whether they pay on the image, and the summary says what it found.
    const CliRun tuned = run("denoise " + tunable + " -o " + out + " --global-candidates 8 --json");
    ASSERT_EQ(tuned.status, 0) << tuned.err;
    const auto j = nlohmann::json::parse(tuned.out);
    const auto& check = j["self_tune"]["global_check"];
    ASSERT_TRUE(check.is_object()) << tuned.out;
    const auto& evaluations = j["self_tune"]["evaluations"];
    const bool pays = std::any_of(evaluations.begin(), evaluations.end(), [&](const auto& e) {
        return e["strength"] == check["strength"] && check["sure_mse"].template get<double>() < e["sure_mse"].template get<double>();
    });
    EXPECT_EQ(j["global_candidates"].get<int>(), pays ? 8 : 0) << tuned.out;
}

TEST_F(Cli, ModelsThatCannotDenoiseTheImageAreRefused) {
    const std::string out = dir + "/out.png";
    expect_refused("denoise " + noisy + " -o " + out + " --model " + noisy, noisy, out);  // not a model
    Model old = test::small_prior_model(3, std::nullopt);
    old.prior.reset();
    save_model(old, dir + "/old.lidecm");
    expect_refused("denoise " + noisy + " -o " + out + " --model " + dir + "/old.lidecm", "no patch prior", out);
    save_model(test::small_prior_model(1, LearnedDenoising{32, 2.0, 8}), dir + "/grey.lidecm");
    expect_refused("denoise " + noisy + " -o " + out + " --model " + dir + "/grey.lidecm", "1-channel", out);
    save_model(test::small_prior_model(3, LearnedDenoising{32, 2.0, 8}), dir + "/colour.lidecm");
    const CliRun r = run("denoise " + noisy + " -o " + out + " --model " + dir + "/colour.lidecm --no-adapt --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["global_candidates"].get<int>(), 32);
}

// The collaborative filter tunes its strength by SURE unless --no-adapt; --adapt says the same.
TEST_F(Cli, CollaborativeSelfTunesByDefault) {
    const CliRun r = run("denoise " + tunable + " -o " + dir + "/t.png --json");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_TRUE(j["adapt"].get<bool>());
    const auto& t = j["self_tune"];
    ASSERT_TRUE(t["tuned"].get<bool>()) << r.out;
    EXPECT_GE(t["evaluations"].size(), 3u);
    for (const auto& e : t["evaluations"]) EXPECT_TRUE(std::isfinite(e["sure_mse"].get<double>()));
    EXPECT_NEAR(j["noise_sigma_assumed"].get<double>(), t["strength"].get<double>() * j["noise_sigma"].get<double>(), 1e-9);
    const CliRun text = run("denoise " + tunable + " -o " + dir + "/a.png --adapt");
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("self-tuned: strength"), std::string::npos) << text.out;
    EXPECT_EQ(test::read_file(dir + "/t.png"), test::read_file(dir + "/a.png"));
    const CliRun fixed = run("denoise " + noisy + " -o " + dir + "/f.png --json --no-adapt");
    ASSERT_EQ(fixed.status, 0) << fixed.err;
    EXPECT_FALSE(nlohmann::json::parse(fixed.out).contains("self_tune"));
    expect_refused("denoise " + noisy + " -o " + dir + "/x.png --adapt --no-adapt", "--no-adapt", dir + "/x.png");
    // A clean (noise-free) image is not tuned, and the summaries say why.
    save_image(test::constant(40, 40, 3, 0.5f), dir + "/flat.png");
    const CliRun clean = run("denoise " + dir + "/flat.png -o " + dir + "/flat_out.png --json");
    ASSERT_EQ(clean.status, 0) << clean.err;
    const auto cj = nlohmann::json::parse(clean.out);
    EXPECT_FALSE(cj["self_tune"]["tuned"].get<bool>());
    EXPECT_NE(cj["self_tune"]["skipped_because"].get<std::string>().find("clean"), std::string::npos);
    const CliRun clean_text = run("denoise " + dir + "/flat.png -o " + dir + "/flat_out.png");
    EXPECT_NE(clean_text.out.find("not tuned:"), std::string::npos) << clean_text.out;
    // Nor is strong noise (σ̂ >= 25/255, issue #26): the table's strength, and the summaries say why.
    save_image(add_gaussian_noise(test::colour_blobs(48, 40), 0.2, 2), dir + "/strong.png");
    const CliRun strong = run("denoise " + dir + "/strong.png -o " + dir + "/s.png --json");
    ASSERT_EQ(strong.status, 0) << strong.err;
    const auto sj = nlohmann::json::parse(strong.out);
    EXPECT_FALSE(sj["self_tune"]["tuned"].get<bool>()) << strong.out;
    EXPECT_EQ(sj["self_tune"]["strength"].get<double>(), 1.0);
    EXPECT_NE(sj["self_tune"]["skipped_because"].get<std::string>().find("table"), std::string::npos) << strong.out;
    ASSERT_EQ(run("denoise " + dir + "/strong.png -o " + dir + "/s_table.png --no-adapt").status, 0);
    EXPECT_EQ(test::read_file(dir + "/s.png"), test::read_file(dir + "/s_table.png"));
}

// A 16-bit PNG comes back 16-bit, a float TIFF float, an 8-bit PNG 8-bit (read by OpenCV, not by lidecm).
TEST_F(Cli, OutputsKeepTheInputsSampleDepth) {
    fs::create_directories(dir + "/in");
    const Image img = add_gaussian_noise(test::colour_blobs(48, 40), 0.1, 3);
    save_image(img, dir + "/in/deep.png", SampleDepth::U16);
    save_image(img, dir + "/in/float.tif", SampleDepth::F32);
    save_image(img, dir + "/in/plain.png");
    const CliRun r = run("denoise " + dir + "/in -o " + dir + "/out --json");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto depth_of = [&](const std::string& name) {
        return cv::imread(dir + "/out/" + name, cv::IMREAD_UNCHANGED).depth();
    };
    EXPECT_EQ(depth_of("deep.png"), CV_16U);
    EXPECT_EQ(depth_of("float.tif"), CV_32F);
    EXPECT_EQ(depth_of("plain.png"), CV_8U);
    EXPECT_EQ(nlohmann::json::parse(r.out)[0]["depth"]["output"], "16-bit");
    // One input to a file of another format: the nearest depth that format holds.
    const CliRun jpg = run("denoise " + dir + "/in/deep.png -o " + dir + "/deep.jpg");
    ASSERT_EQ(jpg.status, 0) << jpg.err;
    EXPECT_EQ(cv::imread(dir + "/deep.jpg", cv::IMREAD_UNCHANGED).depth(), CV_8U);
    const CliRun tif = run("denoise " + dir + "/in/deep.png -o " + dir + "/deep.tif --method graph");
    ASSERT_EQ(tif.status, 0) << tif.err;
    EXPECT_EQ(cv::imread(dir + "/deep.tif", cv::IMREAD_UNCHANGED).depth(), CV_16U);
}

TEST_F(Cli, ABadFileInABatchIsReportedSkippedAndCounted) {
    fs::create_directories(dir + "/in");
    fs::copy_file(noisy, dir + "/in/a.png");
    std::vector<unsigned char> bytes = test::read_file(noisy);
    bytes.resize(bytes.size() / 2);
    write("in/bad.png", bytes);
    fs::copy_file(noisy, dir + "/in/c.png");
    const std::string out = dir + "/out";  // made by the call
    const CliRun r = run("denoise " + dir + "/in/a.png " + dir + "/in/bad.png " + dir + "/in/c.png -o " + out + " --json");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_TRUE(fs::exists(out + "/a.png"));
    EXPECT_TRUE(fs::exists(out + "/c.png"));
    EXPECT_FALSE(fs::exists(out + "/bad.png"));
    EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator{}), 2) << "temporaries left?";
    std::istringstream lines(r.err);
    std::vector<std::string> err;
    for (std::string line; std::getline(lines, line);) err.push_back(line);
    ASSERT_EQ(err.size(), 2u) << r.err;
    EXPECT_NE(err[0].find("bad.png"), std::string::npos) << r.err;
    EXPECT_NE(err[1].find("1 of 3 files failed"), std::string::npos) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.size(), 3u);
    EXPECT_FALSE(j[0].contains("error"));
    EXPECT_TRUE(j[1].contains("error"));
    EXPECT_EQ(j[2]["output"], out + "/c.png");

    // Too small for the filter: named too, alone (exit 2, a bad value for it) or in a batch.
    save_image(test::gradient(6, 6, 3), dir + "/in/tiny.png");
    expect_refused("denoise " + dir + "/in/tiny.png -o " + dir + "/t.png", "tiny.png", dir + "/t.png");
    const CliRun tiny = run("denoise " + dir + "/in/tiny.png " + dir + "/in/a.png -o " + dir + "/out2");
    EXPECT_EQ(tiny.status, 1);
    EXPECT_NE(tiny.err.find("tiny.png: "), std::string::npos) << tiny.err;
    EXPECT_NE(tiny.err.find("1 of 2 files failed"), std::string::npos) << tiny.err;
    EXPECT_TRUE(fs::exists(dir + "/out2/a.png"));
}

TEST_F(Cli, AFolderIsItsImageFilesByName) {
    fs::create_directories(dir + "/in/sub");
    const std::vector<std::string> names = {"a.bmp", "b.png", "c.PNG", "d.tif", "e.jpg"};
    for (const char* name : {"e.jpg", "b.png", "d.tif", "a.bmp", "c.PNG", "sub/f.png"}) {
        fs::copy_file(noisy, dir + "/in/" + name);
    }
    std::ofstream(dir + "/in/notes.txt") << "not an image\n";
    const CliRun r = run("denoise " + dir + "/in -o " + dir + "/out/");
    ASSERT_EQ(r.status, 0) << r.err;
    for (const std::string& name : names) EXPECT_TRUE(fs::exists(dir + "/out/" + name)) << name;
    EXPECT_EQ(std::distance(fs::directory_iterator(dir + "/out"), fs::directory_iterator{}), 5);  // not sub/, notes.txt
    for (std::size_t i = 1; i < names.size(); ++i) {
        EXPECT_LT(r.out.find(names[i - 1] + " ->"), r.out.find(names[i] + " ->")) << r.out;
    }
    EXPECT_NE(r.out.find("5 files denoised"), std::string::npos) << r.out;
    fs::create_directories(dir + "/empty");
    expect_refused("denoise " + dir + "/empty -o " + dir + "/o2/", "empty", dir + "/o2");
}

TEST_F(Cli, BatchesThatWouldOverwriteAFileAreRefusedUpFront) {
    fs::create_directories(dir + "/x");
    fs::create_directories(dir + "/y");
    fs::copy_file(noisy, dir + "/x/same.png");
    fs::copy_file(noisy, dir + "/y/same.png");
    const std::string out = dir + "/out";
    expect_refused("denoise " + dir + "/x/same.png " + dir + "/y/same.png -o " + out + "/", "same.png", out);
    expect_refused("denoise " + dir + "/x " + dir + "/y -o " + out + "/", "same.png", out);
    expect_refused("denoise " + noisy + " " + noisy + " -o " + out + "/", "noisy.png", out);
    expect_refused("denoise " + dir + "/x -o " + dir + "/x", "would write over", out);
    // Several inputs need a folder: not an existing file, nor a new name that reads as an image file.
    const CliRun file = run("denoise " + noisy + " " + clean + " -o " + clean);
    EXPECT_EQ(file.status, 2);
    EXPECT_NE(file.err.find("-o " + clean + ": is a file"), std::string::npos) << file.err;
    expect_refused("denoise " + noisy + " " + clean + " -o " + dir + "/both.png", "both.png", dir + "/both.png");
    expect_refused("denoise " + noisy + " " + clean + " -o " + out + "/ --reference " + clean, "--reference", out);
}

}  // namespace
}  // namespace lidecm
