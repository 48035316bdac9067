"""Build the optional C extension lineage._kernels; everything else is in pyproject.toml.

``optional=True``: without a C compiler the install still succeeds and
lineage.kernels runs its Python versions of the same loops (slower, same results);
tests/lineage/test_kernels.py installs it with a failing compiler to keep it so.
Where the extension is expected (CI, scripts/ci-pythons), REMIX_LEDGER_REQUIRE_KERNELS=1
makes a missing or unloadable build an ImportError instead.

The C code uses CPython's public C API only (no ``_Py`` functions, no struct
internals of ints), so that it builds and runs on every Python the project admits.
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
