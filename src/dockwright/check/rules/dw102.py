"""DW102: an installer's download cache left in a layer of the final image."""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.managers import PIP_NO_CACHE, UV, pip_install, uv_install
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule

# Where pip and uv keep their caches (as root); a stage that copies one of these (or a
# folder holding it) out of a builder brings the builder's cache along.
CACHES = ("/root/.cache/pip", "/root/.cache/uv")


@rule(
    "DW102",
    "warning",
    "installer cache left in the image",
    "pip and uv keep downloads in a cache directory that ends up in the layer",
    "RUN --mount=type=cache,target=/root/.cache/<tool> (kept between builds, never in a "
    "layer), or pip's --no-cache-dir / uv's --no-cache",
)
def cache_in_layer(project: Project) -> Iterator[Hit]:
    for dockerfile in project.sound_dockerfiles():
        reaching = dockerfile.reaching(CACHES)  # a builder's cache stays in the builder
        variables: list[str] = []  # the ENV and ARG text each stage inherits and sets
        for stage in dockerfile.stages:
            inherited = variables[stage.parent] if stage.parent is not None else ""
            own = " ".join(i.text for i in stage.instructions if i.keyword in ("ENV", "ARG"))
            variables.append(f"{inherited} {own}")
            if stage.index not in reaching:
                continue
            for ins in stage.instructions:
                if ins.keyword != "RUN" or "--mount=type=cache" in ins.text:
                    continue
                text = f"{variables[-1]} {ins.script}"
                if any(pip_install(w) for w in ins.commands) and not any(
                    flag in text for flag in PIP_NO_CACHE
                ):
                    yield Hit(dockerfile.name, ins.line, "pip install")
                elif any(uv_install(w) for w in ins.commands) and not any(
                    flag in text for flag in UV.no_cache
                ):
                    yield Hit(dockerfile.name, ins.line, "uv")
