"""`new-project update`: two template versions made here (v1.0.0 -> v2.0.0), three-way merges
that keep the user's edits, conflicts reported with exit 1, answers changed on update, and
every refusal with exit 2 and nothing changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import copier
import pytest
import yaml
from packaging.version import Version

import dockwright.update
import repos
from conftest import ROOT
from dockwright import generate, versions
from dockwright.cli import main
from dockwright.errors import DockwrightError


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def tree(root: Path) -> dict[str, bytes]:
    """Every file but git's, .env and the database password (fresh each time)."""
    return repos.files(root, skip=(".env", "db_password.txt"))


@pytest.fixture
def template_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository of the template with v1.0.0 tagged, used in place of the shipped one."""
    repo = tmp_path / "template-repo"
    shutil.copytree(ROOT / "template", repo)
    repos.commit(repo, "v1")
    git(repo, "tag", "v1.0.0")
    monkeypatch.setenv(versions.OVERRIDE_ENV, str(repo))
    return repo


@pytest.fixture
def release(template_repo: Path) -> Callable[..., None]:
    """release(tag, edit) edits the template repository and tags the result."""

    def _release(tag: str, edit: Callable[[Path], None]) -> None:
        edit(template_repo / "project")
        repos.commit(template_repo, tag)
        git(template_repo, "tag", tag)

    return _release


def v2_changes(project_template: Path) -> None:
    """What v2 of the template changes: the Dockerfile's first line, and a new script."""
    dockerfile = project_template / "Dockerfile.jinja"
    text = dockerfile.read_text()
    dockerfile.write_text(text.replace("# Production image for", "# Production image (v2) for", 1))
    (project_template / "scripts" / "v2-note.txt").write_text("new in v2\n")


def new_project(tmp_path: Path, name: str = "app", *extra: str) -> Path:
    dest = tmp_path / name
    answers = tmp_path / f"{name}.yml"
    answers.write_text(f"project_name: {name}\n")
    assert main([str(dest), "--answers-file", str(answers), *extra]) == 0
    repos.commit(dest, "start")
    return dest


def test_updated_project_equals_a_fresh_render_of_the_new_version(
    tmp_path: Path, release: Callable[..., None]
) -> None:
    project = new_project(tmp_path, "app", "--data", "database=postgres")
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v1.0.0"
    release("v2.0.0", v2_changes)

    assert main(["update", str(project)]) == 0

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    fresh_project = new_project(fresh, "app", "--data", "database=postgres")
    assert tree(project) == tree(fresh_project)
    assert yaml.safe_load((project / ".copier-answers.yml").read_text())["_commit"] == "v2.0.0"


