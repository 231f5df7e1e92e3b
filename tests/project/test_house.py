"""The house size rules hold for the package (bench/house.py measures them and says where they break)."""

from __future__ import annotations

import ast
from pathlib import Path

from bench.error_codes import catalog_codes, literal_codes
from bench.house import MAX_FUNCTION_LINES, MAX_MODULE_LINES, measure, toolless_modules
from bench.layers import import_cycles, imports, wrong_way_imports


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


def files_in(folder: Path, files: dict[str, str]) -> Path:
    """`folder` holding `files` (relative path -> text), folders made as needed."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


# ------------------------------------------------------------------------------------------- error codes

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "sync_mcp"


def test_error_codes_with_a_constant_are_spelled_only_in_it() -> None:
    assert catalog_codes(), "the error catalog was not read"
    assert not literal_codes(), "\n".join(literal_codes())


def test_a_spelled_out_code_is_reported_with_where_it_is(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "codes.py": 'CODE = "generation_not_found"\n',
            "use.py": 'def f() -> str:\n    return "generation_not_found"\n',
            "again.py": 'OTHER = "generation_not_found"\n',
            "local.py": 'MINE_CODE = "my_own_code"\n',
            "uses_local.py": 'X = {"errorCode": "my_own_code"}\n',
        },
    )
    assert literal_codes(package) == [
        "generation_not_found is named by again.py:OTHER, codes.py:CODE",
        "use.py:2 spells 'generation_not_found'; use again.py:OTHER",
        "uses_local.py:1 spells 'my_own_code'; use local.py:MINE_CODE",
    ]


# ------------------------------------------------------------------------------------------------ layers
# The rules themselves (which layer may import which, what counts as a cycle, what defines a tool) are read by
# bench/layers.py and bench/house.py, which `python -m bench --only house` prints; their own tests (each rule
# catching a planted breach) are in tests/project/test_bench_harness.py. Here: the package keeps them, with no
# exception.


def test_imports_run_downward_only() -> None:
    assert imports(), "the package was not read"
    wrong = wrong_way_imports()
    assert not wrong, "\n".join(wrong)


def test_no_modules_import_each_other() -> None:
    """Imports under TYPE_CHECKING count: a cycle hidden from the interpreter is still one for a reader."""
    cycles = import_cycles()
    assert not cycles, "\n".join(" <-> ".join(group) for group in cycles)


# ------------------------------------------------------------------------------------ refusals' words

REFUSAL = "InputError"
"""The exception of an argument refused before anything is sent: built, words and all, in `guidance/` only."""


def outside_guidance(package: Path) -> list[tuple[str, ast.Module]]:
    """Every module of `package` outside `guidance/`, parsed: (its path in the package, its tree)."""
    modules = ((path.relative_to(package).as_posix(), path) for path in sorted(package.rglob("*.py")))
    return [(where, ast.parse(path.read_text())) for where, path in modules if not where.startswith("guidance/")]


def names_of(tree: ast.Module, name: str) -> set[str]:
    """`name` and every name a module imports it as (`from x import name as other`)."""
    return {name} | {
        alias.asname
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name == name and alias.asname
    }


def named(node: ast.expr) -> str | None:
    """The name a call or a base class is given by: `InputError` for `InputError` and `errors.InputError`."""
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def refusals_worded_outside_guidance(package: Path = PACKAGE) -> list[str]:
    """Where a module outside `guidance/` builds a refusal (calls `InputError`, under any name it is imported as,
    or subclasses it), as `file:line`."""
    found: list[tuple[str, int]] = []
    for where, tree in outside_guidance(package):
        names = names_of(tree, REFUSAL)
        for node in ast.walk(tree):
            called = [node.func] if isinstance(node, ast.Call) else []
            bases = node.bases if isinstance(node, ast.ClassDef) else []
            found += [(where, node.lineno) for n in [*called, *bases] if named(n) in names]
    return [f"{where}:{line}" for where, line in sorted(found)]


def test_refusals_are_worded_in_guidance_only() -> None:
    """Every refusal's message and fix come from `guidance/` (`refusals.py`, `file_refusals.py`): a raise site
    names the situation (`raise refusals.no_visual()`), never writes the words itself."""
    assert (PACKAGE / "guidance" / "refusals.py").exists(), "the refusals moved: update this rule"
    assert not refusals_worded_outside_guidance(), "\n".join(refusals_worded_outside_guidance())


def test_a_refusal_worded_outside_guidance_is_reported(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "guidance/refusals.py": "def no_visual() -> InputError:\n    return InputError('c', 'm', 'f')\n",
            "services/body.py": "def f() -> None:\n    raise InputError('c', 'm', 'f')\n",
            "tools/tool.py": "from sync_mcp.guidance import errors\nERROR = errors.InputError('c', 'm', 'f')\n",
            "tools/renamed.py": "from x import InputError as Refused\nERROR = Refused('c', 'm', 'f')\n",
            "toolkit/own.py": "class Mine(InputError):\n    pass\n",
            "toolkit/caught.py": "try:\n    pass\nexcept InputError:\n    raise\n",
        },
    )
    assert refusals_worded_outside_guidance(package) == [
        "services/body.py:2",
        "toolkit/own.py:1",
        "tools/renamed.py:2",
        "tools/tool.py:2",
    ]


# ------------------------------------------------------------------------------- error objects' words

ERROR_OBJECT = "ErrorInfo"
"""The error object the agent reads (`{errorCode, ..., message, fix}`): built, words and all, in `guidance/` only."""
WORDED_FIELDS = {"message", "fix"}
COPIES = {"model_copy", "model_validate"}
"""Ways to make an error object from another (or from a dict): fine with the facts, not with new words."""


def error_objects_worded_outside_guidance(package: Path = PACKAGE) -> list[str]:
    """Where a module outside `guidance/` builds an error object: calls `ErrorInfo` (under any name it is imported
    as, or `ErrorInfo.model_construct`), subclasses it, or copies or validates one given a message or fix that
    writes words (`info.model_copy(update={"message": f"..."})`), as `file:line`."""
    found: list[tuple[str, int]] = []
    for where, tree in outside_guidance(package):
        names = names_of(tree, ERROR_OBJECT)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(named(base) in names for base in node.bases):
                found.append((where, node.lineno))
            elif isinstance(node, ast.Call) and _builds_words(node, names):
                found.append((where, node.lineno))
    return [f"{where}:{line}" for where, line in sorted(found)]


def _builds_words(call: ast.Call, names: set[str]) -> bool:
    func = call.func
    if named(func) in names:
        return True
    if not isinstance(func, ast.Attribute):
        return False
    if func.attr == "model_construct" and named(func.value) in names:
        return True
    given = [*call.args, *(k.value for k in call.keywords)]
    return func.attr in COPIES and any(
        isinstance(key, ast.Constant) and key.value in WORDED_FIELDS and writes_words(value)
        for d in given
        if isinstance(d, ast.Dict)
        for key, value in zip(d.keys, d.values, strict=True)
    )


def test_error_objects_are_worded_in_guidance_only() -> None:
    """Every error the agent reads is worded in `guidance/` (the refusals, `failures.py` for downloads and the
    server's own faults, `catalog.py` and `errors.explain` for the API's): a module elsewhere names the situation
    (`raise DownloadFailed(failures.download_timed_out(gid, seconds))`), or passes an error on as it is."""
    assert (PACKAGE / "guidance" / "failures.py").exists(), "the failures moved: update this rule"
    worded = error_objects_worded_outside_guidance()
    assert not worded, "\n".join(worded)


def test_an_error_object_worded_outside_guidance_is_reported(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "guidance/failures.py": "def crashed() -> ErrorInfo:\n    return ErrorInfo(errorCode='c', message='m')\n",
            "services/built.py": "def f() -> None:\n    raise Failed(ErrorInfo(errorCode='c', message='m', fix='f'))\n",
            "toolkit/module.py": "from sync_mcp.guidance import errors\nERROR = errors.ErrorInfo(errorCode='c')\n",
            "tools/renamed.py": "from x import ErrorInfo as Info\nERROR = Info(errorCode='c')\n",
            "server/own.py": "class Mine(ErrorInfo):\n    pass\n",
            "server/constructed.py": "ERROR = ErrorInfo.model_construct(error_code='c')\n",
            "tools/reworded.py": "e = error.model_copy(\n    update={'message': f'Not created. {error.message}'},\n)\n",
            "tools/fix.py": "e = ErrorInfo.model_validate({'errorCode': 'c', 'fix': 'Call ' + tool})\n",
            "tools/passed_on.py": (
                "from x import ErrorInfo\n"
                "def f(error: ErrorInfo, data: dict) -> ErrorInfo:\n"
                "    ErrorInfo.model_validate(data)\n"
                "    return error.model_copy(update={'message': message, 'field': 'output_name'})\n"
            ),
            "tools/caught.py": "try:\n    pass\nexcept ErrorInfo:\n    raise\n",
        },
    )
    assert error_objects_worded_outside_guidance(package) == [
        "server/constructed.py:1",
        "server/own.py:1",
        "services/built.py:2",
        "toolkit/module.py:2",
        "tools/fix.py:1",
        "tools/renamed.py:2",
        "tools/reworded.py:1",
    ]


# ------------------------------------------------------------------------------------------ tools hold tools

COMPOSITION = "tools/toolsets.py"


def test_every_module_under_tools_defines_a_tool() -> None:
    assert (PACKAGE / COMPOSITION).exists(), "the composition moved: update COMPOSITION"
    assert toolless_modules() == [COMPOSITION]


# ------------------------------------------------------------------------------------ private SDK parts

PRIVATE_SDK_DOORS = {"src/sync_mcp/sdk_internals.py", "tests/http_support.py"}
"""The only modules that import the `mcp` SDK's private modules (`mcp.…._name`), each access wrapped there."""


