"""docker/build-push-action on this engine's docker driver: `docker build` for the one
platform this machine has, tagged, pushed, and the pushed digest as the `digest` output.

Left out, and said so in the log: pulling the base images again (they are local stand-ins
here, in no registry), the `gha` cache (GitHub's cache service), the SBOM and provenance
attestations (the docker driver attaches none), and a push by digest alone (the docker
driver cannot; the image gets a tag of its own, build-<commit>-<platform>)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

MACHINE = {"x86_64": "linux/amd64", "aarch64": "linux/arm64"}[platform.machine()]


def main() -> None:
    inputs = {
        k.removeprefix("INPUT_").lower(): v for k, v in os.environ.items() if k.startswith("INPUT_")
    }
    platforms = [p for p in inputs["platforms"].replace(",", " ").split() if p]
    if platforms not in ([], [MACHINE]):
        sys.exit(f"build-push stand-in: builds {MACHINE} only, not {platforms}")
    outputs = dict(o.split("=", 1) for o in inputs["outputs"].split(",") if "=" in o)
    names = [t for t in inputs["tags"].splitlines() if t.strip()]
    if outputs.get("type") == "image":
        slug = MACHINE.replace("/", "-")
        names.append(f"{outputs['name']}:build-{os.environ['GITHUB_SHA'][:12]}-{slug}")
    push = inputs["push"] == "true" or outputs.get("push") == "true"
    command = ["docker", "build", "--platform", MACHINE]
    if inputs["file"]:
        command += ["--file", inputs["file"]]
    for label in filter(None, inputs["labels"].splitlines()):
        command += ["--label", label]
    for name in names:
        command += ["--tag", name]
    with tempfile.TemporaryDirectory() as secrets_dir:
        for line in filter(None, inputs["secrets"].splitlines()):
            key, value = line.split("=", 1)
            (Path(secrets_dir) / key).write_text(value)
            command += ["--secret", f"id={key},src={Path(secrets_dir) / key}"]
        for left_out in ("pull", "cache_from", "cache_to", "sbom", "provenance"):
            if inputs.get(left_out) not in (None, "", "false"):
                print(f"build-push stand-in: {left_out.replace('_', '-')} is left out here")
        subprocess.run([*command, inputs["context"] or "."], check=True)
    image_id = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", names[0]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    digest = ""
    if push:
        for name in names:
            subprocess.run(["docker", "push", name], check=True)
        repo = names[-1].rsplit(":", 1)[0]
        repo_digests = subprocess.run(
            [
                "docker",
                "image",
                "inspect",
                "--format",
                "{{range .RepoDigests}}{{println .}}{{end}}",
                names[-1],
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        digest = next(d.split("@", 1)[1] for d in repo_digests if d.startswith(repo + "@"))
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        out.write(f"digest={digest}\nimageid={image_id}\n")
    print(f"build-push stand-in: {names[-1]} {digest or '(not pushed)'}")


if __name__ == "__main__":
    main()
