"""Build the optional C extension lineage._kernels; everything else is in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and
lineage.kernels runs its Python versions of the same loops (slower, same results).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "lineage._kernels",
            ["lineage/_kernels.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
