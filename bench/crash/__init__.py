"""The crash harness's parts; `python -m bench.crash_harness` runs it (see its docstring)."""
