"""House rules: the layering and hygiene rules that keep Showcase's apps apart, checked by reading the source.

Run `python -m tools.house_rules [ROOT]`; one line per breach, exit status 1 if any. Stdlib only, so it runs
before (and without) the project's dependencies.
"""

from __future__ import annotations

import ast
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

FEATURES = frozenset({"accounts", "presenters", "events", "notices"})
TOP_SKIP = frozenset({"tests", "bench", "tools", "var"})  # only at ROOT: a sub-package may be called `tools`
ANY_SKIP = frozenset({".venv", "node_modules", "piccolo_migrations", "__pycache__"})  # and every hidden folder
ENV_NAMES = frozenset({"environ", "environb", "getenv", "putenv", "unsetenv"})
NOTICES_OPEN = frozenset({"notices.queries", "notices.rules"})  # what other features may use of notices
ENTRY_POINTS = frozenset({"app", "manage", "piccolo_conf", "settings", "demo"})
NOQA = re.compile(r"#\s*noqa:[^#]*\bPLC0415\b[^#]*?--(?P<reason>.*)")
RULES = {
    "HR1": "a rules module imports only the standard library",
    "HR2": "a queries module imports neither litestar nor web",
    "HR3": "a controller imports no tables module and no other feature's controller",
    "HR4": (
        "presenters import no events; accounts import neither presenters nor events; notices import neither"
        " presenters nor events nor accounts' controllers; of notices, others import only its queries and rules"
    ),
    "HR5": "core imports no feature, web nor litestar; web imports no feature",
    "HR6": "only settings.py reads the environment",
    "HR7": "settings are built only at entry points",
    "HR8": "no patching of another module's globals",
    "HR9": "an import inside a function states why (# noqa: PLC0415 -- reason)",
}


@dataclass(frozen=True, order=True)
class Breach:
    """One broken rule at one place; sorted by path then line."""

    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule} {self.message}"


@dataclass(frozen=True)
class Module:
    """A project module: its dotted name and where it lives."""

    name: str
    rel: Path

    @property
    def package(self) -> str:
        """The package that relative imports start from."""
        return self.name if self.rel.name == "__init__.py" else self.name.rpartition(".")[0]

    @property
    def feature(self) -> tuple[str, str | None] | None:
        """(app, sub-folder) for a module of a feature app; sub-folder None for the app's shared modules."""
        dirs = self.rel.parent.parts
        if not dirs or dirs[0] not in FEATURES:
            return None
        return dirs[0], dirs[1] if len(dirs) > 1 else None

    @property
    def is_controller(self) -> bool:
        return self.rel.name in ("controllers.py", "api.py") or "controllers" in self.rel.parent.parts


def find_modules(root: Path) -> dict[str, Module]:
    """Every project module under root, by dotted name, skipping the folders that are not the service."""
    found: dict[str, Module] = {}

    def walk(folder: Path, depth: int) -> None:
        for entry in sorted(folder.iterdir()):
            if entry.is_dir():
                skip = entry.name.startswith(".") or entry.name in ANY_SKIP or (depth == 0 and entry.name in TOP_SKIP)
                if not skip:
                    walk(entry, depth + 1)
            elif entry.suffix == ".py" and not entry.name.startswith("."):
                rel = entry.relative_to(root)
                parts = rel.with_suffix("").parts
                name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
                if name:
                    found[name] = Module(name, rel)

    walk(root, 0)
    return found


def within(name: str, *packages: str) -> bool:  # a package or anything inside it
    return any(name == p or name.startswith(p + ".") for p in packages)


def function_depth_imports(tree: ast.Module) -> set[int]:
    """ids of import nodes that sit inside a def, async def or lambda (at any depth)."""
    inner: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner.update(id(n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom)))
    return inner


def comments(path: Path) -> dict[int, str]:
    """The comment on each line, read with tokenize so a `#` inside a string is not one."""
    with path.open("rb") as f:
        return {t.start[0]: t.string for t in tokenize.tokenize(f.readline) if t.type == tokenize.COMMENT}


