"""Benchmark a generated slim production image against the `docker init` shape.

Both images are built from the same generated project, in the same run, on the same engine:

- dockwright: the generated multi-stage Dockerfile (builder venv -> runtime);
- docker-init shape: one stage, pip with a cache mount and a bind-mounted requirements.txt,
  a UID 10001 user, `COPY . .` (the shape `docker init` emits for Python; written here for
  comparison, with the same pins flattened into one requirements.txt).

Reported per image: size over the python base image, size of the installed dependencies,
cold build (no layer cache, no cache mounts), rebuild after a source edit, rebuild after
adding one dependency, and how long `docker stop` takes (SIGTERM to exit; each image run as
its compose file runs it: ours with an init, the docker-init shape without); and for ours
the wall time of `new-project` creating the project. Targets (issue 2): overhead <= 1.1x the
dependencies' size, source-edit rebuild <= 0.25 s, dependency-add rebuild faster than the
docker-init shape; (issue 5) stop < 1 s.

    python bench/run.py [--manager pip|poetry|pipenv|uv] [--app flask|ml-job]
                        [--python 3.13] [--repeat 5] [--json bench/results/DATE-MANAGER-APP.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import NotRequired, TypedDict

from dockwright import generate, stacks

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import lock  # tools/ is not a package
import poetry_index

# conda stacks cannot be built without a conda channel (see the README).
MANAGERS = [m for m in stacks.managers() if m != "conda"]
APPS = ("flask", "ml-job")


class App(TypedDict):
    """The source file each edit touches, the docker-init shape's command, and a long-running
    command for the stop measurement (a job runs to completion, so it is given one that waits)."""

    source: str
    cmd: str
    running: list[str]


class Measurement(TypedDict):
    cold_build_s: float
    source_edit_rebuild_s: float
    dep_add_rebuild_s: float
    stop_s: float
    image_bytes: int
    create_s: NotRequired[float]  # dockwright's image only


class Report(TypedDict):
    date: str
    machine: str
    docker: str
    python: str
    manager: str
    app: str
    base_image_bytes: int
    installed_deps_bytes: int
    results: dict[str, Measurement]


APP: dict[str, App] = {
    "flask": {
        "source": "bench/views.py",
        "cmd": '["gunicorn", "--bind", "0.0.0.0:8000", "bench:create_app()"]',
        "running": [],
    },
    "ml-job": {
        "source": "bench/model.py",
        "cmd": '["python", "-m", "bench", "train"]',
        "running": ["python", "-c", "import time; time.sleep(120)"],
    },
}

# Small pure-Python packages that neither image has, one added per round: each round's lock
# differs from every other round's, so no layer of an earlier round can be reused. They are
# added as the manager adds them (pip: pinned with its hash, as pip-compile writes it).
ADDED_DEPENDENCIES = (
    "six==1.17.0",
    "tabulate==0.9.0",
    "toolz==1.0.0",
    "decorator==5.2.1",
    "wcwidth==0.2.13",
)

DOCKER_INIT_SHAPE = """\
ARG PYTHON_VERSION={python}
FROM python:${{PYTHON_VERSION}}-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
ARG UID=10001
RUN adduser --disabled-password --gecos "" --home /nonexistent --shell /sbin/nologin \\
    --no-create-home --uid "${{UID}}" appuser
RUN --mount=type=cache,target=/root/.cache/pip \\
    --mount=type=bind,source=requirements.txt,target=requirements.txt \\
    python -m pip install -r requirements.txt
USER appuser
COPY . .
CMD {cmd}
"""


def hashed(requirement: str) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        sh(
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            tmp,
            requirement,
        )
        (wheel,) = Path(tmp).iterdir()
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    return f"{requirement} --hash=sha256:{digest}"


def sh(*cmd: str, cwd: Path | None = None) -> str:
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def build(project: Path, dockerfile: str, tag: str) -> float:
    start = time.perf_counter()
    sh("docker", "build", "--quiet", "-f", dockerfile, "-t", tag, ".", cwd=project)
    return time.perf_counter() - start


def image_size(ref: str) -> int:
    return int(sh("docker", "image", "inspect", "--format", "{{.Size}}", ref))


def deps_size(tag: str) -> int:
    """Bytes of the installed dependencies: dockwright's /opt/venv holds exactly the pins."""
    out = sh("docker", "run", "--rm", "--entrypoint", "du", tag, "-sb", "/opt/venv")
    return int(out.split()[0])


