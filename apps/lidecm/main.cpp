// lidecm command line. Exit status: 0 success, 1 a file could not be read or
// written (denoise of several files: at least one failed), 2 a bad flag or option
// value, 70 an internal error (a bug: please report).
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "lidecm/core/error.hpp"

int main(int argc, char** argv) {
    CLI::App app{
        "lidecm: self-tuning patch models of images.\n"
        "Learns patch codebooks, reconstructs images from tokens, and denoises by collaborative\n"
        "filtering of patch groups or by a patch-graph diffusion whose parameters a multi-head\n"
        "attention EM learner tunes online.\n"
        "Image arguments accept samples:NAME for a built-in sample (e.g. samples:astronaut).\n"
        "Exit status: 0 ok, 1 unreadable/unwritable file (denoise: or any of several files failed),\n"
        "2 bad flag or value, 70 internal error, 130 training interrupted (its state is saved; resume with `lidecm train --resume RUN_DIR`)."};
    app.require_subcommand(1);
    app.set_version_flag("--version", "lidecm 0.1.0");
    lidecm::cli::add_denoise_command(app);
    lidecm::cli::add_noise_command(app);
    lidecm::cli::add_train_command(app);
    lidecm::cli::add_tokenize_commands(app);
    lidecm::cli::add_info_command(app);
    lidecm::cli::add_report_command(app);
    lidecm::cli::add_generate_command(app);
    try {
        app.parse(argc, argv);
    } catch (const lidecm::cli::ExitStatus& e) {
        return e.code;
    } catch (const CLI::ParseError& e) {
        // Help and version go to stdout; every other parse error is one line.
        if (e.get_exit_code() == 0) return app.exit(e);
        std::fprintf(stderr, "lidecm: error: %s\n", e.what());
        return 2;
    } catch (const lidecm::InvalidArgument& e) {
        std::fprintf(stderr, "lidecm: error: %s\n", e.what());
        return 2;
    } catch (const lidecm::Error& e) {
        std::fprintf(stderr, "lidecm: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lidecm: internal error: %s\n", e.what());
        return 70;
    }
    return 0;
}
