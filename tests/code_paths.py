"""What a route's code can do, read from the code itself (no function is run): the handler of each
route of the template, and everything reachable from it through the shared layer: the request
schemas its body is validated with, how it reads its body (json_body, or as sent), and the errors
it can raise (those caught on the way left out): the domain errors, and those the edge answers as
one (a missing setting or secret is a 503). A method of what a function returns is followed
through its return annotation (`settings().required` is Settings.required).

Reading is conservative: a function of the layer that is named (called, or passed on, as a
handler passes the work to the idempotency wrapper) counts as run. Events the code makes are
validated too (`validate_event` in every commit), but a broken event is a bug of ours, not a
caller's bad input: that path is left out."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from infra.local.template import ROOT, api_routes, load_template

LAYER = ROOT / "layers" / "shared" / "python"
#: the functions whose calls name a request schema: validate_request(name, body), validate("requests", name, body)
VALIDATION = "opencounter.core.validation"
#: how the edge reads a request's body: as a JSON object of text, or as sent (what a signature covers)
BODY_READERS = {f"opencounter.edge.http.{name}": name for name in ("json_body", "text_body", "raw_body")}
#: paths not followed (see the module's docstring)
NOT_FOLLOWED = {f"{VALIDATION}.validate_event"}
ERRORS = "opencounter.core.errors"
#: the edge every API function's resolver comes from: how it answers errors
EDGE = "opencounter.edge.http"
#: the status each kind of domain error is answered with (opencounter.core.errors)
BASE_ERROR = f"{ERRORS}.DomainError"


@dataclass
class Function:
    """A function (or method) of the layer or of a handler module, as read from its source."""

    name: str  # module.function or module.Class.method
    module: str
    node: ast.FunctionDef | ast.AsyncFunctionDef

    @property
    def local_names(self) -> set[str]:
        """Parameters and variables: they hide the module's names of the same spelling."""
        names = {a.arg for a in ast.walk(self.node.args) if isinstance(a, ast.arg)}
        names |= {n.id for n in ast.walk(self.node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        return names


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    #: local name -> what it is: a module ("mod:x.y") or a qualified name of the layer ("x.y.f")
    names: dict[str, str] = field(default_factory=dict)


def _module_files() -> Iterator[tuple[str, Path]]:
    for path in sorted((LAYER / "opencounter").rglob("*.py")):
        parts = list(path.relative_to(LAYER).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path
    for path in sorted((ROOT / "functions").glob("*/app.py")):
        yield f"functions.{path.parent.name}.app", path


class Code:
    """Every module of the layer and every handler module, indexed for following calls."""

    def __init__(self) -> None:
        self.modules: dict[str, Module] = {}
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, tuple[str, ast.ClassDef]] = {}
        for name, path in _module_files():
            self.modules[name] = Module(name, path, ast.parse(path.read_text(), str(path)))
        for module in self.modules.values():
            self._index(module)
        self.error_status = self._error_statuses()
        self._reach: dict[str, Reach] = {}
        self._local_names: dict[str, set[str]] = {}

    # ---------------------------------------------------------------- indexing

    def _index(self, module: Module) -> None:
        package = module.name.rsplit(".", 1)[0] if not module.path.name == "__init__.py" else module.name
        for node in module.tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[f"{module.name}.{node.name}"] = Function(f"{module.name}.{node.name}", module.name, node)
                module.names[node.name] = f"{module.name}.{node.name}"
            elif isinstance(node, ast.ClassDef):
                self.classes[f"{module.name}.{node.name}"] = (module.name, node)
                module.names[node.name] = f"{module.name}.{node.name}"
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        qualified = f"{module.name}.{node.name}.{item.name}"
                        self.functions[qualified] = Function(qualified, module.name, item)
        for statement in ast.walk(module.tree):
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if alias.asname:
                        module.names[alias.asname] = f"mod:{alias.name}"
                    else:
                        top = alias.name.split(".")[0]
                        module.names.setdefault(top, f"mod:{top}")
            elif isinstance(statement, ast.ImportFrom) and statement.module:
                base = statement.module if not statement.level else f"{package}.{statement.module}"
                for alias in statement.names:
                    target = f"{base}.{alias.name}"
                    module.names[alias.asname or alias.name] = f"mod:{target}" if target in self.modules else target

    def _error_statuses(self) -> dict[str, int]:
        """Every class of the layer that is a DomainError, with the status it is answered with,
        and the other errors the edge answers with a status of their own (a missing setting)."""
        statuses = {BASE_ERROR: 500}
        source = self.modules[ERRORS].tree
        for node in source.body:
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                        targets = [t.id for t in statement.targets[0].elts if isinstance(t, ast.Name)] \
                            if isinstance(statement.targets[0], ast.Tuple) else []
                        if "status" in targets:
                            value = statement.value.elts[targets.index("status")]
                            statuses[f"{ERRORS}.{node.name}"] = int(ast.literal_eval(value))
        statuses.update(self._edge_handled(statuses))
        changed = True
        while changed:  # subclasses elsewhere inherit their base's status
            changed = False
            for qualified, (module, node) in self.classes.items():
                if qualified in statuses:
                    continue
                for base in node.bases:
                    resolved = self.resolve(module, base)
                    if resolved in statuses:
                        statuses[qualified] = statuses[resolved]
                        changed = True
                        break
        return statuses

    def _edge_handled(self, statuses: dict[str, int]) -> dict[str, int]:
        """The other errors the edge's resolver answers as a domain error of its own: an exception
        handler (`@app.exception_handler(X)`) that answers with one class of `statuses`. Exception
        itself (500, something went wrong) is no answer a route is documented with."""
        found: dict[str, int] = {}
        for node in ast.walk(self.modules[EDGE].tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            handled = [self.resolve(EDGE, d.args[0]) for d in node.decorator_list if isinstance(d, ast.Call)
                       and d.args and isinstance(d.func, ast.Attribute) and d.func.attr == "exception_handler"]
            answered = [statuses[t] for t in (self.resolve(EDGE, c.func) for c in ast.walk(node)
                                              if isinstance(c, ast.Call)) if t in statuses]
            for error in handled:
                if error in self.classes and error not in statuses and answered:
                    found[error] = answered[0]
        return found

    # ---------------------------------------------------------------- names

    def resolve(self, module: str, node: ast.expr) -> str | None:
        """What a name or dotted attribute in `module` stands for: a qualified name of the layer
        or a handler module (function, class or method), or None."""
        if isinstance(node, ast.Name):
            target = self.modules[module].names.get(node.id)
            return target
        if isinstance(node, ast.Call):
            return self._returned_class(self.resolve(module, node.func))
        if isinstance(node, ast.Attribute):
            owner = self.resolve(module, node.value)
            if owner is None:
                return None
            if owner.startswith("mod:"):
                name = f"{owner[4:]}.{node.attr}"
                return f"mod:{name}" if name in self.modules else name
            if owner in self.classes:
                return f"{owner}.{node.attr}"
        return None

    def _returned_class(self, qualified: str | None) -> str | None:
        """The class of the layer a function's return annotation names (`settings()` is a
        Settings: `settings().required` is its method)."""
        function = self.functions.get(qualified or "")
        annotation = function.node.returns if function else None
        if function is None or annotation is None:
            return None
        name = annotation.value if isinstance(annotation, ast.Constant) else ast.unparse(annotation)
        target = self.modules[function.module].names.get(str(name))
        return target if target in self.classes else None

    # ---------------------------------------------------------------- what a function reaches

    def reach(self, qualified: str) -> Reach:
        """What running `qualified` can come to (memoised; a cycle counts what is known so far)."""
        if qualified in self._reach:
            return self._reach[qualified]
        found = Reach()
        self._reach[qualified] = found
        function = self.functions.get(qualified)
        if function is None:
            return found
        self._walk(function, function.node, found, caught=frozenset())
        return found

    def _walk(self, function: Function, node: ast.AST, found: Reach, caught: frozenset[str],
              context: str | None = None) -> None:
        """Follow `node`; `context` is "raise" inside a raise statement and "return" inside a
        return value: an error made there is raised or handed back (to be raised by the caller)."""
        if isinstance(node, ast.Try):
            swallowed = set(caught)
            for handler in node.handlers:
                if handler.type is None or any(isinstance(n, ast.Raise) for n in ast.walk(handler)):
                    continue  # a handler that raises again passes the error on
                types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                swallowed |= {t for t in (self.resolve(function.module, e) for e in types) if t}
            for statement in node.body:
                self._walk(function, statement, found, frozenset(swallowed))
            for part in (*[s for h in node.handlers for s in h.body], *node.orelse, *node.finalbody):
                self._walk(function, part, found, caught)
            return
        if isinstance(node, ast.Raise):
            if isinstance(node.exc, ast.Name):
                for made in self._assigned_from(function, node.exc.id):
                    for error in self.reach(made).returned:
                        found.add(error, caught)
            for raised in (node.exc, node.cause):
                if raised is not None:
                    self._walk(function, raised, found, caught, "raise")
            return
        if isinstance(node, ast.Return) and node.value is not None:
            self._walk(function, node.value, found, caught, "return")
            return
        if isinstance(node, ast.Call):
            self._call(function, node, found)
        if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(getattr(node, "ctx", None), ast.Load):
            target = None if _root(node) in self._locals(function) else self.resolve(function.module, node)
            if target is not None and target not in NOT_FOLLOWED:
                if target in BODY_READERS:
                    found.reads.add(BODY_READERS[target])
                if target in self.error_status:
                    if context == "raise":
                        found.add(target, caught)
                    elif context == "return":
                        found.returned.add(target)
                elif target in self.functions and target != function.name:
                    found.merge(self.reach(target), caught, self)
        for child in ast.iter_child_nodes(node):
            self._walk(function, child, found, caught, context)

    def _locals(self, function: Function) -> set[str]:
        if function.name not in self._local_names:
            self._local_names[function.name] = function.local_names
        return self._local_names[function.name]

    def _assigned_from(self, function: Function, name: str) -> list[str]:
        """The functions of the layer whose result is assigned to `name` in `function`."""
        made = []
        for node in ast.walk(function.node):
            if isinstance(node, (ast.Assign, ast.NamedExpr)) and isinstance(node.value, ast.Call):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    target = self.resolve(function.module, node.value.func)
                    if target in self.functions:
                        made.append(target)
        return made

    def _call(self, function: Function, node: ast.Call, found: Reach) -> None:
        if function.module == VALIDATION:
            return  # validate_request passes its name on to validate
        target = self.resolve(function.module, node.func)
        if target == f"{VALIDATION}.validate_request":
            found.schemas.add(_literal(node.args[0], function))
        elif target == f"{VALIDATION}.validate" and _literal(node.args[0], function) == "requests":
            found.schemas.add(_literal(node.args[1], function))

    def statuses(self, reach: Reach) -> set[int]:
        """The statuses of the errors `reach` can end in."""
        result = set()
        for error, caught in reach.errors.items():
            if not any(self.is_subclass(error, c) for c in caught):
                result.add(self.error_status[error])
        return result

    def is_subclass(self, name: str, base: str) -> bool:
        if name == base:
            return True
        if name not in self.classes:
            return False
        module, node = self.classes[name]
        return any(self.is_subclass(r, base) for r in (self.resolve(module, b) for b in node.bases) if r)


@dataclass
class Reach:
    """What a function can come to: request schemas, a JSON body read, errors (each with the
    classes caught around every path that reaches it; empty when one path catches none)."""

    schemas: set[str] = field(default_factory=set)
    #: the edge's body readers it calls (BODY_READERS' names)
    reads: set[str] = field(default_factory=set)
    errors: dict[str, frozenset[str]] = field(default_factory=dict)
    #: errors made and handed back to the caller (who may raise them)
    returned: set[str] = field(default_factory=set)

    def merge(self, other: Reach, caught: frozenset[str], code: Code) -> None:
        self.schemas |= other.schemas
        self.reads |= other.reads
        for error, inner in other.errors.items():
            if any(code.is_subclass(error, c) for c in inner):
                continue  # caught inside already
            self.add(error, caught)

    def add(self, error: str, caught: frozenset[str]) -> None:
        """`error` can be raised where `caught` are caught: what every path catches is kept."""
        self.errors[error] = caught if error not in self.errors else self.errors[error] & caught


def _root(node: ast.expr) -> str | None:
    """The name a dotted attribute starts from."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _literal(node: ast.expr, function: Function) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise AssertionError(f"{function.name}: a schema named by a literal lets the contract be checked, "
                             f"not {ast.unparse(node)}") from None


# ---------------------------------------------------------------- routes and their handlers


@dataclass(frozen=True)
class RouteCode:
    """A route of the template, the handler that serves it, and what that handler reaches."""

    key: str  # "METHOD /path"
    handler: str
    schemas: frozenset[str]
    reads: frozenset[str]
    statuses: frozenset[int]


DECORATOR_METHODS = {"get", "post", "put", "patch", "delete"}


def _handler_routes(code: Code, module: str) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path pattern, handler) of every route a handler module registers, in order."""
    found = []
    for node in code.modules[module].tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) and \
                    decorator.func.attr in DECORATOR_METHODS and decorator.args:
                rule = ast.literal_eval(decorator.args[0])
                pattern = re.compile("^" + re.sub(r"<\w+>", r"[^/]+", rule) + "$")
                found.append((decorator.func.attr.upper(), pattern, f"{module}.{node.name}"))
    return found


@cache
def route_code() -> dict[str, RouteCode]:
    """Every route of the template: its handler (the first one of its function's module whose
    rule matches, as the resolver picks it) and what it reaches."""
    code = Code()
    template = load_template()
    result = {}
    for route in api_routes(template):
        uri = template["Resources"][route.function]["Properties"]["CodeUri"].strip("/").split("/")[-1]
        module = f"functions.{uri}.app"
        handlers = [h for method, pattern, h in _handler_routes(code, module)
                    if method == route.method and pattern.match(route.resource)]
        key = f"{route.method} {route.resource}"
        if not handlers:
            raise AssertionError(f"{key}: no handler in functions/{uri}/app.py serves it")
        reach = code.reach(handlers[0])
        result[key] = RouteCode(key, handlers[0], frozenset(reach.schemas), frozenset(reach.reads),
                                frozenset(code.statuses(reach)))
    return result
