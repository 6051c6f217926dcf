"""`govern web` alone, against the Temporal and audit store of a running `govern up`: a person signs in and
acts through it; the store it needs must exist (it never creates or migrates one); a taken port stops
`govern up` and `govern web` with one sentence before anything starts."""

import email
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import REPO, Running, free_port, installation_env

APPLICATION = REPO / "examples" / "grants" / "kampala-upgrading.yaml"
OFFICER = "programme-officer-brussels"


@pytest.fixture
def installation(tmp_path: Path) -> dict[str, str]:
    return installation_env(tmp_path / "var")


def govern(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def _sign_in_mail(folder: Path) -> str:
    """The body of the sign-in mail, which is written just after the page answered."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for mail in folder.glob("*.eml"):
            message = email.message_from_bytes(mail.read_bytes())
            if message["Subject"] == "Your govern sign-in link":
                return str(message.get_payload())
        time.sleep(0.1)
    raise AssertionError(f"no sign-in mail in {folder}")


def test_govern_web_alone_signs_people_in_and_acts_through_the_existing_temporal(
    installation: dict[str, str], tmp_path: Path
) -> None:
    up = Running(installation, "up")
    try:
        up.wait_for("Worker polling task queue")
        assert govern(installation, "grant", "submit", str(APPLICATION)).returncode == 0
        port = free_port()
        alone = {**installation, "GOVERN_WEB_PORT": str(port), "GOVERN_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        web = Running(alone, "web")
        try:
            web.wait_for("Press Ctrl-C to stop.")
            assert f"Web front: http://127.0.0.1:{port} (listening on 127.0.0.1:{port})\n" in web.lines
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as browser:
                form = browser.get("/sign-in")
                token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
                browser.post("/sign-in", data={"email": f"{OFFICER}@secretariat.example.org", "csrf_token": token})
                body = _sign_in_mail(Path(installation["GOVERN_DATA_DIR"]) / "mail" / OFFICER)
                link = re.search(r"http://127\.0\.0\.1:\d+(/sign-in/link\?token=\S+)", body).group(1)  # type: ignore[union-attr]
                assert browser.get(link).status_code == 303
                task = browser.get("/cases/grant/2027-014/tasks/screening")
                token = re.search(r'name="csrf_token" value="([^"]+)"', task.text).group(1)  # type: ignore[union-attr]
                done = browser.post(
                    "/cases/grant/2027-014/act", data={"action": "screen", "outcome": "eligible", "csrf_token": token}
                )
            assert done.status_code == 200 and "Recorded." in done.text
        finally:
            assert web.stop() == 0
        assert any("Web front stopped." in line for line in web.lines)
        log = govern(
            installation, "audit", "log", "--stream", "grant/2027-014", "--type", "EligibilityScreened", "--json"
        )
        assert '"actor":"programme-officer-brussels"' in log.stdout and '"name":"web"' in log.stdout
    finally:
        assert up.stop() == 0


def test_govern_web_needs_an_existing_store_and_creates_none(installation: dict[str, str]) -> None:
    refused = govern(installation, "web")
    assert refused.returncode == 2
    store = Path(installation["GOVERN_DATA_DIR"]) / "audit.db"
    assert refused.stderr.strip() == f"No audit store at {store.resolve()}."
    assert not Path(installation["GOVERN_DATA_DIR"]).exists()


def test_a_taken_web_port_stops_start_up_with_one_sentence(installation: dict[str, str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = {**installation, "GOVERN_WEB_PORT": str(port)}
        up = govern(busy, "up")
    assert up.returncode == 2
    assert up.stderr.strip().splitlines()[-1] == (
        f"Port {port} on 127.0.0.1 is already in use (GOVERN_WEB_PORT); is another `govern up` or `govern web` running?"
    )
    assert not (Path(installation["GOVERN_DATA_DIR"]) / "temporal.db").exists()
