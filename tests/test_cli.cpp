// The CLI as a user runs it: exit status, one-line errors, no partial output.
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lidecm/image.hpp"
#include "cli_runner.hpp"
#include "synthetic.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

using test::CliRun;

class Cli : public ::testing::Test {
protected:
    std::string dir = test::temp_dir("cli");
    void SetUp() override {
        noisy = dir + "/noisy.png";
        clean = dir + "/clean.png";
        save_image(test::colour_blobs(48, 40), clean);
        save_image(add_gaussian_noise(test::colour_blobs(48, 40), 0.1, 1), noisy);
    }
    void TearDown() override { fs::remove_all(dir); }

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

    std::string noisy, clean;
};

TEST_F(Cli, HelpDocumentsEveryGraphFlag) {
    const CliRun top = run("--help");
    EXPECT_EQ(top.status, 0);
    EXPECT_NE(top.out.find("denoise"), std::string::npos);
    const CliRun r = run("denoise --help");
    EXPECT_EQ(r.status, 0);
    for (const char* flag : {"--sigma", "--tau", "--radius", "--sigma-s", "--sigma-f", "--smooth-steps",
                             "--patch-size", "--stride", "--adapt", "--noise-sigma", "--json", "--iterations"}) {
        EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
    }
}

TEST_F(Cli, DenoiseWritesTheImageAndAJsonSummary) {
    const std::string out = dir + "/out.png";
    const CliRun r = run("denoise " + noisy + " -o " + out + " --adapt --iterations 3 --json --reference " + clean);
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
    const CliRun r = run("denoise " + noisy + " -o " + dir + "/o.png --adapt --iterations 3 --report " + dir + "/a.html");
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
    const CliRun r = run("denoise " + noisy + " -o " + dir + "/o.png --json --sigma 0.2 --stride 3 --noise-sigma 20");
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
    std::ofstream(dir + "/cut.png", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
    save_image(test::gradient(48, 40, 3), dir + "/photo.jpg");
    bytes = test::read_file(dir + "/photo.jpg");
    bytes.resize(bytes.size() / 2);
    std::ofstream(dir + "/cut.jpg", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), long(bytes.size()));
    for (const std::string name : {"missing.png", "folder", "empty.png", "notes.png", "cut.png", "cut.jpg"}) {
        expect_refused("denoise " + dir + "/" + name + " -o " + out, name, out);
    }
    expect_refused("denoise " + noisy + " -o " + out + " --max-pixels 100", "over the limit", out);
    expect_refused("denoise " + noisy + " -o " + dir + "/no/such/dir/out.png", "out.png", dir + "/no/such/dir/out.png");
    expect_refused("denoise " + noisy + " -o " + dir + "/out.xyz", "out.xyz", dir + "/out.xyz");
}

TEST_F(Cli, BadValuesAreRefusedNamingTheFlag) {
    const std::string out = dir + "/out.png";
    const std::string base = "denoise " + noisy + " -o " + out + " ";
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
}

TEST_F(Cli, MissingArgumentsAreUsageErrors) {
    EXPECT_EQ(run("").status, 2);
    EXPECT_EQ(run("denoise " + noisy).status, 2);
    EXPECT_EQ(run("frobnicate").status, 2);
}

}  // namespace
}  // namespace lidecm
