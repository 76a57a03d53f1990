"""Record the template of this checkout as a release: a commit tagged v<version> on top of the
releases in src/dockwright/releases.bundle, which the wheel ships so that `new-project update`
has every released template offline.

    python tools/release.py            # adds v<version from pyproject.toml>, rewrites the bundle
    python tools/release.py --push URL # then pushes the tags to the template's public repository

A released template never changes: once v<version> is in the bundle, the next template change
needs a new version (a test holds the two together).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import tomllib
from pathlib import Path

from dockwright import versions

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--push", metavar="URL", help="push the releases there afterwards")
    args = parser.parse_args()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch) / "template.git"
        tag = f"v{version}"
        if versions.BUNDLE.is_file():
            heads = versions.git("bundle", "list-heads", str(versions.BUNDLE)).split()
            if f"refs/tags/{tag}" in heads:
                print(f"{tag} is released already; bump the version first", file=sys.stderr)
                return 1
        # On top of the newest release, as `new-project` does at run time for a new version.
        tag = versions.installed_release(repo, ROOT / "template", version)
        versions.git("branch", "--force", "main", tag, repo=repo)
        versions.git("symbolic-ref", "HEAD", "refs/heads/main", repo=repo)
        written = Path(scratch) / "releases.bundle"
        versions.git("bundle", "create", "--quiet", str(written), "--all", repo=repo)
        written.replace(versions.BUNDLE)
        listed = versions.git("tag", "--list", "v*", repo=repo).split()
        print(f"{versions.BUNDLE.relative_to(ROOT)}: {', '.join(listed)}")
        if args.push:
            versions.git("push", "--tags", args.push, "main", repo=repo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