def with_dependencies(project: Path, manager: str, requirements: Sequence[str]) -> dict[Path, str]:
    """The files that change when the manager adds these requirements, as they read
    afterwards. Computed outside the timings, the way each manager's own workflow does it;
    the project's files are left as they were."""
    files = {
        "uv": ("pyproject.toml", "uv.lock"),
        "poetry": ("pyproject.toml", "poetry.lock"),
        "pipenv": ("Pipfile", "Pipfile.lock"),
    }
    if manager in files:
        before = {project / name: (project / name).read_text() for name in files[manager]}
        if manager == "uv":
            sh(
                shutil.which("uv") or str(Path(sys.executable).with_name("uv")),
                "add",
                "--quiet",
                "--no-sync",
                "--group",
                "prod",
                *requirements,
                cwd=project,
            )
        elif manager == "poetry":
            sh(
                sys.executable,
                "-m",
                "poetry",
                "add",
                "--quiet",
                "--lock",
                *requirements,
                cwd=project,
            )
        else:
            pipfile = project / "Pipfile"
            lines = "".join(
                '{} = "=={}"\n'.format(*requirement.split("==")) for requirement in requirements
            )
            pipfile.write_text(pipfile.read_text().replace("[packages]\n", f"[packages]\n{lines}"))
            lock.pipenv_lock(project, quiet=True)
        after = {path: path.read_text() for path in before}
        for path, text in before.items():
            path.write_text(text)
        return after
    pins = project / (
        "requirements.txt" if manager == "docker-init" else "requirements/production.txt"
    )
    return {pins: pins.read_text() + "".join(hashed(r) + "\n" for r in requirements)}


