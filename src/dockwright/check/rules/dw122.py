"""DW122: CUDA wheels in an image that never gets a GPU.

On Linux, `torch` from PyPI's default index depends on the CUDA runtime as wheels
(nvidia-cudnn-cu12, nvidia-cublas-cu12, nvidia-nccl-cu12, ...) and on triton: gigabytes
of libraries that only a container given a GPU ever loads. Without one they make images of
5 to 9 GB that pull and build slowly, where the CPU wheels from
https://download.pytorch.org/whl/cpu were meant (pytorch/pytorch#146786, "Installing
CPU-only PyTorch results in unnecessary CUDA dependencies during Docker build";
invoke-ai/InvokeAI#7947, a CPU image carrying gigabytes of nvidia libraries;
mtrnix/metronix-memory#39, an image cut from 9.4 GB to 2.9 GB by the CPU index).

A lock counts when a production Dockerfile installs it in a stage whose files reach the
final image, its CUDA packages apply on Linux (their markers, and for uv.lock the path from
the project's own dependencies), the final image is not built on a GPU image, and nothing
in the project gives a container a GPU (compose's GPU reservations, `gpus:`, `runtime:
nvidia`, Kubernetes' nvidia.com/gpu, `docker run --gpus` in its scripts or docs).
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker

from dockwright.check.dockerfile import Dockerfile, Instruction, Stage
from dockwright.check.managers import (
    PIPENV,
    POETRY,
    UV,
    Manager,
    locked_install,
    normalize,
    requirement_files,
    requirement_name,
)
from dockwright.check.project import SKIPPED, Project, Service, is_file, listed, table
from dockwright.check.registry import Hit, rule
from dockwright.check.shell import invocations
from dockwright.errors import UsageError

# nvidia-cudnn-cu12, nvidia-cuda-runtime-cu11: NVIDIA's CUDA libraries as wheels.
CUDA_WHEEL = re.compile(r"nvidia-[a-z0-9-]+-cu[0-9]+")
CUDA_COMPILER = "triton"
# The CUDA wheels by their usual size, the largest first (the others follow by name).
BY_SIZE = (
    "nvidia-cudnn",
    "nvidia-cublas",
    "nvidia-nccl",
    "nvidia-cusparse",
    "nvidia-cusparselt",
    "nvidia-cufft",
    "nvidia-cusolver",
    "triton",
    "nvidia-curand",
    "nvidia-cuda-nvrtc",
    "nvidia-nvjitlink",
    "nvidia-cuda-cupti",
)
# Base images that bring a GPU stack, by words in their name.
GPU_IMAGE_WORDS = ("cuda", "nvidia", "nvcr.io", "pytorch/pytorch", "gpu", "rocm", "tensorrt")
# Words in the project's YAML, scripts and docs that give a container a GPU.
GPU_MENTIONS = (
    "nvidia.com/gpu",
    "--gpus",
    "runtime: nvidia",
    "runtime=nvidia",
    "driver: nvidia",
    "capabilities: [gpu]",
    "NVIDIA_VISIBLE_DEVICES",
)
SEARCHED_SUFFIXES = (".yaml", ".yml", ".sh", ".md")
SEARCHED_NAMES = ("Makefile", "justfile", "Justfile")
# How far the search for GPU mentions goes: directories deep, entries, files, bytes a file.
SEARCH_DEPTH = 4
SEARCH_ENTRIES = 5_000
SEARCH_FILES = 200
SEARCH_BYTES = 512 * 1024
# The Linux machines an image runs on, as markers see them.
LINUX = tuple(
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "platform_machine": m}
    for m in ("x86_64", "aarch64")
)


@rule(
    "DW122",
    "warning",
    "CUDA wheels in an image that never gets a GPU",
    "torch from PyPI brings gigabytes of CUDA libraries (nvidia-*-cu12, triton) that no "
    "container without a GPU loads, so the image is several GB larger and slower to pull "
    "and build",
    "install torch from the CPU index and re-lock (uv: an `explicit = true` "
    "[[tool.uv.index]] https://download.pytorch.org/whl/cpu named pytorch-cpu and "
    '[tool.uv.sources] torch = { index = "pytorch-cpu" }; pip: --index-url '
    'https://download.pytorch.org/whl/cpu; poetry: that source with priority = "explicit"); '
    "if a GPU is meant, build FROM a CUDA image or reserve the GPU in compose",
)
def cuda_without_gpu(project: Project) -> Iterator[Hit]:
    found: dict[Path, tuple[str, list[str]]] = {}
    for dockerfile in project.production_dockerfiles():
        image = dockerfile.final_lineage[0].image if dockerfile.final_lineage else ""
        if not image or "$" in image or gpu_image(image):
            continue
        for lock, wheels in _installed_cuda(project, dockerfile):
            found.setdefault(lock, (image, wheels))
    if not found or _gpu_given(project):
        return
    for lock, (image, wheels) in found.items():
        yield Hit(
            project.name(lock),
            None,
            f"{len(wheels)} CUDA package(s) ({', '.join(largest(wheels))}) installed into "
            f"an image FROM {image} that no container runs with a GPU",
        )


def gpu_image(image: str) -> bool:
    name = image.lower()
    return any(word in name for word in GPU_IMAGE_WORDS)


def is_cuda_wheel(name: str) -> bool:
    return name == CUDA_COMPILER or CUDA_WHEEL.fullmatch(name) is not None


def largest(wheels: list[str], shown: int = 3) -> list[str]:
    """The few biggest of the CUDA packages, so the finding names what weighs."""

    def rank(name: str) -> tuple[int, str]:
        stem = re.sub(r"-cu[0-9]+$", "", name)
        return (BY_SIZE.index(stem) if stem in BY_SIZE else len(BY_SIZE), name)

    ordered = sorted(wheels, key=rank)
    return ordered[:shown] + (["..."] if len(ordered) > shown else [])


def on_linux(marker: object) -> bool:
    """Whether a marker lets a package in on a Linux machine (no marker does; uv's
    conflicting-extra markers, `extra == '...'`, do not without that extra)."""
    if marker is None or marker == "":
        return True
    if not isinstance(marker, str):
        return True
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return True
    return any(parsed.evaluate(dict(environment)) for environment in LINUX)


# --- what the image installs -------------------------------------------------------------


def _stages_in_image(dockerfile: Dockerfile) -> list[Stage]:
    """The final stage's lineage and the stages it copies files from (and theirs): where an
    install ends up in the image."""
    reached = {stage.index for stage in dockerfile.final_lineage}
    pending = list(dockerfile.final_lineage)
    while pending:
        for _, reference in pending.pop().copies_from():
            source = dockerfile.stage(reference)
            if source is None:
                continue
            for ancestor in dockerfile.lineage(source):
                if ancestor.index not in reached:
                    reached.add(ancestor.index)
                    pending.append(ancestor)
    return [stage for stage in dockerfile.stages if stage.index in reached]


def _installed_cuda(project: Project, dockerfile: Dockerfile) -> Iterator[tuple[Path, list[str]]]:
    """The locks and requirements files the image installs, each with its CUDA packages."""
    runs = [
        (stage, ins)
        for stage in _stages_in_image(dockerfile)
        for ins in stage.instructions
        if ins.keyword == "RUN"
    ]
    words = [word for _, ins in runs for command in ins.commands for word in command]
    context = dockerfile.context
    for manager in (UV, POETRY, PIPENV):
        lock = context / manager.lock
        if is_file(lock) and any(_installs_lock(c, manager) for _, i in runs for c in i.commands):
            wheels = _lock_cuda(project, lock, words)
            if wheels:
                yield lock, wheels
    for path in _requirements(dockerfile, runs):
        wheels = _requirements_cuda(project, path)
        if wheels:
            yield path, wheels


def _lock_cuda(project: Project, lock: Path, words: list[str]) -> list[str]:
    if lock.name == UV.lock:
        return _uv_lock(project, lock, words)
    if lock.name == POETRY.lock:
        return _poetry_lock(project, lock, words)
    return _pipfile_lock(project, lock)


def _installs_lock(words: list[str], manager: Manager) -> bool:
    """`uv sync`, `poetry install`, `pipenv sync`, or an export of the lock to install."""
    return locked_install(words, manager) or bool(
        invocations(words, manager.programs, {"export", "requirements"})
    )


def _requirements(dockerfile: Dockerfile, runs: list[tuple[Stage, Instruction]]) -> list[Path]:
    """The requirements files in the build context that pip or uv installs with -r."""
    found: list[Path] = []
    for stage, ins in runs:
        for command in ins.commands:
            for given in requirement_files(command):
                if "$" in given:
                    continue
                relative = dockerfile.context_file(stage, ins, given)
                path = dockerfile.context / (relative or os.path.basename(given))
                if relative != "." and is_file(path) and path not in found:
                    found.append(path)
    return found


# --- the CUDA packages a lock installs on Linux ------------------------------------------


def _uv_lock(project: Project, lock: Path, words: list[str]) -> list[str]:
    """The CUDA packages `uv sync` installs on Linux: those the project's own packages
    reach through dependencies whose markers hold there, with the default `dev` group
    (unless --no-dev) and the extras and groups the Dockerfile names."""
    data = project.toml(lock)
    packages: dict[str, list[dict[str, Any]]] = {}
    for entry in listed(lock, data.get("package"), "package"):
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            packages.setdefault(normalize(entry["name"]), []).append(entry)
    roots = [
        name
        for name, entries in packages.items()
        for entry in entries
        if isinstance(entry.get("source"), dict)
        and ({"virtual", "editable"} & set(entry["source"]))
    ]
    if not roots:
        return sorted(name for name in packages if is_cuda_wheel(name))
    every_extra = "--all-extras" in words
    extras = set(_flag_values(words, "--extra"))
    groups = set(_flag_values(words, "--group")) | ({"dev"} if "--no-dev" not in words else set())
    every_group = "--all-groups" in words
    seen: set[tuple[str, str]] = set()
    pending: deque[tuple[str, frozenset[str], bool]] = deque(
        (root, frozenset(), True) for root in roots
    )
    reached: set[str] = set()
    while pending:
        name, wanted, is_root = pending.popleft()
        for entry in packages.get(name, []):
            edges = _edges(lock, entry.get("dependencies"))
            optional = table(lock, entry.get("optional-dependencies"), "optional-dependencies")
            for extra, more in optional.items():
                if (every_extra and is_root) or normalize(extra) in (extras if is_root else wanted):
                    edges += _edges(lock, more)
            if is_root:
                dev = table(lock, entry.get("dev-dependencies"), "dev-dependencies")
                for group, more in dev.items():
                    if every_group or normalize(group) in groups:
                        edges += _edges(lock, more)
            for edge in edges:
                target = normalize(edge["name"])
                chosen = frozenset(
                    normalize(e)
                    for e in listed(lock, edge.get("extra"), "extra")
                    if isinstance(e, str)
                )
                key = (target, ",".join(sorted(chosen)))
                if key in seen or not on_linux(edge.get("marker")):
                    continue
                seen.add(key)
                reached.add(target)
                pending.append((target, chosen, False))
    return sorted(name for name in reached if is_cuda_wheel(name))


def _edges(lock: Path, value: object) -> list[dict[str, Any]]:
    return [
        edge
        for edge in listed(lock, value, "dependencies")
        if isinstance(edge, dict) and isinstance(edge.get("name"), str)
    ]


def _flag_values(words: list[str], flag: str) -> Iterator[str]:
    for index, word in enumerate(words):
        if word == flag and index + 1 < len(words):
            yield normalize(words[index + 1])
        elif word.startswith(flag + "="):
            yield normalize(word.partition("=")[2])


def _poetry_lock(project: Project, lock: Path, words: list[str]) -> list[str]:
    """The CUDA packages of poetry.lock's main group that apply on Linux; optional ones only
    when the Dockerfile installs extras."""
    data = project.toml(lock)
    extras = any(
        w in ("-E", "--extras", "--all-extras") or w.startswith("--extras=") for w in words
    )
    found = set()
    for entry in listed(lock, data.get("package"), "package"):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        name = normalize(entry["name"])
        groups = entry.get("groups")
        if not is_cuda_wheel(name) or (entry.get("optional") is True and not extras):
            continue
        if isinstance(groups, list) and "main" not in groups:
            continue
        markers = entry.get("markers")
        applies = (
            any(on_linux(m) for m in markers.values())
            if isinstance(markers, dict)
            else on_linux(markers)
        )
        if applies:
            found.add(name)
    return sorted(found)


def _pipfile_lock(project: Project, lock: Path) -> list[str]:
    """The CUDA packages of Pipfile.lock's default section that apply on Linux."""
    default = table(lock, project.json_object(lock).get("default"), "default", "a JSON object")
    return sorted(
        normalize(name)
        for name, spec in default.items()
        if is_cuda_wheel(normalize(name))
        and on_linux(spec.get("markers") if isinstance(spec, dict) else None)
    )