def test_a_user_edit_away_from_the_template_change_survives(
    tmp_path: Path, release: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    project = new_project(tmp_path)
    dockerfile = project / "Dockerfile"
    dockerfile.write_text(dockerfile.read_text() + "LABEL org.example.team=payments\n")
    views = project / "app" / "views.py"
    views.write_text(views.read_text() + "\n# our own code\n")
    repos.commit(project, "our edits")
    release("v2.0.0", v2_changes)

    assert main(["update", str(project)]) == 0

    text = dockerfile.read_text()
    assert text.startswith("# Production image (v2) for app.")
    assert text.endswith("LABEL org.example.team=payments\n")
    assert views.read_text().endswith("\n# our own code\n")
    assert (project / "scripts" / "v2-note.txt").read_text() == "new in v2\n"
    out = capsys.readouterr().out
    assert "v1.0.0 → v2.0.0" in out
    assert "Dockerfile" in out
    assert "scripts/v2-note.txt" in out


def test_an_edit_on_the_same_lines_is_a_conflict_exit_1(
    tmp_path: Path, release: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    project = new_project(tmp_path)
    dockerfile = project / "Dockerfile"
    text = dockerfile.read_text()
    dockerfile.write_text(text.replace("# Production image for", "# Our image for", 1))
    repos.commit(project, "our first line")
    release("v2.0.0", v2_changes)

    assert main(["update", str(project)]) == 1

    captured = capsys.readouterr()
    assert "Conflicts: v1.0.0 → v2.0.0" in captured.out
    [line] = captured.err.splitlines()
    assert line == "new-project: error: 1 conflict(s) need resolving: Dockerfile"
    merged = dockerfile.read_text()
    assert "<<<<<<<" in merged
    assert "# Our image for" in merged
    assert "# Production image (v2) for" in merged
    unmerged = git(project, "diff", "--name-only", "--diff-filter=U")
    assert unmerged.split() == ["Dockerfile"]


def test_pretend_reports_and_writes_nothing(
    tmp_path: Path, release: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    project = new_project(tmp_path)
    release("v2.0.0", v2_changes)
    before = tree(project)

    assert main(["update", str(project), "--pretend"]) == 0

    out = capsys.readouterr().out
    assert "Would update" in out
    assert "scripts/v2-note.txt" in out
    assert "Nothing was written" in out
    assert tree(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_changing_the_package_manager_swaps_the_files(tmp_path: Path, template_repo: Path) -> None:
    project = new_project(tmp_path)
    assert (project / "requirements" / "production.txt").is_file()

    code = main(
        ["update", str(project), "--data", "package_manager=uv", "--data", "database=postgres"]
    )

    assert code == 0
    assert not (project / "requirements").exists()
    assert not (project / "scripts" / "pin-requirements.sh").exists()
    assert (project / "uv.lock").is_file()
    assert "uv export --locked" in (project / "Dockerfile").read_text()
    assert (project / "scripts" / "wait_for_db.py").is_file()
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert (recorded["package_manager"], recorded["database"]) == ("uv", "postgres")
    # The new service needs a user and a password: .env gains the user, keeping what it had,
    # and the password is a new git-ignored file.
    env = (project / ".env").read_text()
    assert "DEV_UID=" in env
    assert "POSTGRES_USER=" in env
    assert len((project / "secrets" / "db_password.txt").read_text()) >= 40
    assert git(project, "status", "--porcelain", "--ignored", "secrets").strip() == "!! secrets/"


def test_changing_deploy_brings_and_takes_the_kubernetes_and_swarm_files(
    tmp_path: Path, template_repo: Path
) -> None:
    project = new_project(tmp_path)
    compose_files = {name for name in tree(project) if name.startswith("compose")}
    assert not (project / "deploy").exists()

    assert main(["update", str(project), "--data", "deploy=kubernetes"]) == 0
    assert (project / "deploy" / "kubernetes" / "overlays" / "production").is_dir()
    assert "## Kubernetes" in (project / "README.Docker.md").read_text()
    assert {name for name in tree(project) if name.startswith("compose")} == compose_files
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["deploy"] == "kubernetes"
    repos.commit(project, "kubernetes")

    assert main(["update", str(project), "--data", "deploy=swarm"]) == 0
    assert not (project / "deploy" / "kubernetes").exists()
    assert (project / "deploy" / "swarm" / "proxy.conf").is_file()
    assert (project / "compose.swarm.yaml").is_file()
    readme = (project / "README.Docker.md").read_text()
    assert "## Docker Swarm" in readme
    assert "## Kubernetes" not in readme
    repos.commit(project, "swarm")

    assert main(["update", str(project), "--data", "deploy=compose"]) == 0
    assert not (project / "deploy").exists()
    assert not (project / "compose.swarm.yaml").exists()
    assert "## Docker Swarm" not in (project / "README.Docker.md").read_text()


def test_an_interrupted_update_is_undone(
    tmp_path: Path, template_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = new_project(tmp_path)
    before = tree(project)

    def interrupted(path: str, **kwargs: object) -> None:
        (Path(path) / "Dockerfile").write_text("half\n")
        (Path(path) / "stray.txt").write_text("half\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_update", interrupted)  # dockwright.copier_boundary calls it

    assert main(["update", str(project), "--data", "python_version=3.11"]) == 130
    assert tree(project) == before
    assert git(project, "status", "--porcelain") == ""


def test_answers_record_the_public_template_and_a_tag(tmp_path: Path) -> None:
    """The shipped template: a plain `copier update` with network access finds the same
    address and version."""
    project = new_project(tmp_path)
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert recorded["_src_path"] == versions.TEMPLATE_URL
    assert recorded["_commit"] == f"v{dockwright.__version__}"


def test_a_released_template_never_changes(tmp_path: Path) -> None:
    """The installed template is the release of its version in releases.bundle, or the
    version is a development one (X.Y.Z.devN) not released yet. A released template that
    changed makes `new-project` refuse to run: the version must move on."""
    tag = versions.installed_release(tmp_path / "t.git", ROOT / "template")
    assert tag == f"v{dockwright.__version__}"
    heads = versions.git("bundle", "list-heads", str(versions.BUNDLE)).split()
    if not Version(dockwright.__version__).is_devrelease:
        assert f"refs/tags/{tag}" in heads, "a release: record it with tools/release.py"
    assert "refs/tags/v0.2.0" in heads  # releases are never dropped


@pytest.mark.parametrize(
    "answers",
    [
        {"project_name": "Acme Shop", "package_manager": "uv", "database": "postgres"},
        {"project_name": "batch", "package_manager": "pipenv", "app_kind": "ml-job"},
    ],
    ids=["uv-flask-postgres", "pipenv-ml-job"],
)
def test_create_equals_copiers_copy_of_the_release(tmp_path: Path, answers: dict[str, str]) -> None:
    """new-project copies the installed template's directory and records the release it is:
    the project equals, byte for byte, copier's own copy of that tag from the template's
    repository (.env and secret files aside: dockwright writes them after copier)."""
    ours, theirs = tmp_path / "ours", tmp_path / "copier"
    generate.create(ours, answers, interactive=False)
    with versions.template_source() as source:
        copier.run_copy(source.url, theirs, vcs_ref=source.tag, data=answers, defaults=True)
    local = {".env", *generate.secret_files(ours / "compose.yaml")}
    names = [n for n in generate.rendered_files(ours) if n not in local]
    assert names == generate.rendered_files(theirs)
    for name in names:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name
        assert os.access(ours / name, os.X_OK) == os.access(theirs / name, os.X_OK), name


def test_the_tree_id_is_gits(tmp_path: Path) -> None:
    """The release check computes the template's git tree id without git: the same id."""
    repo = tmp_path / "t.git"
    versions.git("init", "--quiet", "--bare", str(repo))
    assert versions.tree_id(ROOT / "template") == versions.write_tree(repo, ROOT / "template")


def test_releases_trees_lists_every_release_of_the_bundle(tmp_path: Path) -> None:
    repo = tmp_path / "t.git"
    versions.git("clone", "--quiet", "--bare", str(versions.BUNDLE), str(repo))
    expected = "".join(
        f"{tag} {versions.git('rev-parse', f'{tag}^{{tree}}', repo=repo)}\n"
        for tag in versions.release_tags(repo)
    )
    assert versions.TREES.read_text() == expected, "run python tools/release.py --trees"


def test_a_changed_release_is_refused_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Were the installed version released with another tree, new-project refuses to run."""
    trees = tmp_path / "releases.trees"
    trees.write_text(f"v{dockwright.__version__} {'0' * 40}\n")
    monkeypatch.setattr(versions, "TREES", trees)
    with pytest.raises(DockwrightError, match="differs from its release"):
        versions.installed_tag()
    trees.write_text(f"v{dockwright.__version__} {versions.tree_id(versions.template_dir())}\n")
    assert versions.installed_tag() == f"v{dockwright.__version__}"


def test_a_project_from_the_previous_shipped_release_updates_to_this_one(tmp_path: Path) -> None:
    """The real releases in releases.bundle, offline: a project made with the release before
    the installed version updates to it and equals a fresh render of it."""
    heads = versions.git("bundle", "list-heads", str(versions.BUNDLE)).split()
    installed = Version(dockwright.__version__)
    earlier = sorted(
        (Version(ref.removeprefix("refs/tags/v")), ref.removeprefix("refs/tags/"))
        for ref in heads
        if ref.startswith("refs/tags/v") and Version(ref.removeprefix("refs/tags/v")) < installed
    )
    assert earlier, "releases.bundle holds no release before the installed version"
    previous = earlier[-1][1]
    old = tmp_path / "old" / "app"
    with versions.template_source() as source:
        copier.run_copy(
            source.url,
            old,
            vcs_ref=previous,
            data={"project_name": "app"},
            defaults=True,
            quiet=True,
        )
    generate.sync_env(old)
    repos.commit(old, previous)
    assert yaml.safe_load((old / ".copier-answers.yml").read_text())["_commit"] == previous

    readme = (old / "README.md").read_bytes()
    recorded = yaml.safe_load((old / ".copier-answers.yml").read_text())

    assert main(["update", str(old)]) == 0

    # The same answers (the old default Python stays the project's), rendered fresh.
    fresh = new_project(tmp_path, "app", "--data", f"python_version={recorded['python_version']}")
    updated, expected = tree(old), tree(fresh)
    # README.md is the project's own since this version: the update keeps it as it was,
    # and the Docker instructions come in README.Docker.md.
    assert updated.pop("README.md") == readme
    expected.pop("README.md")
    assert updated == expected


def test_an_old_postgres_project_keeps_its_major_version(tmp_path: Path) -> None:
    """A project made before postgres_version existed has a PostgreSQL 17 data volume, which
    18 cannot start on: the update keeps 17 and the volume where 17 keeps its data."""
    heads = versions.git("bundle", "list-heads", str(versions.BUNDLE)).split()
    previous = max(
        (ref.removeprefix("refs/tags/") for ref in heads if ref.startswith("refs/tags/v")),
        key=lambda tag: Version(tag.removeprefix("v")),
    )
    if Version(previous.removeprefix("v")) >= Version(dockwright.__version__):
        pytest.skip("releases.bundle has the installed version; this needs an older one")
    old = tmp_path / "app"
    with versions.template_source() as source:
        copier.run_copy(
            source.url,
            old,
            vcs_ref=previous,
            quiet=True,
            defaults=True,
            data={"project_name": "app", "database": "postgres"},
        )
    generate.sync_env(old)
    repos.commit(old, previous)

    assert main(["update", str(old)]) == 0

    compose = (old / "compose.yaml").read_text()
    assert "image: postgres:17\n" in compose
    assert "pgdata:/var/lib/postgresql/data\n" in compose
    assert yaml.safe_load((old / ".copier-answers.yml").read_text())["postgres_version"] == "17"


def test_the_users_readme_survives_answer_changes_without_a_conflict(tmp_path: Path) -> None:
    """README.md is the user's: edits at its top and end stay through an answer change that
    rewrites the Docker instructions (README.Docker.md)."""
    project = new_project(tmp_path)
    readme = project / "README.md"
    mine = "# Our shop\n\nWhat we sell, and to whom.\n\n" + readme.read_text() + "\nOn call: ops.\n"
    readme.write_text(mine)
    repos.commit(project, "our README")

    assert main(["update", str(project), "--data", "database=postgres"]) == 0

    assert readme.read_text() == mine
    docker = (project / "README.Docker.md").read_text()
    assert "docker compose exec db psql" in docker


def test_a_password_is_never_written_where_git_would_commit_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .gitignore that lost /secrets/: adding PostgreSQL would put the new password file in
    the next commit, so the update stops, says what to ignore, and changes nothing."""
    project = new_project(tmp_path)
    ignore = project / ".gitignore"
    ignore.write_text(ignore.read_text().replace("/secrets/\n", ""))
    repos.commit(project, "secrets no longer ignored")
    before = repos.files(project)
    capsys.readouterr()

    assert main(["update", str(project), "--data", "database=postgres"]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line == (
        f"new-project: error: {project / 'secrets' / 'db_password.txt'} would hold a password, "
        "and git does not ignore it: add /secrets/ to .gitignore, commit, then update again"
    )
    assert repos.files(project) == before
    assert git(project, "status", "--porcelain") == ""

    ignore.write_text(ignore.read_text() + "/secrets/\n")
    repos.commit(project, "secrets ignored")
    assert main(["update", str(project), "--data", "database=postgres"]) == 0
    assert (project / "secrets" / "db_password.txt").is_file()
    assert git(project, "status", "--porcelain").count("secrets") == 0


def test_a_private_index_comes_and_goes_with_update(tmp_path: Path, template_repo: Path) -> None:
    """Added to a project made without one, the index is what a fresh project with it has
    (.env gains its two empty settings); taken away again, nothing of it is left."""
    project = new_project(tmp_path, "app", "--data", "package_manager=poetry")
    without = tree(project)
    url = "https://pypi.example.com/simple/"

    assert main(["update", str(project), "--data", f"private_index={url}"]) == 0
    (tmp_path / "fresh").mkdir()
    fresh = new_project(
        tmp_path / "fresh",
        "app",
        "--data",
        "package_manager=poetry",
        "--data",
        f"private_index={url}",
    )
    assert tree(project) == tree(fresh)
    assert "INDEX_USERNAME=\nINDEX_PASSWORD=\n" in (project / ".env").read_text()
    repos.commit(project, "private index")

    assert main(["update", str(project), "--data", "private_index="]) == 0
    assert tree(project) == without
