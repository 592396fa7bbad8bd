"""pynn_glif3: the GLIF3 neuron with alpha synapses of the Billeh V1 model, on any PyNN simulator."""

import os
from pathlib import Path
import shutil
import subprocess
import sys

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_native(build_py):
    """Ship ``native/`` (the native models' sources) inside the package as ``pynn_glif3/native``,
    and build the NEST module into the user's cache when NEST is installed."""

    def run(self):
        super().run()
        source = HERE / "native"
        if source.is_dir():
            shutil.copytree(source, Path(self.build_lib) / "pynn_glif3" / "native", dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("build*", "*.o", "*.so", "__pycache__"))
        self._build_nest_module()

    @staticmethod
    def _build_nest_module():
        """Best effort: on failure (or without NEST) the module is built on first use instead.

        pip builds in an isolated environment that hides the target environment's packages;
        ``python -I`` ignores the variables that set up that isolation, so the subprocess sees
        the target environment, and its NEST, again.  PYNN_GLIF3_SKIP_NEST_BUILD=1 skips this.
        """
        script = HERE / "pynn_glif3" / "backends" / "nest" / "build.py"
        if os.environ.get("PYNN_GLIF3_SKIP_NEST_BUILD") or not script.is_file():
            return
        has_nest = "import importlib.util, sys; sys.exit(importlib.util.find_spec('nest') is None)"
        probe = subprocess.run([sys.executable, "-I", "-c", has_nest])
        if probe.returncode != 0:
            print("pynn_glif3: NEST is not installed; its module will be built on first use")
            return
        if subprocess.run([sys.executable, "-I", str(script)]).returncode != 0:
            print("pynn_glif3: building the NEST module failed (see above); it will be retried on "
                  "first use, or run `python -m pynn_glif3 build-nest`")


setup(
    cmdclass={"build_py": build_py_with_native},
    name="pynn_glif3",
    version="0.1.0",
    description="One GLIF3Alpha cell type for PyNN with native NEST, SpiNNaker and GeNN models, "
                "reproducing TensorFlow-trained V1 networks spike for spike",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["pynn_glif3", "pynn_glif3.*"]),
    include_package_data=True,
    package_data={"pynn_glif3": ["native/**/*", "bundled/*.h5", "bundled/*.json"]},
    install_requires=["numpy>=1.24", "h5py>=3.8", "tqdm>=4.60"],
    extras_require={
        # nixio: the V1 job writes its neo results in NIX
        "pynn": ["pyNN>=0.12", "neo>=0.13", "nixio>=1.5"],
        "nest": ["pyNN>=0.12", "neo>=0.13", "nixio>=1.5", "nest-simulator>=3.10", "boost-headers",
                 "cmake", "ninja"],
        "tf": ["tensorflow-cpu>=2.16"],
        # the glif3_alpha mechanism is compiled with NEURON's nrnivmodl (tested: NEURON 9.0.0 with
        # numpy 2.2.3, which 9.0.0 pins, and 9.0.2 with numpy 2.4)
        "neuron": ["pyNN>=0.12", "neo>=0.13", "nixio>=1.5", "neuron>=9.0"],
        "spinnaker": ["pyNN>=0.12", "neo>=0.13", "nixio>=1.5", "spynnaker"],
        # Brian2 2.9.0, the newest for Python 3.11, calls ndarray.ptp, which NumPy 2.4 removed
        "brian2": ["pyNN>=0.12", "neo>=0.13", "nixio>=1.5", "brian2>=2.9",
                   "numpy<2.4; python_version<'3.12'"],
        "plots": ["matplotlib"],
        "digits": ["scikit-learn"],
        "test": ["pytest", "scipy", "scikit-learn"],
    },
    entry_points={"console_scripts": ["pynn-glif3=pynn_glif3.cli:main"]},
)
