"""Checks of what `sam build` made, before any of it is deployed (make deploy-check).

The dependencies layer holds exactly the packages and versions of the runtime's lock; every file of
each is the file of the lock's wheel for the runtime's platform, as uv fetched that wheel and checked
it against the lock's hashes; every wheel is one the runtime loads (CPython 3.13, manylinux for its
architecture, a glibc no newer than the runtime's); every compiled file is built for that architecture;
and nothing else is in the layer.

Every function's handler is imported as Lambda imports it: `app` from the built function, with the
built layers on the path, in a fresh interpreter without site-packages, with the environment the
function would have (the template's variables, resources as dummy values, no real credentials) and no
network: a connection or a name lookup during the import fails it. An x86_64 machine cannot load
modules compiled for arm64: there the same versions of the compiled packages alone, this machine's
wheels from the same lock checked against its hashes, stand in for them, and the report names every
module that came from a stand-in.
"""

from __future__ import annotations

import base64
import hashlib
import json
import platform
import re
import subprocess
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import PathDistribution
from pathlib import Path
from typing import Any

from packaging.tags import Tag, compatible_tags, cpython_tags, parse_tag
from packaging.utils import canonicalize_name

from infra.build.locks import read_lock
from infra.build.sam import Runtime

#: Lambda's python3.13 runs on Amazon Linux 2023, whose glibc is 2.34: no manylinux wheel may need more
RUNTIME_GLIBC = (2, 34)
ELF_MACHINES = {"aarch64": 183, "x86_64": 62}
#: files an installer adds to a wheel's listing (uv's reference copy has them, sam's extraction does not)
INSTALLER_FILES = {"INSTALLER", "REQUESTED", "direct_url.json"}
EXTENSION = re.compile(r"\.cpython-(?P<version>\d+)-(?P<platform>[^.]+)\.so$")


# ------------------------------------------------------------------ the dependencies layer


@dataclass(frozen=True)
class Installed:
    """A package as it lies in a layer or a target directory: its dist-info and the files it lists."""

    name: str
    version: str
    tags: tuple[Tag, ...]
    #: relative path -> "sha256=<urlsafe base64>" (None for RECORD itself)
    files: dict[str, str | None]


def installed(site: Path) -> dict[str, Installed]:
    found: dict[str, Installed] = {}
    for dist_info in sorted(site.glob("*.dist-info")):
        distribution = PathDistribution(dist_info)
        wheel = distribution.read_text("WHEEL") or ""
        tags = tuple(tag for line in wheel.splitlines() if line.startswith("Tag:")
                     for tag in parse_tag(line.removeprefix("Tag:").strip()))
        files = {file.as_posix(): (f"{file.hash.mode}={file.hash.value}" if file.hash else None)
                 for file in distribution.files or []}
        name = canonicalize_name(distribution.metadata["Name"])
        found[name] = Installed(name, distribution.version, tags, files)
    return found


def runtime_tags(runtime: Runtime) -> set[Tag]:
    """Every wheel tag the runtime's interpreter accepts."""
    version = tuple(int(part) for part in runtime.python.split("."))
    platforms = [f"manylinux_2_{minor}_{runtime.machine}" for minor in range(RUNTIME_GLIBC[1], 16, -1)]
    platforms.append(f"manylinux2014_{runtime.machine}")
    return set(cpython_tags(version, [runtime.abi], platforms)) | set(
        compatible_tags(version, runtime.abi, platforms))


