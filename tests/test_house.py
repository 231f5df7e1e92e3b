"""The house size rules hold for the package (bench/house.py measures them and says where they break)."""

from __future__ import annotations

from pathlib import Path

from bench.house import MAX_FUNCTION_LINES, MAX_MODULE_LINES, measure


def test_modules_and_functions_stay_within_the_house_limits() -> None:
    sizes = measure()
    assert sizes.longest_module[1] > 0 and sizes.longest_function[1] > 0, "the package was not read"
    assert not sizes.breaches, "\n".join(sizes.breaches)


def test_a_breach_is_reported_with_where_it_is(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    body = "\n".join(f"    x{n} = {n}" for n in range(MAX_FUNCTION_LINES))
    (package / "long.py").write_text('"""A module."""\n\n\ndef long() -> None:\n' + body + "\n")
    (package / "big.py").write_text('"""Big."""\n' + "y = 1\n" * MAX_MODULE_LINES)
    (package / "said.py").write_text('"""Over 400 lines on purpose: one table."""\n' + "y = 1\n" * MAX_MODULE_LINES)
    sizes = measure(package)
    assert sizes.breaches == [
        f"pkg/big.py: {MAX_MODULE_LINES + 1} lines, and its docstring does not say why",
        f"pkg/long.py:4 long: {MAX_FUNCTION_LINES + 1} lines",
    ]
