"""The layering rule of docs/architecture.md, checked on the code, the templates and the labels.

Layers, top to bottom: website → qa → directory → taxonomy. A module may import from its own
layer or a lower one, never from a higher one; inside `website`, search ↛ pages/notifications and
pages ↛ notifications. Function-level imports count: they hide an arrow, they do not remove it.
The rule also holds where no import is visible: a template of a lower layer does not include a
template of a higher one, and lower-layer code does not name a higher app's models by string.

This file reads the sources only (ast and regular expressions); it needs no database.
"""

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("website", "qa", "directory", "taxonomy")
SKIPPED_DIRECTORIES = {"migrations", "__pycache__"}

# Rank of each layer: a module may import only from a rank lower than or equal to its own.
LAYER_RANK = {"taxonomy": 0, "directory": 1, "qa": 2, "website": 3}

# Inside the top layer, the sub-packages have an order of their own.
FORBIDDEN_INSIDE_WEBSITE = {
    "website.search": ("website.pages", "website.notifications", "website.needs"),
    "website.pages": ("website.notifications", "website.needs"),
    "website.notifications": ("website.needs",),
}

# App label → layer, for the model-label check (`"qa.Question"`, `"regulatoryupdatepage"`).
APP_LABEL_LAYER = {
    "taxonomy": "taxonomy",
    "directory": "directory",
    "qa": "qa",
    "agenda": "qa",
    "pages": "website",
    "search": "website",
    "notifications": "website",
    "proconnect": "website",
    "needs": "website",
}

# Template folder → layer. The folders at the root of templates/ (base.html, the error pages),
# `website/` and `email/` belong to the top layer; allauth's templates are the account pages of
# the directory.
TEMPLATE_FOLDER_LAYER = {
    "directory": "directory",
    "allauth": "directory",
    "qa": "qa",
    "pages": "website",
    "search": "website",
    "notifications": "website",
    "email": "website",
    "needs": "website",
    "website": "website",
}


def _module_name(path):
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def project_modules():
    """{module name: path} for every project .py file outside migrations."""
    modules = {}
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if SKIPPED_DIRECTORIES.isdisjoint(path.relative_to(ROOT).parts):
                modules[_module_name(path)] = path
    return modules


def _imported_names(path, module):
    """Every module imported by `path`, at any depth (functions and methods included)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            yield node.lineno, target
            # `from website.search import services` imports the module `services`.
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"


def _resolve(name, modules):
    """The project module `name` designates (itself or its closest parent), or None."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def import_graph():
    """{module: {imported project module: first line}} over the whole project."""
    modules = project_modules()
    graph = {}
    for module, path in modules.items():
        edges = {}
        for lineno, name in _imported_names(path, module):
            target = _resolve(name, modules)
            if target and target != module and not module.startswith(f"{target}."):
                edges.setdefault(target, lineno)
        graph[module] = edges
    return graph


def _layer(module):
    return module.split(".")[0]


def _website_subpackage(module):
    parts = module.split(".")
    if parts[0] != "website" or len(parts) < 2:
        return None
    candidate = f"website.{parts[1]}"
    return candidate if (ROOT / "website" / parts[1]).is_dir() else None


def layer_violations(graph):
    violations = []
    for module, edges in sorted(graph.items()):
        for target, lineno in sorted(edges.items()):
            where = f"{project_modules()[module].relative_to(ROOT)}:{lineno}"
            if LAYER_RANK[_layer(target)] > LAYER_RANK[_layer(module)]:
                violations.append(f"{where} {module} → {target} (a lower layer imports a higher)")
            source_package = _website_subpackage(module)
            for forbidden in FORBIDDEN_INSIDE_WEBSITE.get(source_package, ()):
                if target == forbidden or target.startswith(f"{forbidden}."):
                    violations.append(
                        f"{where} {module} → {target} ({source_package} ↛ {forbidden})"
                    )
    return violations