def _requirements_cuda(project: Project, path: Path) -> list[str]:
    """The CUDA packages a requirements file pins for Linux (a `; marker` after the pin)."""
    found = set()
    for line in project.text(path, strict=False).splitlines():
        spec = line.split(" #")[0].strip().removesuffix("\\").strip()
        if not spec or spec.startswith(("-", "#")):
            continue
        requirement, _, marker = spec.partition(";")
        name = requirement_name(requirement)
        if is_cuda_wheel(name) and on_linux(marker.strip() or None):
            found.add(name)
    return sorted(found)


# --- whether the project gives a container a GPU -----------------------------------------


def _gpu_given(project: Project) -> bool:
    return any(_asks_for_gpu(service) for service in project.services()) or _gpu_mentioned(project)


def _asks_for_gpu(service: Service) -> bool:
    """compose's ways to give a service a GPU: a device reservation with the gpu capability
    or the nvidia driver, `gpus:`, `runtime: nvidia`, a CDI device, NVIDIA_VISIBLE_DEVICES."""
    options = service.options
    if options.get("gpus") or options.get("runtime") == "nvidia":
        return True
    deploy = options.get("deploy")
    resources = deploy.get("resources") if isinstance(deploy, dict) else None
    reservations = resources.get("reservations") if isinstance(resources, dict) else None
    devices = reservations.get("devices") if isinstance(reservations, dict) else None
    for device in devices if isinstance(devices, list) else []:
        if isinstance(device, dict) and (
            device.get("driver") == "nvidia" or "gpu" in _flattened(device.get("capabilities"))
        ):
            return True
    plain = options.get("devices")
    if isinstance(plain, list) and any(isinstance(d, str) and "nvidia" in d for d in plain):
        return True
    environment = options.get("environment")
    names = environment if isinstance(environment, dict) else {}
    listed_ = environment if isinstance(environment, list) else []
    return "NVIDIA_VISIBLE_DEVICES" in names or any(
        isinstance(e, str) and e.startswith("NVIDIA_VISIBLE_DEVICES") for e in listed_
    )


