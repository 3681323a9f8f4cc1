"""What a deployment configures: the Docker build context and gunicorn's settings from `.env`."""

import re
import shutil
import subprocess

from tests.support.server import GUNICORN, ROOT

# --- the Docker build context (.dockerignore) ------------------------------------


def _dockerignore_regex(pattern):
    """A .dockerignore pattern as a regex, after Docker's rules (moby/patternmatcher):
    `**/` any folders or none, `**` anything, `*` and `?` within one path element."""
    regex, index = "", 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            regex, index = regex + "(?:.*/)?", index + 3
        elif pattern.startswith("**", index):
            regex, index = regex + ".*", index + 2
        elif pattern[index] == "*":
            regex, index = regex + "[^/]*", index + 1
        elif pattern[index] == "?":
            regex, index = regex + "[^/]", index + 1
        else:
            regex, index = regex + re.escape(pattern[index]), index + 1
    return re.compile(regex)


def in_build_context(path, dockerignore=ROOT / ".dockerignore"):
    """Whether `docker build` sends `path`: the last pattern matching it or a parent wins."""
    lines = dockerignore.read_text().splitlines() if dockerignore.exists() else []
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    parts = path.split("/")
    candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        regex = _dockerignore_regex(pattern.removeprefix("!").strip("/"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            included = negated
    return included


def dockerfile_copy_sources():
    """The paths the Dockerfile copies from the build context (not from a build stage)."""
    sources = []
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(word.startswith("--from") for word in words):
            sources += words[1:-1]
    return sources


def tracked_files():
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return listed.splitlines()


def test_everything_the_dockerfile_copies_is_in_the_build_context():
    sources = dockerfile_copy_sources()
    copied = [
        path
        for path in tracked_files()
        if any(path == source.rstrip("/") or path.startswith(source) for source in sources)
    ]

    assert {"pyproject.toml", "poetry.lock", "manage.py", "config/settings.py"} <= set(copied)
    assert [path for path in copied if not in_build_context(path)] == []


def test_local_state_secrets_tools_and_caches_stay_out_of_the_build_context():
    left_out = [
        ".local/pgdata/PG_VERSION",
        ".local/bench-pgdata/base/1/1259",
        ".local/secret_key",
        ".venv/bin/python",
        ".venv-python3.13/bin/python",
        ".tools/poetry/bin/poetry",
        ".env",
        ".git/HEAD",
        "tests/e2e/node_modules/vite/package.json",
        "tests/e2e/screenshots/list.png",
        "tests/api/test_list.py",
        "media/__pycache__/views.cpython-311.pyc",
        "config/__pycache__/settings.cpython-313.pyc",
        ".pytest_cache/v/cache/nodeids",
        ".ruff_cache/0.8.0/123",
        "staticfiles/rest_framework/css/default.css",
        "openapi.json",
    ]

    assert [path for path in left_out if in_build_context(path)] == []


# --- gunicorn reads the same .env as the settings -----------------------------------


def gunicorn_config(tmp_path, dot_env, **environment):
    """gunicorn's effective settings (--print-config) for config/gunicorn.py beside a `.env`.

    A copy of config/ in tmp_path, so the test never writes the checkout's own
    .env; a stand-in WSGI app, as printing the config loads the app too.
    """
    shutil.copytree(ROOT / "config", tmp_path / "config", ignore=shutil.ignore_patterns("__py*"))
    (tmp_path / ".env").write_text(dot_env)
    result = subprocess.run(
        [
            str(GUNICORN),
            "--config",
            "config/gunicorn.py",
            "--print-config",
            "wsgiref.simple_server:demo_app",
        ],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(
        (name.strip(), value.strip())
        for name, _, value in (line.partition("=") for line in result.stdout.splitlines())
    )


def test_gunicorn_takes_its_settings_from_the_env_file(tmp_path):
    printed = gunicorn_config(
        tmp_path,
        "GUNICORN_WORKERS=3\nGUNICORN_THREADS=5\nGUNICORN_BIND=127.0.0.1:8123\n"
        "GUNICORN_TIMEOUT=17\nGUNICORN_MAX_REQUESTS=99\nFORWARDED_ALLOW_IPS=10.0.0.1\n",
    )

    assert printed["workers"] == "3"
    assert printed["threads"] == "5"
    assert printed["bind"] == "['127.0.0.1:8123']"
    assert printed["timeout"] == "17"
    assert printed["max_requests"] == "99"
    assert printed["forwarded_allow_ips"] == "['10.0.0.1']"


def test_workers_are_not_recycled_by_default(tmp_path):
    """A recycled worker starts with an empty read cache (docs/performance.md)."""
    printed = gunicorn_config(tmp_path, "")

    assert printed["max_requests"] == "0"


def test_the_process_environment_wins_over_the_env_file(tmp_path):
    printed = gunicorn_config(tmp_path, "GUNICORN_WORKERS=3\n", GUNICORN_WORKERS="4")

    assert printed["workers"] == "4"


# --- every variable the code reads is documented, in one order ------------------------

READS = re.compile(
    r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|["']([A-Z][A-Z0-9_]*)["'] in env\b"""
    r"""|os\.environ(?:\.get\(|\[)["']([A-Z][A-Z0-9_]*)["']"""
)


def variables_read():
    """Every variable config/ and media/ read with django-environ or os.environ."""
    sources = [*(ROOT / "config").rglob("*.py"), *(ROOT / "media").rglob("*.py")]
    return {
        next(name for name in match.groups() if name)
        for path in sources
        for match in READS.finditer(path.read_text())
    }


def documented_configuration():
    """[(group, [variables])] of the tables of docs/configuration.md, in order."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    groups = []
    for line in text.splitlines():
        if line.startswith("**"):
            groups.append((line.split("**")[1], []))
        elif line.startswith("| `"):
            groups[-1][1].extend(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return groups


def env_example():
    """[(group, [variables])] of .env.example, in order."""
    groups = []
    for line in (ROOT / ".env.example").read_text().splitlines():
        if heading := re.fullmatch(r"# === (.+) ===", line):
            groups.append((heading.group(1), []))
        elif variable := re.match(r"#? ?([A-Z][A-Z0-9_]*)=", line):
            groups[-1][1].append(variable.group(1))
    return groups


def test_the_docs_document_every_variable_the_code_reads_and_no_other():
    documented = [name for _, names in documented_configuration() for name in names]

    assert len(documented) == len(set(documented))
    assert set(documented) == variables_read()


def test_env_example_lists_the_documented_variables_in_their_groups_and_order():
    assert env_example() == documented_configuration()
