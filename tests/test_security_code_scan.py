"""No code execution from content: scan engine/ and generators/ for calls that could run it.

Owns: an ``ast`` scan (not grep: comments and strings never trip it, aliases do) for eval/exec,
pickle-family imports, shells, ``trust_remote_code``, unsafe YAML and pickle-backed loaders.
Touches no engine module; it only reads source files.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from ast_names import dotted_name, qualified_names

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
SCANNED_PACKAGES = ("engine", "generators")

# Builtins that compile or run text as code.
FORBIDDEN_BUILTINS = frozenset({"eval", "exec", "compile", "__import__", "breakpoint"})
# Modules that deserialise objects by running constructors named in the data.
FORBIDDEN_MODULES = frozenset(
    {
        "pickle",
        "_pickle",
        "cPickle",
        "marshal",
        "shelve",
        "dill",
        "cloudpickle",
        "joblib",
        "jsonpickle",
    }
)
# Fully qualified calls that start programs or run code, whatever their arguments.
FORBIDDEN_CALLS = frozenset(
    {
        "os.system",
        "os.popen",
        "os.execv",
        "os.execve",
        "os.execl",
        "os.execlp",
        "os.execvp",
        "os.spawnl",
        "os.spawnv",
        "os.startfile",
        "yaml.load",
        "yaml.unsafe_load",
        "yaml.full_load",
        "yaml.load_all",
        "yaml.unsafe_load_all",
        "pandas.read_pickle",
        "numpy.lib.format.read_array",
        "code.interact",
        "runpy.run_path",
        "runpy.run_module",
    }
)
# Calls allowed only with a keyword argument set to a given constant.
REQUIRED_KEYWORDS = {
    "torch.load": ("weights_only", True),
    "numpy.load": ("allow_pickle", False),
}


def _is_true(node: ast.AST) -> bool:
    return not (isinstance(node, ast.Constant) and not node.value)


def scan_source(source: str, filename: str) -> list[str]:
    """Every forbidden construct in one module, as ``file:line: what``."""
    tree = ast.parse(source, filename)
    aliases = qualified_names(tree)
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_MODULES:
                    report(node, f"imports {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] in FORBIDDEN_MODULES:
                report(node, f"imports from {node.module}")
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_BUILTINS:
                if node.func.id not in aliases:  # a builtin, not an imported function of that name
                    report(node, f"calls {node.func.id}()")
            name = dotted_name(node.func, aliases)
            if name in FORBIDDEN_CALLS:
                report(node, f"calls {name}()")
            if name in REQUIRED_KEYWORDS:
                keyword_name, wanted = REQUIRED_KEYWORDS[name]
                given = next((k.value for k in node.keywords if k.arg == keyword_name), None)
                if not (isinstance(given, ast.Constant) and given.value is wanted):
                    report(node, f"calls {name}() without {keyword_name}={wanted}")
            for keyword in node.keywords:
                if keyword.arg == "shell" and _is_true(keyword.value):
                    report(node, "runs a shell (shell=True)")
                if keyword.arg == "trust_remote_code" and _is_true(keyword.value):
                    report(node, "passes trust_remote_code that is not False")
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "trust_remote_code"
                    and _is_true(value)
                ):
                    report(node, "builds trust_remote_code=True into a mapping")
    return found


def _source_files() -> list[Path]:
    return sorted(path for package in SCANNED_PACKAGES for path in (REPO / package).rglob("*.py"))


def test_the_scan_covers_the_packages() -> None:
    files = _source_files()
    assert len(files) >= 20, f"only {len(files)} files found under {SCANNED_PACKAGES}"
    assert REPO / "engine" / "rules" / "loading.py" in files


def test_no_code_execution_calls_in_engine_or_generators() -> None:
    problems: list[str] = []
    for path in _source_files():
        problems += scan_source(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))
    assert problems == [], "forbidden constructs:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("eval(text)", "calls eval()"),
        ("exec(text)", "calls exec()"),
        ("compile(text, 'f', 'exec')", "calls compile()"),
        ("__import__(name)", "calls __import__()"),
        ("import pickle", "imports pickle"),
        ("import marshal as m", "imports marshal"),
        ("from pickle import loads", "imports from pickle"),
        ("import os\nos.system('ls')", "calls os.system()"),
        ("from os import system as run\nrun('ls')", "calls os.system()"),
        ("import subprocess\nsubprocess.run(cmd, shell=True)", "runs a shell (shell=True)"),
        ("import subprocess\nsubprocess.run(cmd, shell=flag)", "runs a shell (shell=True)"),
        ("m.from_pretrained(p, trust_remote_code=True)", "passes trust_remote_code"),
        ("m.from_pretrained(p, **{'trust_remote_code': True})", "builds trust_remote_code"),
        ("kwargs = dict(a=1)\nopts = {'trust_remote_code': True}", "builds trust_remote_code"),
        ("import yaml\nyaml.load(text)", "calls yaml.load()"),
        ("import torch\ntorch.load(path)", "torch.load() without weights_only=True"),
        ("import numpy as np\nnp.load(path, allow_pickle=True)", "without allow_pickle=False"),
    ],
)
def test_scanner_finds_each_forbidden_construct(snippet: str, expected: str) -> None:
    found = scan_source(snippet, "snippet.py")
    assert len(found) == 1 and expected in found[0], found


@pytest.mark.parametrize(
    "snippet",
    [
        "model.eval()",  # torch's evaluation mode, a method
        "import re\nre.compile('x')",
        "m.from_pretrained(p, trust_remote_code=False)",
        "import subprocess\nsubprocess.run(['ffmpeg', '-i', path], check=True)",
        "import torch\ntorch.load(path, weights_only=True)",
        "import numpy as np\nnp.load(path, allow_pickle=False)",
        "# eval(text) in a comment\nx = 'exec(text) in a string'",
    ],
)
def test_scanner_allows_safe_lookalikes(snippet: str) -> None:
    assert scan_source(snippet, "snippet.py") == []
