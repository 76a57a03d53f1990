"""docker/metadata-action's tags and labels for the rules the generated publish workflow
uses (type=ref,event=branch; type=semver,pattern=...; type=sha[,format=long]), from the
run's git ref and commit; any other rule is refused, so a new one needs a stand-in first.
Priorities as the action's: semver 900, ref 600, sha 100; `version` is the first tag's; and,
as its default flavor (latest=auto) does, `latest` beside a release's semver tags."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime

SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$")


def rule_tags(rule: str, ref: str, sha: str) -> list[tuple[int, str]]:
    kind, *options = rule.split(",")
    attrs = dict(option.split("=", 1) for option in options)
    if kind == "type=ref" and attrs == {"event": "branch"}:
        if ref.startswith("refs/heads/"):
            return [(600, re.sub(r"[^a-zA-Z0-9._-]", "-", ref.removeprefix("refs/heads/")))]
        return []
    if kind == "type=semver" and set(attrs) == {"pattern"}:
        match = (
            SEMVER.match(ref.removeprefix("refs/tags/")) if ref.startswith("refs/tags/") else None
        )
        if not match:
            return []
        major, minor, patch, pre = match.groups()
        if pre and attrs["pattern"] != "{{version}}":
            return []  # a pre-release moves no major or minor tag
        version = f"{major}.{minor}.{patch}" + (f"-{pre}" if pre else "")
        values = {"version": version, "major": major, "minor": minor, "patch": patch}
        return [(900, re.sub(r"\{\{(\w+)\}\}", lambda m: values[m[1]], attrs["pattern"]))]
    if (
        kind == "type=sha"
        and attrs.get("format", "short") in ("short", "long")
        and set(attrs) <= {"format"}
    ):
        return [(100, "sha-" + (sha if attrs.get("format") == "long" else sha[:7]))]
    raise SystemExit(f"metadata stand-in: no rule {rule!r} here")


def main() -> None:
    ref, sha = os.environ["GITHUB_REF"], os.environ["GITHUB_SHA"]
    rules = [line.strip() for line in os.environ["INPUT_TAGS"].splitlines() if line.strip()]
    if rules:
        found = [tag for rule in rules for tag in rule_tags(rule, ref, sha)]
    else:  # the action's default: the branch's or the git tag's name
        found = [(600, re.sub(r"[^a-zA-Z0-9._-]", "-", ref.split("/", 2)[-1]))]
    # flavor latest=auto: a release's semver tag (no pre-release) brings `latest` too.
    if any(priority == 900 and "-" not in name for priority, name in found):
        found.append((1, "latest"))
    found.sort(key=lambda t: -t[0])
    names = list(dict.fromkeys(name for _, name in found))
    images = [i.strip() for i in os.environ["INPUT_IMAGES"].splitlines() if i.strip()]
    tags = [f"{image}:{name}" for name in names for image in images]
    repository = os.environ["GITHUB_REPOSITORY"]
    labels = {
        "org.opencontainers.image.title": repository.split("/")[-1],
        "org.opencontainers.image.url": f"{os.environ['GITHUB_SERVER_URL']}/{repository}",
        "org.opencontainers.image.source": f"{os.environ['GITHUB_SERVER_URL']}/{repository}",
        "org.opencontainers.image.version": names[0] if names else "",
        "org.opencontainers.image.created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "org.opencontainers.image.revision": sha,
    }
    outputs = {
        "tags": "\n".join(tags),
        "labels": "\n".join(f"{k}={v}" for k, v in labels.items()),
        "version": names[0] if names else "",
        "json": json.dumps({"tags": tags, "labels": labels}),
    }
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as out:
        for key, value in outputs.items():
            out.write(f"{key}<<STAND_IN_EOF\n{value}\nSTAND_IN_EOF\n")
    print("stand-in tags:", " ".join(tags) or "(none)")


if __name__ == "__main__":
    main()
