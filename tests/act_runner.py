"""act on this machine: a generated workflow's jobs on the local Docker engine (act's
self-hosted platform: the `run:` steps run here, in the project), its `uses:` actions
replaced by the stand-ins in tests/act_stand_ins (their README says what each leaves out).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import action_pins

from conftest import tool

STAND_INS = Path(__file__).parent / "act_stand_ins"
STAND_IN_FOR = {
    "actions/checkout": "checkout",
    "docker/setup-buildx-action": "setup-buildx",
    "docker/login-action": "login",
    "docker/metadata-action": "metadata",
    "docker/build-push-action": "build-push",
    "actions/upload-artifact": "upload-artifact",
    "actions/download-artifact": "download-artifact",
    "sigstore/cosign-installer": "cosign-installer",
}


def act(
    project: Path,
    workflow: str,
    *args: str,
    env: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`act push` for .github/workflows/<workflow>, with more of act's ARGS."""
    text = (project / ".github" / "workflows" / workflow).read_text()
    replace = [
        arg
        for action, ref, _ in action_pins.pins(text)
        for arg in ("--local-repository", f"{action}@{ref}={STAND_INS / STAND_IN_FOR[action]}")
    ]
    command = [
        str(tool("act")),
        "push",
        "--workflows",
        f".github/workflows/{workflow}",
        "-P",
        "ubuntu-24.04=-self-hosted",
        "-P",
        "ubuntu-24.04-arm=-self-hosted",
        "--pull=false",
        # act reads the project's .env as the job's environment unless told otherwise;
        # GitHub's runner has no such file (the workflow makes one from .env.example).
        "--env-file",
        os.devnull,
        *replace,
        *[arg for key, value in (env or {}).items() for arg in ("--env", f"{key}={value}")],
        *[arg for key, value in (secrets or {}).items() for arg in ("--secret", f"{key}={value}")],
        *args,
    ]
    # pipx, shellcheck and python3: GitHub's runner image has them.
    tools = str(Path(sys.executable).parent)
    return subprocess.run(
        command,
        cwd=project,
        env={**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