class ModuleChecker:
    """Checks one module against every rule."""

    def __init__(self, module: Module, modules: dict[str, Module]) -> None:
        self.module, self.modules = module, modules
        self.breaches: list[Breach] = []
        self.bound: dict[str, str] = {}  # local name -> project module it was bound to by an import

    def add(self, node: ast.AST, rule: str, message: str) -> None:
        self.breaches.append(Breach(self.module.rel.as_posix(), getattr(node, "lineno", 1), rule, message))

    def resolve(self, node: ast.Import | ast.ImportFrom) -> list[tuple[str, str | None, str]]:
        """(module imported, name bound or None, project module bound to the name or '') for each alias."""
        out: list[tuple[str, str | None, str]] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.partition(".")[0]
                target = alias.name if alias.asname else top
                out.append((alias.name, alias.asname or top, target if target in self.modules else ""))
            return out
        base = node.module or ""
        if node.level:
            pkg = self.module.package.split(".") if self.module.package else []
            base = ".".join([*pkg[: len(pkg) - node.level + 1], *([node.module] if node.module else [])])
        for alias in node.names:
            full = f"{base}.{alias.name}" if base else alias.name
            is_module = full in self.modules
            out.append((full if is_module else base, alias.asname or alias.name, full if is_module else ""))
        return out

    def run(self, tree: ast.Module, noted: dict[int, str]) -> list[Breach]:
        inner = function_depth_imports(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for imported, bound, target in self.resolve(node):
                    self.check_import(node, imported, relative=isinstance(node, ast.ImportFrom) and node.level > 0)
                    if bound and target:
                        self.bound[bound] = target
                if id(node) in inner:
                    match = NOQA.search(noted.get(node.lineno, ""))
                    if not match or len(re.findall(r"[^\W\d_][\w'-]*", match["reason"])) < 2:
                        self.add(node, "HR9", "import inside a function without '# noqa: PLC0415 -- <reason>'")
                from_os = isinstance(node, ast.ImportFrom) and (node.level, node.module) == (0, "os")
                for alias in node.names if from_os and self.module.name != "settings" else []:
                    if alias.name in ENV_NAMES:
                        self.add(node, "HR6", f"'from os import {alias.name}' outside settings.py")
        self.check_body(tree)
        return self.breaches

    def check_import(self, node: ast.AST, imported: str, relative: bool) -> None:
        """The import rules (HR1-HR5) for one imported module."""
        me = self.module
        if me.rel.name == "rules.py":
            project = relative or imported.partition(".")[0] in {m.partition(".")[0] for m in self.modules}
            if project or imported.partition(".")[0] not in sys.stdlib_module_names:
                self.add(node, "HR1", f"rules module imports {imported or '.'}: only the standard library is allowed")
        if me.rel.name == "queries.py" and within(imported, "litestar", "web"):
            self.add(node, "HR2", f"queries module imports {imported}")
        if me.is_controller:
            other = self.modules.get(imported)
            if imported.rpartition(".")[2] == "tables":
                self.add(node, "HR3", f"controller imports tables module {imported}")
            elif other and other.is_controller and other.feature != me.feature:
                self.add(node, "HR3", f"controller imports {imported}, a controller of another feature")
        banned = {
            "presenters": ("events",),
            "accounts": ("presenters", "events"),
            "notices": ("presenters", "events", "accounts.controllers"),
            "core": (*FEATURES, "web", "litestar"),
            "web": tuple(FEATURES),
        }
        app = me.name.partition(".")[0]
        if app in banned and within(imported, *banned[app]):
            self.add(node, "HR5" if app in ("core", "web") else "HR4", f"{app} imports {imported}")
        elif app in ("presenters", "events") and within(imported, "notices") and imported not in NOTICES_OPEN:
            self.add(node, "HR4", f"{app} imports {imported}: of notices, only notices.queries (to enqueue) and rules")

    def dotted(self, node: ast.expr) -> str | None:
        """The project module an expression names (`qr`, `events.handouts`), through names bound by imports."""
        if isinstance(node, ast.Name):
            return self.bound.get(node.id)
        if isinstance(node, ast.Attribute) and (base := self.dotted(node.value)):
            return f"{base}.{node.attr}"
        return None

    def patched(self, target: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.patched(elt)
        elif isinstance(target, ast.Starred):
            self.patched(target.value)
        elif isinstance(target, ast.Attribute) and (owner := self.dotted(target.value)) in self.modules:
            self.add(target, "HR8", f"assigns {owner}.{target.attr}: patches another module's global")

    def check_body(self, tree: ast.Module) -> None:
        """The rules about what the code does: environment (HR6), settings (HR7), patching (HR8)."""
        aliases = [a for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        os_names = {a.asname or "os" for a in aliases if a.name == "os"} | {
            "os" for a in aliases if a.name.startswith("os.") and not a.asname
        }  # `import os.path` binds os too
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and self.module.name != "settings":
                if node.attr in ENV_NAMES and isinstance(node.value, ast.Name) and node.value.id in os_names:
                    self.add(node, "HR6", f"os.{node.attr} outside settings.py")
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if isinstance(func, ast.Attribute) and name == "from_env":
                    owner = func.value
                    name = "Settings.from_env" if getattr(owner, "id", getattr(owner, "attr", "")) == "Settings" else ""
                if name in ("Settings", "Settings.from_env", "get_settings") and self.module.name not in ENTRY_POINTS:
                    self.add(node, "HR7", f"{name}() outside an entry point")
                if name == "setattr" and isinstance(func, ast.Name) and node.args:
                    module_name = self.dotted(node.args[0])
                    if module_name is not None and module_name in self.modules:
                        self.add(node, "HR8", f"setattr on module {module_name}: patches another module's global")
            elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    self.patched(target)


def check(root: Path) -> list[Breach]:
    """Every breach of the house rules in the project under root, sorted by place."""
    root = Path(root)
    modules = find_modules(root)
    breaches: list[Breach] = []
    for module in modules.values():
        path = root / module.rel
        try:
            tree = ast.parse(path.read_bytes(), filename=str(path))
            noted = comments(path)
        except (SyntaxError, tokenize.TokenError, ValueError) as exc:
            line = getattr(exc, "lineno", None) or 1
            breaches.append(Breach(module.rel.as_posix(), line, "HR0", f"unreadable: {exc}"))
            continue
        breaches.extend(ModuleChecker(module, modules).run(tree, noted))
    return sorted(set(breaches))


def imports_of(root: Path) -> dict[str, set[str]]:
    """Which project modules each project module imports (anywhere in it): the graph that
    ``reach`` follows."""
    modules = find_modules(root)
    graph: dict[str, set[str]] = {}
    for name, module in modules.items():
        checker = ModuleChecker(module, modules)
        tree = ast.parse((root / module.rel).read_text(encoding="utf-8"))
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for imported, _, _ in checker.resolve(node):
                    # the module itself when it is ours, else the nearest package of ours
                    while imported and imported not in modules:
                        imported = imported.rpartition(".")[0]
                    if imported and imported != name:
                        found.add(imported)
        graph[name] = found
    return graph


def reach(root: Path, start: str) -> set[str]:
    """Every project module that ``start`` leads to through its imports (itself included)."""
    graph = imports_of(root)
    seen, todo = {start}, [start]
    while todo:
        for target in graph.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    breaches = check(root)
    for breach in breaches:
        print(breach)
    if breaches:
        for rule in sorted({b.rule for b in breaches}):
            count = sum(b.rule == rule for b in breaches)
            print(f"{rule} ({RULES.get(rule, 'file cannot be read')}): {count}", file=sys.stderr)
        return 1
    print(f"house rules: {len(find_modules(root))} modules checked, no breaches")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
