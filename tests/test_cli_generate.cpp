// `lidecm generate` and `tokenize --entropy` (issue #24) as a user runs them, on one small
// two-class model trained once for the suite: a grid or a folder of images, reproducible by
// seed, prompts matched against class names, token files coded with the prior, and bad
// input refused in one line with nothing written.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "cli_runner.hpp"
#include "lidecm/image/image.hpp"
#include "lidecm/train/generate.hpp"
#include "lidecm/train/model.hpp"
#include "synthetic.hpp"
#include "temp_folder.hpp"

namespace lidecm {
namespace {
namespace fs = std::filesystem;

class CliGenerate : public test::TempFolderTest {
protected:
    CliGenerate() : TempFolderTest("cli_generate") {}
    static void SetUpTestSuite() {
        shared = new std::string(test::temp_dir("cli_generate_model"));
        test::write_two_class_folder(*shared + "/data", 5, 36);
        const auto t = test::run_cli("train --data " + *shared + "/data --resolution 32 --codes 16 --epochs 2 --batch-size 4 "
                                     "--init-images 4 -q --prior-components 0 --out " + *shared + "/run",
                                     *shared);
        ASSERT_EQ(t.status, 0) << t.err;
    }
    static void TearDownTestSuite() {
        fs::remove_all(*shared);
        delete shared;
    }
    [[nodiscard]] static std::string model() { return *shared + "/run/model.lidecm"; }
    test::CliRun run(const std::string& args) const { return test::run_cli(args, dir); }
    static std::string* shared;
};
std::string* CliGenerate::shared = nullptr;

TEST_F(CliGenerate, WritesAGridReproduciblyBySeed) {
    const auto a = run("generate --model " + model() + " -n 4 --seed 9 -o " + dir + "/a.png");
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_NE(a.out.find("4 image(s) of 32 x 32"), std::string::npos) << a.out;
    ASSERT_EQ(run("generate --model " + model() + " -n 4 --seed 9 -o " + dir + "/b.png").status, 0);
    ASSERT_EQ(run("generate --model " + model() + " -n 4 --seed 10 -o " + dir + "/c.png").status, 0);
    EXPECT_EQ(test::slurp(dir + "/a.png"), test::slurp(dir + "/b.png"));
    EXPECT_NE(test::slurp(dir + "/a.png"), test::slurp(dir + "/c.png"));
    const Image grid = load_image(dir + "/a.png");
    EXPECT_GT(grid.width, 2 * 32);  // two per class row, and the labels
    EXPECT_EQ(grid.channels, 3);
}

TEST_F(CliGenerate, WritesOneFilePerImageIntoAFolderOfTheAskedClass) {
    const auto r = run("generate --model " + model() + " --class TEXTURE -n 3 --size 48 --no-refine -o " + dir + "/out/");
    ASSERT_EQ(r.status, 0) << r.err;
    for (int i = 0; i < 3; ++i) {
        const Image im = load_image(dir + "/out/texture_" + std::to_string(i) + ".png");
        EXPECT_EQ(im.width, 48);
        EXPECT_EQ(im.height, 48);
    }
    EXPECT_FALSE(fs::exists(dir + "/out/texture_3.png"));
}

TEST_F(CliGenerate, PromptsMatchWordsOfClassNames) {
    const Model m = load_model(model());
    EXPECT_EQ(classes_for_prompt(m, "a Smooth sky"), std::vector<int>({0}));
    EXPECT_EQ(classes_for_prompt(m, "texture, smooth!"), std::vector<int>({0, 1}));
    EXPECT_EQ(class_named(m, "Texture"), 1);
    const auto r = run("generate --model " + model() + " --prompt \"a dog\" -o " + dir + "/x.png");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("smooth, texture"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/x.png"));
}

TEST_F(CliGenerate, ColdSamplingGivesTheSameImageWhateverTheSeed) {
    ASSERT_EQ(run("generate --model " + model() + " --class smooth -n 1 --temperature 1e-9 --seed 1 -o " + dir + "/a.png").status, 0);
    ASSERT_EQ(run("generate --model " + model() + " --class smooth -n 1 --temperature 1e-9 --seed 2 -o " + dir + "/b.png").status, 0);
    EXPECT_EQ(test::slurp(dir + "/a.png"), test::slurp(dir + "/b.png"));
}

TEST_F(CliGenerate, TheReportShowsSamplesPerClass) {
    const auto r = run("report " + *shared + "/run -o " + dir + "/r.html");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string html = test::slurp(dir + "/r.html");
    const auto at = html.find("Generated samples");
    ASSERT_NE(at, std::string::npos);
    EXPECT_NE(html.find("lidecm generate --model M -n 12", at), std::string::npos) << "6 per class, 2 classes";
    EXPECT_NE(html.find("alt=\"generated samples\" src=\"data:image/png;base64,", at), std::string::npos);
}

TEST_F(CliGenerate, EntropyCodedTokensAreSmallerAndDecodeToTheSameImage) {
    const std::string photo = *shared + "/data/texture/0.png";
    ASSERT_TRUE(fs::exists(photo));
    ASSERT_EQ(run("tokenize --model " + model() + " " + photo + " -o " + dir + "/fixed.tok").status, 0);
    const auto coded = run("tokenize --entropy --model " + model() + " " + photo + " -o " + dir + "/coded.tok");
    ASSERT_EQ(coded.status, 0) << coded.err;
    EXPECT_NE(coded.out.find("coded as class texture"), std::string::npos) << coded.out;
    EXPECT_LT(fs::file_size(dir + "/coded.tok"), fs::file_size(dir + "/fixed.tok"));
    const auto info = run("info " + dir + "/coded.tok");
    EXPECT_NE(info.out.find("stored: range-coded with a token prior"), std::string::npos) << info.out;
    const auto json = run("info --json " + dir + "/coded.tok");
    EXPECT_NE(json.out.find("\"coding\": \"token_prior\""), std::string::npos) << json.out;
    EXPECT_NE(run("info " + dir + "/fixed.tok").out.find("stored: 16 bits per token"), std::string::npos);
    for (const char* name : {"fixed", "coded"}) {
        const auto d = run("detokenize --model " + model() + " " + dir + "/" + name + ".tok -o " + dir + "/" + name + ".png");
        ASSERT_EQ(d.status, 0) << d.err;
    }
    EXPECT_EQ(test::slurp(dir + "/fixed.png"), test::slurp(dir + "/coded.png"));
}

TEST_F(CliGenerate, EntropyCodingNeedsThePriorAndRefusesDamagedFiles) {
    Model none = load_model(model());
    none.token_prior.reset();
    save_model(none, dir + "/none.lidecm");
    const std::string photo = *shared + "/data/smooth/0.png";
    const auto r = run("tokenize --entropy --model " + dir + "/none.lidecm " + photo + " -o " + dir + "/x.tok");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("--entropy: " + dir + "/none.lidecm has no token prior"), std::string::npos) << r.err;
    EXPECT_EQ(test::count_of(r.err, "\n"), 1u) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/x.tok"));

    ASSERT_EQ(run("tokenize --entropy --model " + model() + " " + photo + " -o " + dir + "/c.tok").status, 0);
    const auto no_prior = run("detokenize --model " + dir + "/none.lidecm " + dir + "/c.tok -o " + dir + "/x.png");
    EXPECT_EQ(no_prior.status, 1);
    EXPECT_NE(no_prior.err.find(dir + "/c.tok: coded with a token prior"), std::string::npos) << no_prior.err;
    const std::string bytes = test::slurp(dir + "/c.tok");
    std::ofstream(dir + "/cut.tok", std::ios::binary) << bytes.substr(0, bytes.size() - 5);
    const auto cut = run("detokenize --model " + model() + " " + dir + "/cut.tok -o " + dir + "/x.png");
    EXPECT_EQ(cut.status, 1);
    EXPECT_NE(cut.err.find(dir + "/cut.tok: truncated"), std::string::npos) << cut.err;
    EXPECT_EQ(test::count_of(cut.err, "\n"), 1u) << cut.err;
    EXPECT_FALSE(fs::exists(dir + "/x.png"));
}

TEST_F(CliGenerate, BadInputIsOneLineExitTwoAndNothingWritten) {
    // A model without a token prior: an older run's, or one trained with --no-token-prior.
    Model none = load_model(model());
    none.token_prior.reset();
    save_model(none, dir + "/none.lidecm");
    const std::pair<std::string, std::string> cases[] = {
        {"--class cats", "no class named 'cats'"},
        {"-n 0", "n: must be in [1, 10000]"},
        {"--temperature 0", "temperature"},
        {"--temperature -1", "temperature"},
        {"--top-k 0", "--top-k"},
        {"--top-k 17", "top-k: must be in [1, 16]"},
        {"--class smooth --prompt smooth", "excludes"},
    };
    for (const auto& [flags, says] : cases) {
        const auto r = run("generate --model " + model() + " " + flags + " -o " + dir + "/x.png");
        EXPECT_EQ(r.status, 2) << flags;
        EXPECT_NE(r.err.find(says), std::string::npos) << flags << ": " << r.err;
        EXPECT_EQ(test::count_of(r.err, "\n"), 1u) << flags << ": " << r.err;
    }
    const auto r = run("generate --model " + dir + "/none.lidecm -o " + dir + "/x.png");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find(dir + "/none.lidecm: has no token prior"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir + "/x.png"));
}

}  // namespace
}  // namespace lidecm
