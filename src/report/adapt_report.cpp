// The report of one `lidecm denoise --adapt`: per-round parameters, attention and loss.
#include "lidecm/report/adapt_report.hpp"

#include "lidecm/report/svg_chart.hpp"
#include "report/page.hpp"

namespace lidecm {

using detail::chart;
using detail::fmt;

std::string adapt_report_html(const AdaptResult& result, const std::string& title) {
    detail::Page page(title);
    page.rows({{"noise sigma", fmt(result.noise_sigma * 255, 1) + " / 255" +
                                   (result.noise_sigma_estimated ? " (estimated)" : " (given)")},
               {"best round", std::to_string(result.best_iteration + 1) + " of " + std::to_string(result.iterations.size())},
               {"head scores", "texture " + fmt(result.features.texture, 3) + ", structure " +
                                   fmt(result.features.structure, 3) + ", colour " + fmt(result.features.color, 3) +
                                   ", spatial " + fmt(result.features.spatial, 3)},
               {"final status", "sigma " + result.status.sigma + ", tau " + result.status.tau}});
    ReportOptions r;
    auto series = [&](const std::string& name, auto f) {
        ChartSeries s{name, {}, {}, ""};
        for (std::size_t i = 0; i < result.iterations.size(); ++i) {
            s.x.push_back(double(i + 1));
            s.y.push_back(f(result.iterations[i]));
        }
        return s;
    };
    page.chart(line_chart_svg({series("sigma", [](const AdaptIteration& i) { return i.params.sigma; }),
                               series("tau", [](const AdaptIteration& i) { return i.params.tau; })},
                              chart("Parameters per round", "round", "value", r)),
               "The parameters each round denoised with.");
    page.chart(line_chart_svg({series("loss proxy", [](const AdaptIteration& i) { return i.loss; }),
                               series("recon", [](const AdaptIteration& i) { return i.recon; })},
                              chart("Loss per round", "round", "loss", r)),
               "recon = |MSE(denoised, noisy) − σ̂²|; the round with the lowest loss is kept.");
    page.chart(line_chart_svg({series("texture", [](const AdaptIteration& i) { return i.attention.texture; }),
                               series("structure", [](const AdaptIteration& i) { return i.attention.structure; }),
                               series("colour", [](const AdaptIteration& i) { return i.attention.color; }),
                               series("spatial", [](const AdaptIteration& i) { return i.attention.spatial; })},
                              chart("Attention per round", "round", "weight", r)),
               "Attention weights used by each round's update.");
    return page.str();
}

}  // namespace lidecm