def _flattened(value: object) -> set[str]:
    """capabilities: [gpu] or [[gpu, utility]], as a set of words."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {word for item in value for word in _flattened(item)}
    return set()


def _gpu_mentioned(project: Project) -> bool:
    """Whether the project's YAML (Kubernetes manifests, other compose files), scripts or
    docs give a container a GPU; a bounded walk, each file read bounded."""
    return any(mention in text for text in _searched_texts(project) for mention in GPU_MENTIONS)


def _searched_texts(project: Project) -> Iterable[str]:
    pending: deque[tuple[Path, int]] = deque([(project.root, 0)])
    looked = files = 0
    while pending:
        directory, depth = pending.popleft()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            looked += 1
            if looked > SEARCH_ENTRIES or files >= SEARCH_FILES:
                return
            path = directory / entry.name
            try:
                is_directory = entry.is_dir(follow_symlinks=False)
                regular = entry.is_file(follow_symlinks=False)
                size = entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
            if is_directory:
                if entry.name not in SKIPPED and depth + 1 < SEARCH_DEPTH:
                    pending.append((path, depth + 1))
                continue
            searched = entry.name.endswith(SEARCHED_SUFFIXES) or entry.name in SEARCHED_NAMES
            if searched and regular and size <= SEARCH_BYTES:
                files += 1
                try:
                    yield project.text(path, limit=SEARCH_BYTES, strict=False)
                except UsageError:
                    continue
