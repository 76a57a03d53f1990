"""Record the template of this checkout as a release: a commit tagged v<version> on top of the
releases in src/dockwright/releases.bundle, which the wheel ships so that `new-project update`
has every released template offline.

    python tools/release.py            # adds v<version from pyproject.toml>, rewrites the bundle
    python tools/release.py --push URL # then pushes the tags to the template's public repository
    python tools/release.py --trees    # only rewrites releases.trees from the bundle

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
    parser.add_argument(
        "--trees", action="store_true", help="only rewrite releases.trees from the bundle"
    )
    args = parser.parse_args()
    if args.trees:
        trees_only()
        return 0
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
        write_trees(repo)
        listed = versions.release_tags(repo)
        print(f"{versions.BUNDLE.relative_to(ROOT)}: {', '.join(listed)}")
        if args.push:
            versions.git("push", "--tags", args.push, "main", repo=repo)
    return 0


def write_trees(repo: Path) -> None:
    """versions.TREES: each release's tag and git tree id, which `new-project` checks the
    installed template against without git."""
    lines = [
        f"{tag} {versions.git('rev-parse', f'{tag}^{{tree}}', repo=repo)}\n"
        for tag in versions.release_tags(repo)
    ]
    versions.TREES.write_text("".join(lines), encoding="utf-8")


def trees_only() -> None:
    """Rewrite versions.TREES from the bundle as it is."""
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch) / "template.git"
        versions.git("clone", "--quiet", "--bare", str(versions.BUNDLE), str(repo))
        write_trees(repo)


if __name__ == "__main__":
    sys.exit(main())
