"""The project's Kubernetes manifests, read as untrusted input, for the rules on workloads.

Manifests are the *.yaml and *.yml files at the top and under k8s/, kubernetes/, deploy/ and
manifests/ (a few directories deep; Helm charts are left out, since their templates are not
YAML). A file is read only when it is small enough to be written by hand (HAND_WRITTEN) and
has a line starting `apiVersion:`, through the compose files' loader (a SafeLoader with a
budget for merge keys). YAML that is not Kubernetes (compose files, CI workflows, Helm
values) is left alone; a file that names a workload kind and does not parse is Unparsable.

The workloads read are Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and Pods of
the core, apps, extensions and batch groups. A document that only patches a workload (a
Kustomize patch: a controller without a selector, a container without an image, or a file a
kustomization names as a patch) is not a workload, and the workload it patches is left out
too, since what the rules look for may be in the patch.
"""

from __future__ import annotations

import os
import weakref
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dockwright.check.project import (
    HAND_WRITTEN,
    MERGED_ENTRIES,
    SKIPPED,
    Project,
    Unparsable,
    _ComposeLoader,
    _MergesTooLarge,
    is_file,
    names,
)

MANIFEST_DIRECTORIES = ("k8s", "kubernetes", "deploy", "manifests")
# How far the search goes under each of them: directories deep, entries, files read.
SEARCH_DEPTH = 4
SEARCH_ENTRIES = 2_000
SEARCH_FOUND = 200
YAML_SUFFIXES = (".yaml", ".yml")
# Where each workload kind keeps its pod spec.
POD_SPECS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# Workloads that keep running (and so serve), rather than run to completion.
LONG_RUNNING = frozenset({"Deployment", "StatefulSet", "DaemonSet"})
# Controllers whose spec must have a selector: one without is a patch.
SELECTED = LONG_RUNNING
API_GROUPS = frozenset({"", "apps", "extensions", "batch"})
KUSTOMIZE_PATCHES = ("patchesStrategicMerge", "patchesJson6902", "patches")


@dataclass(frozen=True)
class Container:
    """One container (or init container) of a workload's pod spec."""

    file: str
    line: int | None
    kind: str  # the workload's: Deployment, CronJob, ...
    workload: str  # its metadata.name
    name: str
    options: dict[str, Any]
    pod: dict[str, Any]  # the pod spec it is in
    init: bool

    @property
    def label(self) -> str:
        kind = "init container" if self.init else "container"
        return f"{self.kind} {self.workload}, {kind} {self.name}"


@dataclass
class Manifests:
    containers: list[Container] = field(default_factory=list)
    problems: list[Unparsable] = field(default_factory=list)
    # Images whose tag is set elsewhere (Kustomize's images:, Skaffold's artifacts).
    tagged_elsewhere: set[str] = field(default_factory=set)
    # A LimitRange gives containers a default memory request or limit.
    default_memory: bool = False

    def raise_problem(self) -> None:
        """After a rule's hits: the first manifest that could not be parsed, as DW100."""
        if self.problems:
            raise self.problems[0]


@dataclass(frozen=True)
class _Document:
    path: Path
    node: yaml.Node
    data: dict[str, Any]


_READ: weakref.WeakKeyDictionary[Project, Manifests] = weakref.WeakKeyDictionary()


def manifests(project: Project) -> Manifests:
    """The project's Kubernetes manifests, read once for all the rules."""
    if project not in _READ:
        _READ[project] = _read(project)
    return _READ[project]


def manifest_files(root: Path) -> list[Path]:
    """The YAML files at the top, then those under the manifest directories (not into
    linked, SKIPPED or Helm chart directories); bounded like the Dockerfile search."""
    found = [root / n for n in names(root) if n.endswith(YAML_SUFFIXES) and is_file(root / n)]
    looked = 0
    for top in MANIFEST_DIRECTORIES:
        pending: deque[tuple[Path, int]] = deque([(root / top, 0)])
        while pending:
            directory, depth = pending.popleft()
            if os.path.islink(directory) or not os.path.isdir(directory):
                continue
            entries = names(directory)
            if "Chart.yaml" in entries or directory.name == "templates":
                continue
            for name in entries:
                looked += 1
                path = directory / name
                if looked > SEARCH_ENTRIES or len(found) >= SEARCH_FOUND:
                    return found
                if name.endswith(YAML_SUFFIXES) and is_file(path):
                    found.append(path)
                elif name not in SKIPPED and depth + 1 < SEARCH_DEPTH:
                    pending.append((path, depth + 1))
    return found


def image_name(image: str) -> str:
    """An image reference without its tag or digest: ghcr.io/acme/app."""
    name = image.split("@", 1)[0]
    slash = name.rfind("/")
    colon = name.rfind(":")
    return name[:colon] if colon > slash else name


def image_tag(image: str) -> str | None:
    """The tag an image names ("" for a digest, which pins it; None for no tag)."""
    if "@" in image:
        return ""
    slash = image.rfind("/")
    colon = image.rfind(":")
    return image[colon + 1 :] if colon > slash else None