def file_hash(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def elf_machine(path: Path) -> int | None:
    """The e_machine of an ELF file (64-bit, little-endian), None for any other file."""
    with path.open("rb") as opened:
        head = opened.read(20)
    if head[:4] != b"\x7fELF":
        return None
    if head[4] != 2 or head[5] != 1:
        return -1  # not 64-bit little-endian: no Lambda architecture
    return int.from_bytes(head[18:20], "little")


def _comparable(path: str) -> bool:
    """A file the wheel itself has at that path in any installation: not a script (an installer
    rewrites or writes those) nor an installer's own record."""
    top = path.split("/", 1)[0]
    return top not in ("..", "bin") and not top.endswith(".data") and \
        not (top.endswith(".dist-info") and path.rsplit("/", 1)[-1] in INSTALLER_FILES)


def layer_problems(layer: Path, lock: Path, reference: Path, runtime: Runtime, source: Path) -> list[str]:
    """What is wrong with a built dependencies layer (its python/ directory), measured against the lock
    and against the lock's wheels installed by uv in `reference`; `source` is the layer's own directory,
    whose files sam build copies in beside the packages."""
    problems: list[str] = []
    pins, built, wheels = read_lock(lock), installed(layer), installed(reference)
    problems += [f"{pins[name].name}=={pins[name].version} of the lock is not in the layer"
                 for name in sorted(pins.keys() - built.keys())]
    problems += [f"{name} {built[name].version} is in the layer but not in the lock"
                 for name in sorted(built.keys() - pins.keys())]
    supported = runtime_tags(runtime)
    listed: set[str] = set()
    for name, package in sorted(built.items()):
        listed.update(package.files)
        if name in pins and package.version != pins[name].version:
            problems.append(f"{name} is {package.version} in the layer, {pins[name].version} in the lock")
        if not any(tag in supported for tag in package.tags):
            problems.append(f"{name} {package.version}: its wheel ({', '.join(map(str, package.tags))}) is not one "
                            f"python{runtime.python} on {runtime.architecture} loads")
        for path, digest in sorted(package.files.items()):
            if digest is None:
                continue
            if not (layer / path).is_file():
                problems.append(f"{path} ({name}) is missing from the layer")
            elif file_hash(layer / path) != digest:
                problems.append(f"{path} ({name}) differs from its wheel's listing")
        wheel = wheels.get(name)
        if wheel is None or wheel.version != package.version:
            problems.append(f"{name} {package.version}: no wheel of the lock to compare it with")
            continue
        ours = {path: digest for path, digest in package.files.items() if _comparable(path)}
        theirs = {path: digest for path, digest in wheel.files.items() if _comparable(path)}
        problems += [f"{path} ({name}) is not the file of the lock's wheel"
                     for path in sorted(ours.keys() | theirs.keys()) if ours.get(path) != theirs.get(path)]
    copied = {path.relative_to(source).as_posix() for path in source.rglob("*") if path.is_file()}
    machine = ELF_MACHINES[runtime.machine]
    for file in sorted(p for p in layer.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        relative = file.relative_to(layer).as_posix()
        if relative not in listed and relative not in copied:
            problems.append(f"{relative} is in the layer but in no wheel of the lock")
        found = elf_machine(file)
        if found is not None and found != machine:
            problems.append(f"{relative} is compiled for another machine (ELF machine {found}, "
                            f"{runtime.machine} is {machine})")
        extension = EXTENSION.search(file.name)
        if extension and (extension["version"] != runtime.abi.removeprefix("cp")
                          or extension["platform"] != f"{runtime.machine}-linux-gnu"):
            problems.append(f"{relative} is an extension for another interpreter or platform")
    return problems


def compiled_packages(site: Path) -> dict[str, str]:
    """The packages of a site that hold compiled files: canonical name -> version."""
    return {name: package.version for name, package in installed(site).items()
            if any(elf_machine(site / path) is not None for path in package.files if (site / path).is_file())}


# ------------------------------------------------------------------ the handlers

IMPORT_HANDLER = r"""
import importlib, json, os, sys, traceback

request = json.loads(sys.argv[1])

def no_network(event, arguments):
    # what the handler's import must not do: open a connection or look up a name
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex"):
        raise ConnectionRefusedError(f"{event}{tuple(arguments)[1:3]} while importing the handler")

sys.addaudithook(no_network)
sys.path[:0] = request["path"]
module_name, attribute = request["handler"].rsplit(".", 1)
error = None
try:
    handler = getattr(importlib.import_module(module_name), attribute)
    if not callable(handler):
        error = f"{request['handler']} is not callable"
except BaseException:
    error = traceback.format_exc()
allowed = [os.path.realpath(p) for p in request["path"] + request["stdlib"]]
stand_ins = [os.path.realpath(p) for p in request["stand_ins"]]
outside, from_stand_ins = [], []
for name, module in sorted(sys.modules.items()):
    where = getattr(module, "__file__", None)
    if not where:
        continue
    where = os.path.realpath(where)
    if any(where.startswith(root + os.sep) for root in stand_ins):
        from_stand_ins.append(name)
    elif not any(where.startswith(root + os.sep) for root in allowed):
        outside.append(f"{name} ({where})")
print("RESULT " + json.dumps({"error": error, "outside": outside, "stand_ins": from_stand_ins}))
"""


@dataclass(frozen=True)
class Function:
    """A function of the built template: where its code and layers lie, and its environment."""

    name: str
    handler: str
    code: Path
    layers: tuple[Path, ...]
    environment: dict[str, str]
    memory: str


def _property(resource: Mapping[str, Any], defaults: Mapping[str, Any], key: str) -> Any:
    return resource.get("Properties", {}).get(key, defaults.get(key))


def _value(name: str, value: Any, parameters: Mapping[str, Any]) -> str:
    """A variable as the function would see it deployed with the parameters' defaults: a literal as
    written, a parameter's default, a dummy for anything AWS names at deploy time (a table, a queue)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict) and value.get("Ref") in parameters:
        return str(parameters[value["Ref"]].get("Default", ""))
    return f"dummy-{name}"


def built_functions(template: Mapping[str, Any], built: Path) -> list[Function]:
    """Every function of a template written by sam build (paths relative to its directory)."""
    resources, parameters = template["Resources"], template.get("Parameters", {})
    defaults = template.get("Globals", {}).get("Function", {})
    functions = []
    for name, resource in sorted(resources.items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        layers = []
        for layer in _property(resource, defaults, "Layers") or []:
            logical = layer.get("Ref") if isinstance(layer, dict) else None
            if logical not in resources:
                raise ValueError(f"{name}: layer {layer} is not a layer of the template")
            layers.append((built / resources[logical]["Properties"]["ContentUri"]).resolve())
        variables = {**defaults.get("Environment", {}).get("Variables", {}),
                     **resource.get("Properties", {}).get("Environment", {}).get("Variables", {})}
        functions.append(Function(name, _property(resource, defaults, "Handler"),
                                  (built / resource["Properties"]["CodeUri"]).resolve(), tuple(layers),
                                  {key: _value(key, value, parameters) for key, value in variables.items()},
                                  _value("MemorySize", _property(resource, defaults, "MemorySize") or 128, parameters)))
    return functions


def lambda_environment(function: Function, runtime: Runtime, region: str) -> dict[str, str]:
    """What Lambda sets for every function, with credentials that open nothing."""
    return {
        **function.environment,
        "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_EXECUTION_ENV": f"AWS_Lambda_python{runtime.python}",
        "AWS_LAMBDA_FUNCTION_NAME": function.name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": function.memory, "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "deploy-check", "AWS_ACCESS_KEY_ID": "deploy-check",
        "AWS_SECRET_ACCESS_KEY": "deploy-check", "AWS_SESSION_TOKEN": "deploy-check",
        "LAMBDA_TASK_ROOT": str(function.code), "_HANDLER": function.handler, "TZ": ":UTC",
        "LANG": "en_US.UTF-8", "PATH": "/usr/local/bin:/usr/bin/:/bin",
    }


def layer_path(layer: Path, runtime: Runtime) -> list[str]:
    """Where Lambda looks in a layer for Python packages, in its order."""
    return [str(layer / "python" / "lib" / f"python{runtime.python}" / "site-packages"), str(layer / "python")]


@dataclass(frozen=True)
class ImportResult:
    function: str
    error: str | None
    outside: list[str]
    stand_ins: list[str]


def import_handler(function: Function, python: str, runtime: Runtime, region: str, stand_ins: list[str],
                   stdlib: list[str], bytecode: Path) -> ImportResult:
    path = [str(function.code), *stand_ins, *(p for layer in function.layers for p in layer_path(layer, runtime))]
    request = {"handler": function.handler, "path": path, "stdlib": stdlib, "stand_ins": stand_ins}
    # isolated, no site-packages; bytecode goes elsewhere, so the artifacts stay as sam build made them
    done = subprocess.run([python, "-I", "-S", "-X", f"pycache_prefix={bytecode}", "-c", IMPORT_HANDLER,
                           json.dumps(request)],
                          env=lambda_environment(function, runtime, region), cwd=function.code, capture_output=True,
                          text=True, timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        return ImportResult(function.name, f"the import run failed ({done.returncode}):\n{done.stdout}{done.stderr}",
                            [], [])
    result = json.loads(lines[-1].removeprefix("RESULT "))
    return ImportResult(function.name, result["error"], result["outside"], result["stand_ins"])


def import_handlers(functions: list[Function], python: str, runtime: Runtime, region: str, bytecode: Path,
                    stand_ins: Iterable[Path] = ()) -> list[ImportResult]:
    """Each function's handler imported in an interpreter of its own, two at a time; `bytecode` keeps
    what the interpreters compile."""
    paths = subprocess.run([python, "-I", "-S", "-c", "import sysconfig; print(sysconfig.get_path('stdlib')); "
                            "print(sysconfig.get_path('platstdlib'))"], capture_output=True, text=True, check=True)
    stdlib, extra = paths.stdout.split(), [str(path) for path in stand_ins]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda f: import_handler(f, python, runtime, region, extra, stdlib, bytecode),
                             functions))


def needs_stand_ins(runtime: Runtime) -> bool:
    """Whether this machine cannot load what is compiled for the runtime's architecture."""
    return platform.machine() != runtime.machine


def stand_in_requirements(lock: Path, compiled: Mapping[str, str]) -> str:
    """The lock's lines for the compiled packages alone, to install this machine's wheels of them."""
    pins = read_lock(lock)
    missing = [name for name in compiled if name not in pins or pins[name].version != compiled[name]]
    if missing:
        raise ValueError(f"compiled packages of the layer not in the lock at the same version: {missing}")
    return "".join(pins[name].requirement() + "\n" for name in sorted(compiled))
