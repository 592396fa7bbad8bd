"""pynn_glif3: the GLIF3 neuron with alpha synapses of the Billeh V1 model, on any PyNN simulator."""

from setuptools import find_packages, setup

setup(
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
    package_data={"pynn_glif3": ["native/**/*"]},
    install_requires=["numpy>=1.24", "h5py>=3.8"],
    extras_require={
        "pynn": ["pyNN>=0.12", "neo>=0.13"],
        "nest": ["pyNN>=0.12", "neo>=0.13", "nest-simulator>=3.10", "boost-headers", "cmake", "ninja"],
        "tf": ["tensorflow-cpu>=2.16"],
        "spinnaker": ["pyNN>=0.12", "neo>=0.13", "spynnaker"],
        "plots": ["matplotlib"],
        "test": ["pytest", "scipy"],
    },
    entry_points={"console_scripts": ["pynn-glif3=pynn_glif3.cli:main"]},
)