def _read(project: Project) -> Manifests:
    found = Manifests()
    documents: list[_Document] = []
    for path in manifest_files(project.root):
        try:
            documents += _documents(project, path)
        except Unparsable as error:
            found.problems.append(error)
    patches: set[Path] = set()
    for document in documents:
        _learn(document, found, patches)
    workloads = [d for d in documents if _is_workload(d.data)]
    partial = [d for d in workloads if d.path in patches or _is_patch(d)]
    patched = {_identity(d.data) for d in partial}
    for document in workloads:
        if document in partial or _identity(document.data) in patched:
            continue
        found.containers += _containers(project, document)
    return found


def _documents(project: Project, path: Path) -> list[_Document]:
    """The mappings a YAML file holds that have an apiVersion and a kind; none when the
    file is too large to be hand-written or does not look like Kubernetes."""
    if os.stat(path).st_size > HAND_WRITTEN:
        return []
    text = project.text(path, limit=HAND_WRITTEN, strict=False)
    lines = text.splitlines()
    if not any(line.startswith("apiVersion:") for line in lines):
        return []
    loader = _ComposeLoader(text)
    pairs = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                pairs.append((node, loader.construct_document(node)))
    except _MergesTooLarge:
        if not _names_workload(lines):
            return []
        raise Unparsable(
            path, f"its merge keys (<<) expand to more than {MERGED_ENTRIES} entries"
        ) from None
    except yaml.YAMLError as error:
        if "{{" in text or not _names_workload(lines):
            return []
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        where = f" at line {line}" if line else ""
        raise Unparsable(path, f"not valid YAML{where}", line) from None
    except (ValueError, RecursionError) as error:
        if not _names_workload(lines):
            return []
        why = "it is nested too deeply" if isinstance(error, RecursionError) else error
        raise Unparsable(path, f"not valid YAML: {why}") from None
    finally:
        loader.dispose()
    return [
        _Document(path, node, data)
        for node, data in pairs
        if isinstance(data, dict)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
    ]


def _names_workload(lines: list[str]) -> bool:
    """Whether a file that did not parse says it holds a workload (`kind: Deployment`)."""
    for line in lines:
        if line.startswith("kind:"):
            kind = line[len("kind:") :].split("#", 1)[0].strip().strip("\"'")
            if kind in POD_SPECS:
                return True
    return False


def _learn(document: _Document, found: Manifests, patches: set[Path]) -> None:
    """What other documents tell about the workloads: the patches and image tags of a
    kustomization, the images Skaffold builds and tags, a LimitRange's default memory."""
    data = document.data
    kind = data["kind"]
    if kind == "Kustomization":
        for entry in _list(data.get("images")):
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                found.tagged_elsewhere.add(entry["name"])
        for key in KUSTOMIZE_PATCHES:
            for entry in _list(data.get(key)):
                named = entry.get("path") if isinstance(entry, dict) else entry
                if isinstance(named, str) and not named.startswith("/"):
                    patches.add(Path(os.path.normpath(document.path.parent / named)))
    elif kind == "Config" and data["apiVersion"].startswith("skaffold/"):
        for artifact in _list(_dict(data.get("build")).get("artifacts")):
            if isinstance(artifact, dict) and isinstance(artifact.get("image"), str):
                found.tagged_elsewhere.add(artifact["image"])
    elif kind == "LimitRange":
        for limit in _list(_dict(data.get("spec")).get("limits")):
            limit = _dict(limit)
            if limit.get("type", "Container") == "Container" and any(
                "memory" in _dict(limit.get(key)) for key in ("default", "defaultRequest")
            ):
                found.default_memory = True


def _is_workload(data: dict[str, Any]) -> bool:
    group = data["apiVersion"].rpartition("/")[0]
    return data["kind"] in POD_SPECS and group in API_GROUPS


def _is_patch(document: _Document) -> bool:
    """Whether a workload only patches another: a controller without a selector, or a
    container without an image."""
    data = document.data
    if data["kind"] in SELECTED and "selector" not in _dict(data.get("spec")):
        return True
    pod = _pod_spec(data)
    return any(
        not isinstance(_dict(container).get("image"), str)
        for key in ("containers", "initContainers")
        for container in _list(pod.get(key))
    )


def _identity(data: dict[str, Any]) -> tuple[str, str]:
    name = _dict(data.get("metadata")).get("name")
    return data["kind"], name if isinstance(name, str) else ""


def _pod_spec(data: dict[str, Any]) -> dict[str, Any]:
    spec: object = data
    for key in POD_SPECS[data["kind"]]:
        spec = _dict(spec).get(key)
    return _dict(spec)


def _containers(project: Project, document: _Document) -> Iterator[Container]:
    """A workload's containers, each at the line its entry starts on."""
    data = document.data
    pod = _pod_spec(data)
    node: yaml.Node | None = document.node
    for key in POD_SPECS[data["kind"]]:
        node = _value_node(node, key)
    kind, workload = _identity(data)
    for key in ("initContainers", "containers"):
        entries = _list(pod.get(key))
        nodes = _items(_value_node(node, key))
        for index, options in enumerate(entries):
            if not isinstance(options, dict):
                continue
            line = nodes[index].start_mark.line + 1 if index < len(nodes) else None
            name = options.get("name")
            yield Container(
                project.name(document.path),
                line,
                kind,
                workload or "(unnamed)",
                name if isinstance(name, str) else str(index),
                options,
                pod,
                key == "initContainers",
            )


def _value_node(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """A mapping node's value for key (the first), or None."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                return value_node if isinstance(value_node, yaml.Node) else None
    return None


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