def find_cycles(graph):
    """Strongly connected components of more than one node (Tarjan), each sorted."""
    index, lowlink, on_stack, stack, components = {}, {}, set(), [], []

    def visit(node):
        index[node] = lowlink[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                lowlink[node] = min(lowlink[node], lowlink[target])
            elif target in on_stack:
                lowlink[node] = min(lowlink[node], index[target])
        if lowlink[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def website_package_graph(graph):
    """The import graph collapsed to website's sub-packages."""
    packages = {}
    for module, edges in graph.items():
        source = _website_subpackage(module)
        if source is None:
            continue
        for target in edges:
            destination = _website_subpackage(target)
            if destination and destination != source:
                packages.setdefault(source, {})[destination] = True
    return packages


def test_no_import_runs_from_a_lower_layer_to_a_higher_one():
    assert layer_violations(import_graph()) == []


def test_no_import_cycle_between_website_subpackages():
    assert find_cycles(website_package_graph(import_graph())) == []


def test_no_import_cycle_between_modules():
    """No circle at module level either, function-level imports included."""
    assert find_cycles(import_graph()) == []


INCLUDE = re.compile(r"""{%\s*include\s+["']([^"']+)["']""")


def _template_layer(relative):
    parts = Path(relative).parts
    if len(parts) == 1:
        return "website"
    return TEMPLATE_FOLDER_LAYER.get(parts[0], "website")


def template_violations():
    violations = []
    templates = ROOT / "templates"
    for path in sorted(templates.rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        relative = path.relative_to(templates)
        layer = _template_layer(relative)
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            for included in INCLUDE.findall(line):
                included_layer = _template_layer(included)
                if LAYER_RANK[included_layer] > LAYER_RANK[layer]:
                    violations.append(f"templates/{relative}:{lineno} includes {included}")
    return violations


def test_no_template_includes_a_template_of_a_higher_layer():
    assert template_violations() == []


@cache
def _model_names():
    """{app label: {model class name}} read from each app's models module (no Django setup)."""
    names = {}
    for path in project_modules().values():
        if path.name != "models.py":
            continue
        apps_file = path.with_name("apps.py")
        label = path.parent.name
        if apps_file.exists():
            match = re.search(r"""label\s*=\s*["'](\w+)["']""", apps_file.read_text())
            label = match.group(1) if match else label
        tree = ast.parse(path.read_text())
        names[label] = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    return names


def _label_patterns(layer):
    """Strings naming a model of a layer above `layer`: "label.Model", compound model names."""
    patterns = set()
    for label, classes in _model_names().items():
        if LAYER_RANK[APP_LABEL_LAYER.get(label, "website")] <= LAYER_RANK[layer]:
            continue
        for name in classes:
            patterns.add(f"{label}.{name}".lower())
            # A compound name ("RegulatoryUpdatePage") is unambiguous as a content-type model
            # name ("regulatoryupdatepage"); a single word ("Question") is ordinary prose.
            if len(re.findall(r"[A-Z][a-z]+", name)) > 1:
                patterns.add(name.lower())
    return patterns


def model_label_violations():
    violations = []
    for module, path in sorted(project_modules().items()):
        layer = _layer(module)
        patterns = _label_patterns(layer)
        if not patterns:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.lower() in patterns:
                    violations.append(
                        f"{path.relative_to(ROOT)}:{node.lineno} names {node.value!r}"
                    )
    for package, rules in FORBIDDEN_INSIDE_WEBSITE.items():
        forbidden_labels = {target.split(".")[1] for target in rules}
        patterns = {
            pattern
            for label in forbidden_labels
            for name in _model_names().get(label, ())
            for pattern in (f"{label}.{name}".lower(), name.lower())
            if "." in pattern or len(re.findall(r"[A-Z][a-z]+", name)) > 1
        }
        for module, path in sorted(project_modules().items()):
            if _website_subpackage(module) != package:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if node.value.lower() in patterns:
                        violations.append(
                            f"{path.relative_to(ROOT)}:{node.lineno} names {node.value!r}"
                        )
    return violations


def test_lower_layers_do_not_name_higher_models_by_string():
    assert model_label_violations() == []


# The Q&A views: one module per area (qa/views/__init__.py), none of them a second `views.py`.
VIEW_MODULE_MAX_LINES = 300


def long_modules(folder: Path, limit: int) -> list[str]:
    return [
        f"{folder.name}/{path.name}: {count} lines"
        for path in sorted(folder.glob("*.py"))
        if (count := len(path.read_text().splitlines())) >= limit
    ]


def test_every_qa_view_module_stays_under_300_lines():
    assert long_modules(ROOT / "qa" / "views", VIEW_MODULE_MAX_LINES) == []


# The checker itself: each rule fails on a bad arrow.


def test_the_import_rule_catches_a_lower_layer_importing_a_higher_one():
    graph = {"directory.views": {"qa.models": 3}, "qa.models": {}}
    modules = {
        "directory.views": ROOT / "directory/views.py",
        "qa.models": ROOT / "qa/models.py",
    }
    project_modules_cache = project_modules()
    assert set(modules) <= set(project_modules_cache)
    assert layer_violations(graph) == [
        "directory/views.py:3 directory.views → qa.models (a lower layer imports a higher)"
    ]


def test_the_import_rule_catches_search_importing_pages():
    graph = {"website.search.documents": {"website.pages.models": 9}}
    assert layer_violations(graph) == [
        "website/search/documents.py:9 website.search.documents → website.pages.models "
        "(website.search ↛ website.pages)"
    ]


def test_the_length_rule_names_a_long_module(tmp_path):
    (tmp_path / "short.py").write_text("x = 1\n" * 299)
    (tmp_path / "long.py").write_text("x = 1\n" * 300)
    assert [line.split(": ")[1] for line in long_modules(tmp_path, 300)] == ["300 lines"]


@pytest.mark.parametrize(
    "graph, expected",
    [
        ({"a": {"b": 1}, "b": {"a": 1}}, [["a", "b"]]),
        ({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}}, [["a", "b", "c"]]),
        ({"a": {"b": 1}, "b": {}}, []),
    ],
)
def test_the_cycle_finder(graph, expected):
    assert find_cycles(graph) == expected


def test_relative_and_function_level_imports_are_seen(tmp_path):
    source = tmp_path / "views.py"
    source.write_text("def view():\n    from ..models import Thing\n")
    names = {name for _, name in _imported_names(source, "qa.views.threads")}
    assert "qa.models" in names
    assert "qa.models.Thing" in names
