"""DW122: CUDA wheels locked for an image that never gets a GPU, and the near misses: a GPU
base image, a GPU given by compose or Kubernetes, CUDA packages for other platforms or
extras, and installs that never reach the production image."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from dockwright.check import Finding, check
from repos import write

LINUX_X86 = "platform_machine == 'x86_64' and sys_platform == 'linux'"

REQUIREMENTS = """
    fastapi==0.115.6
    nvidia-cublas-cu12==12.4.5.8 ; platform_system == "Linux" and platform_machine == "x86_64"
    nvidia-cudnn-cu12==9.1.0.70 ; platform_system == "Linux" and platform_machine == "x86_64"
    nvidia-nccl-cu12==2.21.5 ; platform_system == "Linux" and platform_machine == "x86_64"
    nvidia-nvtx-cu12==12.4.127 ; platform_system == "Linux" and platform_machine == "x86_64"
    torch==2.5.1
    triton==3.1.0 ; platform_system == "Linux" and platform_machine == "x86_64"
"""

PIP_DOCKERFILE = """
    FROM python:3.12-slim
    WORKDIR /app
    COPY requirements.txt .
    RUN pip install --no-cache-dir -r requirements.txt
    COPY . .
    CMD ["python", "-m", "app"]
"""

UV_DOCKERFILE = """
    FROM python:3.12-slim AS builder
    COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/uv
    WORKDIR /app
    COPY pyproject.toml uv.lock ./
    RUN uv sync --locked --no-dev --no-install-project
    COPY . .

    FROM python:3.12-slim
    COPY --from=builder /app /app
    CMD ["/app/.venv/bin/python", "-m", "app"]
"""


def uv_lock(
    torch_edge: str = f'{{ name = "torch", marker = "{LINUX_X86}" }}',
    *,
    where: str = "dependencies = [\n    ",
) -> str:
    """A uv.lock of a project that depends on torch, which pulls two CUDA wheels on Linux."""
    root = (
        '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
        f"{where}{torch_edge},\n]\n"
    )
    return (
        'version = 1\nrequires-python = ">=3.12"\n\n'
        f"{root}\n"
        '[[package]]\nname = "torch"\nversion = "2.5.1"\n'
        'source = { registry = "https://pypi.org/simple" }\ndependencies = [\n'
        f'    {{ name = "nvidia-cudnn-cu12", marker = "{LINUX_X86}" }},\n'
        f'    {{ name = "triton", marker = "{LINUX_X86}" }},\n]\n\n'
        '[[package]]\nname = "nvidia-cudnn-cu12"\nversion = "9.1.0.70"\n'
        'source = { registry = "https://pypi.org/simple" }\n\n'
        '[[package]]\nname = "triton"\nversion = "3.1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
    )


def found(root: Path) -> list[Finding]:
    return [f for f in check(root) if f.rule == "DW122"]


# --- fires ---------------------------------------------------------------------------------


def test_pinned_requirements_with_cuda_wheels_in_a_slim_image(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile": PIP_DOCKERFILE, "requirements.txt": REQUIREMENTS})
    [finding] = found(tmp_path)
    assert finding.file == "requirements.txt"
    assert "5 CUDA package(s)" in finding.why
    assert "nvidia-cudnn-cu12, nvidia-cublas-cu12, nvidia-nccl-cu12" in finding.why
    assert "python:3.12-slim" in finding.why


def test_uv_lock_installed_in_a_builder_whose_venv_is_copied(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": UV_DOCKERFILE,
            "pyproject.toml": '[project]\nname = "app"\nversion = "0.1.0"\n'
            'requires-python = ">=3.12"\ndependencies = ["torch"]\n',
            "uv.lock": uv_lock(),
        },
    )
    [finding] = found(tmp_path)
    assert finding.file == "uv.lock"
    assert "2 CUDA package(s)" in finding.why


def test_poetry_lock_main_group(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": """
                FROM python:3.11-slim
                WORKDIR /app
                COPY pyproject.toml poetry.lock ./
                RUN pip install poetry && poetry install --only main --no-root
                COPY . .
                CMD ["python", "-m", "app"]
            """,
            "poetry.lock": """
                [[package]]
                name = "nvidia-cublas-cu12"
                version = "12.4.5.8"
                optional = false
                python-versions = ">=3"
                groups = ["main"]
                markers = "platform_system == \\"Linux\\" and platform_machine == \\"x86_64\\""
                files = []

                [[package]]
                name = "torch"
                version = "2.5.1"
                optional = false
                python-versions = ">=3.8.0"
                groups = ["main"]
                files = []
            """,
        },
    )
    assert [f.file for f in found(tmp_path)] == ["poetry.lock"]


def test_pipfile_lock_default_section_with_a_compose_service_without_gpu(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": """
                FROM python:3.12
                WORKDIR /app
                COPY Pipfile Pipfile.lock ./
                RUN pip install pipenv && pipenv install --deploy --system
                COPY . .
                CMD ["python", "app.py"]
            """,
            "Pipfile": '[packages]\ntorch = "*"\n',
            "Pipfile.lock": """
                {"_meta": {}, "default": {
                  "torch": {"version": "==2.5.1"},
                  "nvidia-nccl-cu12": {"version": "==2.21.5",
                    "markers": "platform_system == 'Linux' and platform_machine == 'x86_64'"}
                }, "develop": {}}
            """,
            "compose.yaml": """
                services:
                  api:
                    build: .
                    ports: ["127.0.0.1:8000:8000"]
            """,
        },
    )
    assert [f.file for f in found(tmp_path)] == ["Pipfile.lock"]


# --- does not fire -------------------------------------------------------------------------


def test_a_cuda_base_image(tmp_path: Path) -> None:
    dockerfile = PIP_DOCKERFILE.replace(
        "python:3.12-slim", "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"
    )
    write(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})
    assert found(tmp_path) == []


def test_a_base_image_given_by_a_build_argument(tmp_path: Path) -> None:
    dockerfile = "ARG BASE=python:3.12-slim\n" + dedent(PIP_DOCKERFILE).replace(
        "python:3.12-slim", "${BASE}"
    )
    write(tmp_path, {"Dockerfile": dockerfile, "requirements.txt": REQUIREMENTS})
    assert found(tmp_path) == []


def test_compose_reserves_a_gpu(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": PIP_DOCKERFILE,
            "requirements.txt": REQUIREMENTS,
            "compose.yaml": """
                services:
                  worker:
                    build: .
                    deploy:
                      resources:
                        reservations:
                          devices:
                            - driver: nvidia
                              count: 1
                              capabilities: [gpu]
            """,
        },
    )
    assert found(tmp_path) == []


def test_compose_gpus_shorthand(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": PIP_DOCKERFILE,
            "requirements.txt": REQUIREMENTS,
            "docker-compose.yml": "services:\n  worker:\n    build: .\n    gpus: all\n",
        },
    )
    assert found(tmp_path) == []


def test_kubernetes_manifest_requests_a_gpu(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": PIP_DOCKERFILE,
            "requirements.txt": REQUIREMENTS,
            "deploy/k8s/worker.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                spec:
                  template:
                    spec:
                      containers:
                        - name: worker
                          resources:
                            limits:
                              nvidia.com/gpu: 1
            """,
        },
    )
    assert found(tmp_path) == []


