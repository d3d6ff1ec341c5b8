"""Production settings pass Django's deployment check without a single warning."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_with_production_settings_prints_no_warnings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        # The browser tests' Playwright needs DJANGO_ALLOW_ASYNC_UNSAFE; production never sets it.
        if key
        not in {
            "DEBUG",
            "REDIS_URL",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="credentials.example.edu.au",
        PUBLIC_BASE_URL="https://credentials.example.edu.au",
        TESTAMUR_VAR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    checked = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    output = checked.stdout + checked.stderr
    assert checked.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output
