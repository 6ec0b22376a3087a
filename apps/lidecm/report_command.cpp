// `lidecm report RUN_DIR`: the HTML report of a training run.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "lidecm/report/report.hpp"

namespace lidecm::cli {
namespace {

struct ReportFlags {
    std::string run_dir, output;
};

}  // namespace

void add_report_command(CLI::App& app) {
    auto f = std::make_shared<ReportFlags>();
    CLI::App* cmd = app.add_subcommand(
        "report", "Write a self-contained HTML report of a training run (charts, parameters, sample images)");
    cmd->add_option("run_dir", f->run_dir, "Run folder (holds model.lidecm and metrics.jsonl)")->required();
    cmd->add_option("-o,--output", f->output, "HTML file to write (default RUN_DIR/report.html)");
    cmd->callback([f] {
        const std::filesystem::path out = f->output.empty() ? std::filesystem::path(f->run_dir) / "report.html"
                                                            : std::filesystem::path(f->output);
        const RunReportSummary s = write_run_report(f->run_dir, out);
        std::printf("%s: %zu charts from %zu batch and %zu epoch lines%s; open it in a browser\n", out.c_str(),
                    s.charts, s.batches, s.epochs,
                    s.skipped_lines ? (", " + std::to_string(s.skipped_lines) + " malformed line(s) skipped").c_str() : "");
    });
}

}  // namespace lidecm::cli