def test_cuda_wheels_only_for_another_platform(tmp_path: Path) -> None:
    requirements = (
        "torch==2.5.1\n"
        "nvidia-cudnn-cu12==9.1.0.70 ; sys_platform == 'win32'\n"
        "triton==3.1.0 ; sys_platform == 'darwin'\n"
    )
    write(tmp_path, {"Dockerfile": PIP_DOCKERFILE, "requirements.txt": requirements})
    assert found(tmp_path) == []


def test_torch_from_the_cpu_index(tmp_path: Path) -> None:
    requirements = (
        "--index-url https://download.pytorch.org/whl/cpu\n"
        "--extra-index-url https://pypi.org/simple\n"
        "torch==2.5.1+cpu\nfastapi==0.115.6\n"
    )
    write(tmp_path, {"Dockerfile": PIP_DOCKERFILE, "requirements.txt": requirements})
    assert found(tmp_path) == []


def test_uv_lock_cuda_only_under_a_conflicting_extra(tmp_path: Path) -> None:
    gated = f"{LINUX_X86} and extra == 'extra-3-app-cu124'"
    write(
        tmp_path,
        {
            "Dockerfile": UV_DOCKERFILE,
            "uv.lock": uv_lock(f'{{ name = "torch", marker = "{gated}" }}'),
        },
    )
    assert found(tmp_path) == []


def test_uv_lock_torch_only_in_an_extra_the_image_leaves_out(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": UV_DOCKERFILE,
            "uv.lock": uv_lock(
                '{ name = "torch" }', where="[package.optional-dependencies]\ngpu = [\n    "
            ),
        },
    )
    assert found(tmp_path) == []


def test_uv_lock_torch_only_in_the_dev_group_with_no_dev(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": UV_DOCKERFILE,
            "uv.lock": uv_lock(
                '{ name = "torch" }', where="[package.dev-dependencies]\ndev = [\n    "
            ),
        },
    )
    assert found(tmp_path) == []


def test_a_development_dockerfile(tmp_path: Path) -> None:
    write(tmp_path, {"Dockerfile.dev": PIP_DOCKERFILE, "requirements.txt": REQUIREMENTS})
    assert found(tmp_path) == []


def test_a_stage_the_final_image_never_copies_from(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": """
                FROM python:3.12-slim AS export
                COPY requirements.txt .
                RUN pip install --no-cache-dir -r requirements.txt

                FROM python:3.12-slim
                WORKDIR /app
                COPY app.py .
                CMD ["python", "app.py"]
            """,
            "requirements.txt": REQUIREMENTS,
            "app.py": "print('hello')\n",
        },
    )
    assert found(tmp_path) == []


def test_requirements_the_image_does_not_install(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": PIP_DOCKERFILE,
            "requirements.txt": "fastapi==0.115.6\n",
            "requirements-train.txt": REQUIREMENTS,
        },
    )
    assert found(tmp_path) == []


def test_the_readme_runs_the_image_with_a_gpu(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Dockerfile": PIP_DOCKERFILE,
            "requirements.txt": REQUIREMENTS,
            "README.md": "Run it: `docker run --gpus all -p 8000:8000 app`\n",
        },
    )
    assert found(tmp_path) == []