def private_sdk_imports(root: Path = PACKAGE.parent.parent) -> list[str]:
    """Imports of a private `mcp` module outside the doors, as `file:line module`."""
    found = []
    for folder in ("src", "tests"):
        for path in sorted((root / folder).rglob("*.py")):
            where = path.relative_to(root).as_posix()
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                for name in names:
                    private = name.split(".")[0] == "mcp" and any(part.startswith("_") for part in name.split("."))
                    if private and where not in PRIVATE_SDK_DOORS:
                        found.append(f"{where}:{node.lineno} {name}")
    return found


def test_private_sdk_modules_are_imported_only_through_their_doors() -> None:
    assert not private_sdk_imports(), "\n".join(private_sdk_imports())


def test_a_private_sdk_import_is_reported(tmp_path: Path) -> None:
    files_in(
        tmp_path,
        {"src/ok.py": "import mcp\n", "tests/test_x.py": "import mcp.types\nfrom mcp.shared._httpx_utils import f\n"},
    )
    assert private_sdk_imports(tmp_path) == ["tests/test_x.py:2 mcp.shared._httpx_utils"]


# ------------------------------------------------------------------------------ next steps are worded in guidance

NEXT_STEP = {"next_step", "nextStep"}
"""The names a result's next step goes by: the attribute or variable, the keyword, the JSON key."""


