"""Wall time of dockwright's own commands, run as a user runs them (a new process each time).

- create: `new-project DEST --answers-file` (Flask, pip, slim);
- update, nothing to do: `new-project update` on that project, committed, same version;
- update, an answer changed: `new-project update --data python_version=3.11` (undone between
  rounds with `git checkout`), the three-way merge of a real change;
- update, new version: the project made at v1.0.0 of a template repository, updated to
  v2.0.0 (one line of the Dockerfile changed), through DOCKWRIGHT_TEMPLATE;
- adopt: `new-project adopt --yes` on a small Flask project with requirements.txt;
- create against copier: `new-project DEST --answers-file` and a plain `copier copy` of the
  same installed template with the same answers, in turn, the ratio taken pair by pair.

Targets: update <= 2.5 s (issue 4); create <= 1.1x copier copy (issue 12).

    python bench/commands.py [--repeat 5] [--json bench/results/DATE-commands.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEW_PROJECT = str(Path(sys.executable).with_name("new-project"))
GIT_ID = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def sh(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, check=True, capture_output=True)


def commit(repo: Path, message: str = "bench") -> None:
    sh(["git", "add", "-A"], repo)
    sh(["git", *GIT_ID, "commit", "-q", "-m", message], repo)


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    sh(cmd, cwd, env)
    return time.perf_counter() - start


def create(work: Path, name: str, env: dict[str, str] | None = None) -> tuple[Path, float]:
    answers = work / "answers.yml"
    answers.write_text("project_name: app\napp_kind: flask\n")
    dest = work / name
    seconds = timed([NEW_PROJECT, str(dest), "--answers-file", str(answers)], work, env)
    sh(["git", "init", "-q"], dest)
    commit(dest)
    return dest, seconds


def template_repository(work: Path) -> Path:
    repo = work / "template-repo"
    shutil.copytree(ROOT / "template", repo)
    sh(["git", "init", "-q"], repo)
    commit(repo, "v1")
    sh(["git", "tag", "v1.0.0"], repo)
    return repo


def release_v2(repo: Path) -> None:
    dockerfile = repo / "project" / "Dockerfile.jinja"
    dockerfile.write_text(
        dockerfile.read_text().replace("# Production image for", "# Production image (v2) for", 1)
    )
    commit(repo, "v2")
    sh(["git", "tag", "v2.0.0"], repo)


def adopt_fixture(work: Path, name: str) -> Path:
    repo = work / name
    repo.mkdir()
    (repo / "app.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
        '@app.get("/health")\ndef health():\n    return {"status": "ok"}\n'
    )
    (repo / "requirements.txt").write_text("flask==3.1.2\ngunicorn==27.0.1\n")
    return repo


def measure(repeat: int, round_: Callable[[Path, int], float]) -> dict[str, float]:
    times = []
    for i in range(repeat):
        with tempfile.TemporaryDirectory() as scratch:
            times.append(round_(Path(scratch), i))
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
    }


def create_against_copier(repeat: int) -> dict[str, float]:
    """new-project and `copier copy` of the same template and answers, in turn; the median
    of the ratios of each pair (pairing keeps the ratio when the machine's speed drifts)."""
    from dockwright import versions

    copier = str(Path(sys.executable).with_name("copier"))
    ratios, ours, theirs = [], [], []
    for i in range(repeat + 1):  # the first pair warms the file cache and is dropped
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            answers = work / "answers.yml"
            answers.write_text("project_name: app\napp_kind: flask\n")
            a = timed([NEW_PROJECT, str(work / "a"), "--answers-file", str(answers)], work)
            options = ["--quiet", "--defaults", "--data-file", str(answers)]
            template, dest = str(versions.template_dir()), str(work / "b")
            b = timed([copier, "copy", *options, template, dest], work)
        if i:
            ours.append(a)
            theirs.append(b)
            ratios.append(a / b)
    return {
        "new_project_median_s": round(statistics.median(ours), 3),
        "copier_copy_median_s": round(statistics.median(theirs), 3),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_min": round(min(ratios), 3),
        "ratio_max": round(max(ratios), 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    def create_round(work: Path, i: int) -> float:
        return create(work, f"app{i}")[1]

    def update_noop(work: Path, i: int) -> float:
        project, _ = create(work, "app")
        return timed([NEW_PROJECT, "update", str(project)], work)

    def update_answer(work: Path, i: int) -> float:
        project, _ = create(work, "app")
        return timed([NEW_PROJECT, "update", str(project), "--data", "python_version=3.11"], work)

    def update_version(work: Path, i: int) -> float:
        env = {"DOCKWRIGHT_TEMPLATE": str(template_repository(work))}
        project, _ = create(work, "app", env)
        release_v2(Path(env["DOCKWRIGHT_TEMPLATE"]))
        return timed([NEW_PROJECT, "update", str(project)], work, env)

    def adopt_round(work: Path, i: int) -> float:
        repo = adopt_fixture(work, "shop")
        return timed([NEW_PROJECT, "adopt", str(repo), "--yes"], work)

    results = {
        "create": measure(args.repeat, create_round),
        "update (nothing to do)": measure(args.repeat, update_noop),
        "update --data python_version=3.11": measure(args.repeat, update_answer),
        "update v1.0.0 -> v2.0.0": measure(args.repeat, update_version),
        "adopt --yes": measure(args.repeat, adopt_round),
    }
    against = create_against_copier(args.repeat)
    report = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "git": subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip(),
        "repeat": args.repeat,
        "results": results,
        "create against copier copy": against,
    }
    for name, numbers in results.items():
        print(
            f"{name:36} median {numbers['median_s']:.2f} s  "
            f"(min {numbers['min_s']:.2f}, max {numbers['max_s']:.2f})"
        )
    print(
        f"{'create / copier copy':36} median {against['ratio_median']:.2f}x  "
        f"(min {against['ratio_min']:.2f}, max {against['ratio_max']:.2f}; "
        f"{against['new_project_median_s']:.2f} s against {against['copier_copy_median_s']:.2f} s)"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