def stop_latency(tag: str, app: str, init: bool) -> float:
    """Seconds from `docker stop` (SIGTERM, then SIGKILL after 10 s) to the container gone."""
    run = ["docker", "run", "--detach", *(["--init"] if init else []), tag, *APP[app]["running"]]
    container = sh(*run).strip()
    try:
        deadline = time.monotonic() + 30
        while (
            app == "flask"
            and "Booting worker"
            not in subprocess.run(
                ["docker", "logs", container], capture_output=True, text=True, check=False
            ).stderr
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{tag} did not start gunicorn")
            time.sleep(0.2)
        time.sleep(1)
        start = time.perf_counter()
        sh("docker", "stop", "--time", "10", container)
        return time.perf_counter() - start
    finally:
        sh("docker", "rm", "--force", container)


def create_time(answers: dict[str, str], repeat: int) -> float:
    """Median wall time of `new-project DEST --answers-file` in a new process."""
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            answers_file = Path(tmp) / "answers.yml"
            answers_file.write_text(json.dumps(answers))  # JSON is YAML
            start = time.perf_counter()
            sh(
                str(Path(sys.executable).with_name("new-project")),
                str(Path(tmp) / "bench"),
                "--answers-file",
                str(answers_file),
            )
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(
    project: Path, dockerfile: str, tag: str, manager: str, app: str, repeat: int, init: bool
) -> Measurement:
    sh("docker", "builder", "prune", "--all", "--force")  # no layers, no cache mounts
    cold = build(project, dockerfile, tag)
    size = image_size(tag)
    stops = [stop_latency(tag, app, init) for _ in range(min(repeat, 3))]

    source = project / APP[app]["source"]
    edits = []
    for i in range(repeat):
        source.write_text(source.read_text() + f"\n# edit {i}\n")
        edits.append(build(project, dockerfile, tag))

    # Every package the rounds add is downloaded first, by a build that adds them all: a
    # round then measures installing from the warm caches, as a developer's rebuild does.
    added = ADDED_DEPENDENCIES[:repeat]
    rounds = [with_dependencies(project, manager, [requirement]) for requirement in added]
    everything = with_dependencies(project, manager, added)
    original = {path: path.read_text() for path in everything}
    adds = []
    for files in [everything, *rounds]:
        for path, text in files.items():
            path.write_text(text)
        took = build(project, dockerfile, tag)
        if files is not everything:
            adds.append(took)
        for path, text in original.items():
            path.write_text(text)
        build(project, dockerfile, tag)  # back to the starting point (cached)
    return {
        "cold_build_s": round(cold, 2),
        "source_edit_rebuild_s": round(statistics.median(edits), 3),
        "dep_add_rebuild_s": round(statistics.median(adds), 2),
        "stop_s": round(statistics.median(stops), 2),
        "image_bytes": size,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="3.13")
    parser.add_argument("--manager", default="pip", choices=MANAGERS)
    parser.add_argument("--app", default="flask", choices=APPS)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not 1 <= args.repeat <= len(ADDED_DEPENDENCIES):
        parser.error(f"--repeat: 1 to {len(ADDED_DEPENDENCIES)} (one added package per round)")

    base = image_size(f"python:{args.python}-slim")
    with tempfile.TemporaryDirectory() as tmp:
        ours, init = Path(tmp) / "ours" / "bench", Path(tmp) / "init" / "bench"
        answers = {"project_name": "bench", "app_kind": args.app, "python_version": args.python}
        ours_answers = {**answers, "package_manager": args.manager}
        created = create_time(ours_answers, args.repeat)
        generate.create(ours, ours_answers, interactive=False)
        if args.manager == "poetry":
            poetry_index.use_simple_index_where_needed(ours)  # see tools/poetry_index.py
        # The docker-init shape reads one requirements.txt: the pip stack's pins, flattened.
        generate.create(init, {**answers, "package_manager": "pip"}, interactive=False)
        req = init / "requirements"
        flat = [(req / "base.txt").read_text(), (req / "production.txt").read_text()]
        (init / "requirements.txt").write_text(
            "".join(
                line + "\n"
                for text in flat
                for line in text.splitlines()
                if not line.startswith("-r")
            )
        )
        (init / "Dockerfile.init").write_text(
            DOCKER_INIT_SHAPE.format(python=args.python, cmd=APP[args.app]["cmd"])
        )

        name = f"dockwright ({args.manager}, {args.app})"
        results = {
            # Each image is stopped the way its compose file runs it: ours with init: true.
            name: measure(
                ours,
                "Dockerfile",
                "bench-dockwright",
                args.manager,
                args.app,
                args.repeat,
                init=True,
            ),
            "docker-init shape": measure(
                init,
                "Dockerfile.init",
                "bench-init",
                "docker-init",
                args.app,
                args.repeat,
                init=False,
            ),
        }
        results[name]["create_s"] = round(created, 2)
        installed = deps_size("bench-dockwright")
    sh("docker", "image", "rm", "--force", "bench-dockwright", "bench-init")

    report: Report = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "docker": sh("docker", "version", "--format", "{{.Server.Version}}").strip(),
        "python": args.python,
        "manager": args.manager,
        "app": args.app,
        "base_image_bytes": base,
        "installed_deps_bytes": installed,
        "results": results,
    }
    print_table(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def print_table(report: Report) -> None:
    mb, deps = 1e6, report["installed_deps_bytes"]
    print(
        f"{report['date']}, {report['machine']}, Docker {report['docker']}, "
        f"python:{report['python']}-slim ({report['base_image_bytes'] / mb:.0f} MB)"
    )
    print(
        "| image | over base | installed deps | overhead ratio | cold build "
        "| source-edit rebuild | dep-add rebuild | stop | create |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in report["results"].items():
        over = r["image_bytes"] - report["base_image_bytes"]
        create = f"{r['create_s']:.2f} s" if "create_s" in r else "—"
        print(
            f"| {name} | {over / mb:.1f} MB | {deps / mb:.1f} MB "
            f"| {over / deps:.2f}x | {r['cold_build_s']:.1f} s "
            f"| {r['source_edit_rebuild_s']:.2f} s | {r['dep_add_rebuild_s']:.1f} s "
            f"| {r['stop_s']:.2f} s | {create} |"
        )
    ours, shape = report["results"].values()
    print(
        "ours / docker-init shape: "
        + ", ".join(
            f"{label} {ours[key] / shape[key]:.2f}x"  # type: ignore[literal-required]
            for label, key in RATIOS
        )
    )


# The ratios to the docker-init shape rebuilt in the same run (issue 16's targets).
RATIOS = (
    ("cold build", "cold_build_s"),
    ("source edit", "source_edit_rebuild_s"),
    ("dependency add", "dep_add_rebuild_s"),
)

if __name__ == "__main__":
    sys.exit(main())