def next_steps_set(package: Path = PACKAGE) -> list[tuple[str, ast.expr]]:
    """Every value given as a next step outside `guidance/` (assigned to `next_step`, passed as the `nextStep` or
    `next_step` keyword, or under that dict key), with where: `module:line`."""
    found: list[tuple[tuple[str, int], ast.expr]] = []
    for module, tree in outside_guidance(package):
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [
                    t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else "" for t in targets
                ]
                values += [node.value] if NEXT_STEP & set(names) else []
            elif isinstance(node, ast.Call):
                values += [k.value for k in node.keywords if k.arg in NEXT_STEP]
            elif isinstance(node, ast.Dict):
                keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
                values += [v for k, v in zip(keys, node.values, strict=True) if k in NEXT_STEP]
            found += [((module, value.lineno), value) for value in values]
    return [(f"{module}:{line}", value) for (module, line), value in sorted(found, key=lambda item: item[0])]


def writes_words(value: ast.expr) -> bool:
    """Is a string or f-string part of `value` (alone, or joined as in `"a" + b`, `" ".join(parts)`)? A call's
    arguments are the facts it is given, not words."""
    stack: list[ast.AST] = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return True
        stack.extend([node.func] if isinstance(node, ast.Call) else ast.iter_child_nodes(node))
    return False


def next_steps_worded_outside_guidance(package: Path = PACKAGE) -> list[str]:
    return [
        f"{where} words a next step; word it in guidance/steps.py"
        for where, v in next_steps_set(package)
        if writes_words(v)
    ]


def test_next_steps_are_worded_only_in_guidance() -> None:
    assert next_steps_set(), "no next step was found: the package was not read"
    worded = next_steps_worded_outside_guidance()
    assert not worded, "\n".join(worded)


def test_a_next_step_worded_in_a_tool_is_reported(tmp_path: Path) -> None:
    package = files_in(
        tmp_path / "pkg",
        {
            "guidance/steps.py": 'def done(x: str) -> str:\n    return f"Done: {x}."\n\n\nX = {"nextStep": "here"}\n',
            "tools/fine.py": 'R(nextStep=steps.done("id"))\nnext_step = steps.done(x)\nresult.next_step = step\n',
            "tools/attribute.py": 'result.next_step = "Call get_generation."\n',
            "tools/keyword.py": 'R(\n    nextStep=f"Call {x}.",\n)\n',
            "tools/key.py": 'd = {"nextStep": "Call x."}\n',
            "tools/added.py": 'next_step = steps.done(x)\nnext_step += " More."\n',
            "tools/joined.py": 'R(next_step=why + steps.done(x))\nR(next_step=" ".join(parts))\n',
            "tools/typed.py": 'next_step: str = "Call x." if a else steps.done(x)\n',
        },
    )
    assert len(next_steps_set(package)) == 11
    assert next_steps_worded_outside_guidance(package) == [
        f"{where} words a next step; word it in guidance/steps.py"
        for where in (
            "tools/added.py:2",
            "tools/attribute.py:1",
            "tools/joined.py:2",
            "tools/key.py:1",
            "tools/keyword.py:2",
            "tools/typed.py:1",
        )
    ]
