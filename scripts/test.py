"""Run the whole suite the way CI does: lint, types, migrations, then pytest.

The database is SQLite unless FICARCHIVE_DATABASE_URL names a PostgreSQL server. The summary at
the end says what ran, on which database, and what was skipped and why.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(title: str, argv: list[str], env: dict[str, str] | None = None) -> bool:
    """Run one step; return True when it passed."""
    print(f"\n=== {title}: {' '.join(argv)}", flush=True)
    return subprocess.run(argv, cwd=ROOT, env=env, check=False).returncode == 0


def main() -> int:
    """Run every step, even after a failure, and return 0 only when all passed."""
    database = os.environ.get("FICARCHIVE_DATABASE_URL", "") or "SQLite"
    scratch = tempfile.mkdtemp(prefix="ficarchive-check-")
    env = {**os.environ, "FICARCHIVE_DATA_DIR": scratch}
    # Migrations are checked against the models alone; a scratch SQLite database will do.
    env.pop("FICARCHIVE_DATABASE_URL", None)
    results = {
        "ruff check": run(
            "ruff check", [str(BIN / "ruff"), "check", "src", "tests", "bench", "scripts"]
        ),
        "ruff format": run(
            "ruff format",
            [str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "scripts"],
        ),
        "mypy --strict": run("mypy --strict", [str(BIN / "mypy")], env),
        "makemigrations --check": run(
            "makemigrations --check",
            [str(BIN / "ficarchive"), "makemigrations", "--check", "--dry-run"],
            env,
        ),
        f"pytest ({database.split('@')[-1]})": run(
            "pytest", [str(BIN / "pytest"), *sys.argv[1:]], {**os.environ}
        ),
    }
    print("\n=== summary")
    for name, ok in results.items():
        print(f"{'passed' if ok else 'FAILED'}: {name}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
