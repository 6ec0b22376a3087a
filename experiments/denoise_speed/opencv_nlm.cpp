// The baseline of issue #23's speed target as a whole process, timed the same way as
// `lidecm denoise`: read a PNG, OpenCV's fastNlMeansDenoisingColored (grey files:
// fastNlMeansDenoising) told h = σ with its default 7/21 windows, write a PNG.
//
//   opencv_nlm IN.png OUT.png SIGMA_0_255
#include <cstdio>
#include <cstdlib>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/photo.hpp>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: opencv_nlm IN.png OUT.png SIGMA_0_255\n");
        return 2;
    }
    const cv::Mat in = cv::imread(argv[1], cv::IMREAD_UNCHANGED);
    if (in.empty()) {
        std::fprintf(stderr, "opencv_nlm: %s: cannot read the image\n", argv[1]);
        return 1;
    }
    const float h = std::strtof(argv[3], nullptr);
    cv::Mat out;
    if (in.channels() == 1) {
        cv::fastNlMeansDenoising(in, out, h);
    } else {
        cv::fastNlMeansDenoisingColored(in, out, h, h);
    }
    if (!cv::imwrite(argv[2], out)) {
        std::fprintf(stderr, "opencv_nlm: %s: cannot write the image\n", argv[2]);
        return 1;
    }
    return 0;
}
