"""The checks `make deploy-check` runs on what `sam build` made (infra/build) are proven to catch what
they are there to catch, on small layers and functions made here; `make deploy-check` runs them on
the real build."""

from __future__ import annotations

import base64
import hashlib
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from infra.build import artifacts
from infra.build.artifacts import Function
from infra.build.sam import Runtime, runtime
from infra.local.template import ROOT, load_template

ARM64 = Runtime("3.13", "arm64")


# ------------------------------------------------------------------ the dependencies layer


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def elf(machine: int) -> bytes:
    """The start of a 64-bit little-endian ELF file for a machine (183 aarch64, 62 x86_64)."""
    return b"\x7fELF\x02\x01\x01" + bytes(11) + machine.to_bytes(2, "little") + bytes(44)


def install(site: Path, name: str, version: str, files: dict[str, bytes], tag: str) -> None:
    """A package as an extracted wheel: its files, METADATA, WHEEL and RECORD."""
    dist_info = f"{name}-{version}.dist-info"
    files = {**files, f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode(),
             f"{dist_info}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n".encode()}
    for path, data in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    lines = [f"{path},{record_hash(data)},{len(data)}" for path, data in files.items()] + [f"{dist_info}/RECORD,,"]
    (site / dist_info / "RECORD").write_text("\n".join(lines) + "\n")


@pytest.fixture
def layer(tmp_path: Path) -> dict[str, Path]:
    """A built layer of one compiled package for arm64, the lock's copy of it, the lock and the layer's source."""
    paths = {name: tmp_path / name for name in ("layer", "reference", "source")}
    for path in paths.values():
        path.mkdir()
    for site in (paths["layer"], paths["reference"]):
        install(site, "speedy", "1.0", {"speedy/__init__.py": b"from speedy._core import *\n",
                                        "speedy/_core.cpython-313-aarch64-linux-gnu.so": elf(183)},
                "cp313-cp313-manylinux_2_17_aarch64")
    (paths["source"] / "requirements.txt").write_text("speedy==1.0 --hash=sha256:00\n")
    shutil.copy(paths["source"] / "requirements.txt", paths["layer"] / "requirements.txt")
    paths["lock"] = paths["source"] / "requirements.txt"
    return paths


def problems(paths: dict[str, Path]) -> list[str]:
    return artifacts.layer_problems(paths["layer"], paths["lock"], paths["reference"], ARM64, paths["source"])


def test_a_layer_of_the_lock_wheels_for_the_runtime_passes(layer: dict[str, Path]) -> None:
    assert problems(layer) == []
    assert artifacts.compiled_packages(layer["layer"]) == {"speedy": "1.0"}


def test_the_layer_check_reports_a_module_compiled_for_another_machine(layer: dict[str, Path]) -> None:
    # Given a layer whose package was fetched for x86_64, as sam build does without the platform settings
    for site in (layer["layer"], layer["reference"]):
        shutil.rmtree(site / "speedy")
        shutil.rmtree(site / "speedy-1.0.dist-info")
        install(site, "speedy", "1.0", {"speedy/__init__.py": b"",
                                        "speedy/_core.cpython-313-x86_64-linux-gnu.so": elf(62)},
                "cp313-cp313-manylinux_2_17_x86_64")
    found = "\n".join(problems(layer))
    # Then the wheel, the compiled file and the extension's name are each reported
    assert "is not one python3.13 on arm64 loads" in found
    assert "speedy/_core.cpython-313-x86_64-linux-gnu.so is compiled for another machine (ELF machine 62" in found
    assert "is an extension for another interpreter or platform" in found


def test_the_layer_check_reports_a_wheel_needing_a_newer_glibc_than_the_runtime(layer: dict[str, Path]) -> None:
    wheel = layer["layer"] / "speedy-1.0.dist-info" / "WHEEL"
    wheel.write_text(wheel.read_text().replace("manylinux_2_17_aarch64", "manylinux_2_39_aarch64"))
    assert any("is not one python3.13 on arm64 loads" in p for p in problems(layer))


def test_the_layer_check_reports_a_changed_file_a_stray_file_and_another_version(layer: dict[str, Path]) -> None:
    # Given a layer with a file changed after the wheel was extracted and a file no wheel has
    (layer["layer"] / "speedy" / "__init__.py").write_bytes(b"import os\n")
    (layer["layer"] / "stray.py").write_text("")
    # and a lock that asks for another version
    layer["lock"].write_text("speedy==2.0 --hash=sha256:00\nmissing==1.0 --hash=sha256:00\n")
    found = problems(layer)
    # Then each is reported
    assert "speedy/__init__.py (speedy) differs from its wheel's listing" in found
    assert "stray.py is in the layer but in no wheel of the lock" in found
    assert "speedy is 1.0 in the layer, 2.0 in the lock" in found
    assert "missing==1.0 of the lock is not in the layer" in found


def test_the_layer_check_reports_a_file_that_is_not_the_lock_wheel(layer: dict[str, Path]) -> None:
    # Given a layer whose wheel listing was made to match a file that is not the lock's
    install(layer["layer"], "speedy", "1.0", {"speedy/__init__.py": b"print('not the wheel')\n",
                                              "speedy/_core.cpython-313-aarch64-linux-gnu.so": elf(183)},
            "cp313-cp313-manylinux_2_17_aarch64")
    assert "speedy/__init__.py (speedy) is not the file of the lock's wheel" in problems(layer)


