"""Builds the compiled module lidecm._lidecm with the project's CMake (see pyproject.toml).

`python3 -m pip install --no-build-isolation .` configures a build folder (LIDECM_BUILD_DIR,
default build-python/) with the Python module on and tests and benchmarks off, builds the
target lidecm_python and copies the module into the wheel. A build folder that is already
configured (make python passes make's build/) is built as it is, without reconfiguring.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build = Path(os.environ.get("LIDECM_BUILD_DIR", ROOT / "build-python")).resolve()
        if not (build / "CMakeCache.txt").exists():
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), *generator, "-DCMAKE_BUILD_TYPE=Release",
                            "-DLIDECM_BUILD_PYTHON=ON", "-DLIDECM_BUILD_TESTS=OFF", "-DLIDECM_BUILD_BENCH=OFF",
                            f"-DPython_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "lidecm_python"], check=True)
        built = sorted((build / "python" / "lidecm").glob("_lidecm*.so"))
        if not built:
            raise RuntimeError(f"{build}: the build made no _lidecm module (is LIDECM_BUILD_PYTHON on?)")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


# setuptools would otherwise put its own build/ folder inside CMake's.
setup(ext_modules=[Extension("lidecm._lidecm", sources=[])], cmdclass={"build_ext": CMakeBuild},
      options={"build": {"build_base": "build-python/setuptools"}})
