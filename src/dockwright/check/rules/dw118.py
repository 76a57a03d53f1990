"""DW118: a compose service's image has no tag.

`image: postgres` is whatever `latest` is on the day of the pull: a new major version of a
database cannot read the old one's data directory (the "database files are incompatible
with server" reports after a `docker compose pull`). Not the project's own image (its build
scripts tag and push it): its latest is the release its users are meant to pull
(changedetection.io's compose file).
"""

from __future__ import annotations

from collections.abc import Iterator

from dockwright.check.builds import build_scripts
from dockwright.check.project import Project
from dockwright.check.registry import Hit, rule


@rule(
    "DW118",
    "warning",
    "a compose image without a tag",
    "an image without a tag is latest, which moves: the next pull can bring a new major "
    "version (a database that cannot read its own data)",
    "name the version (postgres:17, redis:7.4), or a digest (@sha256:...)",
)
def untagged_images(project: Project) -> Iterator[Hit]:
    for service in project.services():
        image = service.options.get("image")
        if not isinstance(image, str) or "build" in service.options or "$" in image:
            continue
        if build_scripts(project).builds(image):
            continue
        if "@" not in image and ":" not in image.rsplit("/", 1)[-1]:
            yield Hit(service.file, service.line, f"{service.name}: image {image}")