def test_stand_ins_are_the_lock_lines_of_the_compiled_packages_alone(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("# made by uv\nattrs==26.1.0 \\\n    --hash=sha256:aa \\\n    # via jsonschema\n"
                    "rpds-py==2026.9.1 \\\n    --hash=sha256:bb \\\n    --hash=sha256:cc\n")
    assert artifacts.stand_in_requirements(lock, {"rpds-py": "2026.9.1"}) == \
        "rpds-py==2026.9.1 --hash=sha256:bb --hash=sha256:cc\n"
    with pytest.raises(ValueError, match="rpds-py"):
        artifacts.stand_in_requirements(lock, {"rpds-py": "2026.10.0"})


# ------------------------------------------------------------------ the handlers


def function(tmp_path: Path, code: str, environment: dict[str, str] | None = None) -> Function:
    built = tmp_path / "Function"
    built.mkdir()
    (built / "app.py").write_text(textwrap.dedent(code))
    layer = tmp_path / "Layer" / "python"
    (layer / "greeting").mkdir(parents=True)
    (layer / "greeting" / "__init__.py").write_text("WORD = 'hello'\n")
    return Function("Function", "app.lambda_handler", built, (tmp_path / "Layer",), environment or {}, "512")


def imported(fn: Function) -> artifacts.ImportResult:
    [result] = artifacts.import_handlers([fn], sys.executable, ARM64, "eu-west-1", fn.code.parent / "bytecode")
    return result


def test_a_handler_imports_from_its_code_and_layers_with_its_environment(tmp_path: Path) -> None:
    built = function(tmp_path, """\
        import os
        from greeting import WORD
        assert os.environ["TABLE_NAME"] == "dummy-TABLE_NAME" and os.environ["AWS_REGION"] == "eu-west-1"
        def lambda_handler(event, context):
            return WORD
        """, {"TABLE_NAME": "dummy-TABLE_NAME"})
    result = imported(built)
    assert result.error is None and result.outside == []
    # and the built function and layer are left as they were: no bytecode written into them
    assert [p.name for p in built.code.iterdir()] == ["app.py"]
    assert not list(built.layers[0].rglob("__pycache__"))


def test_a_handler_that_calls_out_while_importing_fails(tmp_path: Path) -> None:
    result = imported(function(tmp_path, """\
        import socket
        socket.create_connection(("127.0.0.1", 9), timeout=1)
        def lambda_handler(event, context):
            return None
        """))
    assert result.error is not None and "while importing the handler" in result.error


def test_a_handler_needing_a_package_outside_the_build_fails(tmp_path: Path) -> None:
    # Given a handler that imports a package installed in the test environment but not in the layers
    result = imported(function(tmp_path, """\
        import pytest
        def lambda_handler(event, context):
            return None
        """))
    assert result.error is not None and "No module named 'pytest'" in result.error


def test_a_missing_handler_fails(tmp_path: Path) -> None:
    result = imported(function(tmp_path, "handler = None\n"))
    assert result.error is not None and "lambda_handler" in result.error


def test_the_built_environment_takes_literals_and_parameter_defaults_and_dummies_the_rest() -> None:
    template = {
        "Parameters": {"Wait": {"Type": "Number", "Default": 3600}, "Secret": {"Type": "String", "NoEcho": True}},
        "Globals": {"Function": {"Handler": "app.lambda_handler", "MemorySize": 512, "Layers": [{"Ref": "Layer"}],
                                 "Environment": {"Variables": {"TABLE_NAME": {"Ref": "Table"}, "NAMESPACE": "Ours"}}}},
        "Resources": {
            "Layer": {"Type": "AWS::Serverless::LayerVersion", "Properties": {"ContentUri": "Layer"}},
            "Function": {"Type": "AWS::Serverless::Function", "Properties": {
                "CodeUri": "Function",
                "Environment": {"Variables": {"WAIT": {"Ref": "Wait"}, "SECRET": {"Ref": "Secret"},
                                              "QUEUE": {"Fn::GetAtt": ["Queue", "Arn"]}}}}},
        },
    }
    [built] = artifacts.built_functions(template, Path("/build"))
    assert built.environment == {"TABLE_NAME": "dummy-TABLE_NAME", "NAMESPACE": "Ours", "WAIT": "3600", "SECRET": "",
                                 "QUEUE": "dummy-QUEUE"}
    assert built.code == Path("/build/Function") and built.layers == (Path("/build/Layer"),) and built.memory == "512"


def test_the_checks_take_the_runtime_from_the_template_and_refuse_a_mixed_one() -> None:
    assert runtime() == ARM64
    with pytest.raises(ValueError, match="no single Python runtime"):
        runtime({"Globals": {"Function": {"Runtime": "python3.13", "Architectures": ["arm64", "x86_64"]}}})


def test_the_build_runs_on_every_function_of_the_template() -> None:
    template = load_template()
    functions = artifacts.built_functions(template, ROOT)
    assert sorted(f.name for f in functions) == sorted(
        name for name, spec in template["Resources"].items() if spec["Type"] == "AWS::Serverless::Function")
