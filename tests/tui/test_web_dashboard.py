"""`drumbridge dashboard --web`: the dashboard served to a real headless Chromium, read back by OCR."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.cli.web_dashboard import WebDashboardError, allowed, check_token
from tests.rig.browser import Browser, chromium_path, ocr

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_for_http(url: str, process: subprocess.Popen[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1]
        try:
            status(url)
            return
        except OSError:
            time.sleep(0.1)  # waiting for another process to bind its port
    raise AssertionError(f"{url} did not answer within {timeout} s")


def children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            return process.communicate(timeout=10)[1]
        except subprocess.TimeoutExpired:
            process.kill()
    return process.communicate()[1]


@pytest.fixture
def show(jack_server, tmp_path: Path) -> Iterator[int]:  # noqa: ANN001
    """`drumbridge run` with a responder and remote attach on a free port; yields that port."""
    port = free_port()
    set_file = tmp_path / "web.toml"
    set_file.write_text(f"""
[clock]
source = "internal"
bpm = 132.0
output = "drumbridge clock out (web test)"

[[responders]]
name = "skins"
model = "builtin:drums"

[dashboard]
remote = true
port = {port}
""")
    env = dict(os.environ, JACK_DEFAULT_SERVER=jack_server.name)
    process = subprocess.Popen([sys.executable, "-m", "bridge", "run", str(set_file), "--headless"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    ready = process.stderr.readline()
    assert "running" in ready, ready + stop(process)
    yield port
    stop(process)


needs_browser = pytest.mark.skipif(chromium_path() is None or shutil.which("tesseract") is None,
                                   reason="chromium and tesseract-ocr are installed by make test")


@needs_browser
@pytest.mark.jack
def test_the_browser_shows_the_running_show(show: int, tmp_path: Path) -> None:
    web_port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "bridge", "dashboard", "--connect", f"127.0.0.1:{show}",
                            "--web", str(web_port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
    browser = None
    try:
        wait_for_http(f"http://127.0.0.1:{web_port}/", web)
        browser = Browser()
        browser.open(f"http://127.0.0.1:{web_port}/")
        text = ""
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if browser.evaluate("document.body.classList.contains('-first-byte')"):
                text = ocr(browser.screenshot(tmp_path / "dashboard.png"))
                if "132" in text and "skins" in text:
                    break
            time.sleep(0.5)  # the page, its websocket and the dashboard process start in their own time
        assert "132" in text and "BPM" in text and "skins" in text, f"OCR read:\n{text}"
        viewers = children_of(web.pid)
        assert viewers, "no dashboard process for the visit"
        web.kill()  # even a killed web server takes its dashboards with it
        web.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in viewers):
            time.sleep(0.05)  # the kernel delivers the parent-death signal on its own time
        assert not any(Path(f"/proc/{pid}").exists() for pid in viewers), "a dashboard outlived its web server"
    finally:
        if browser is not None:
            browser.close()
        stop(web)


def test_only_localhost_goes_without_a_token() -> None:
    check_token("127.0.0.1", "")
    check_token("localhost", "")
    with pytest.raises(WebDashboardError, match="token"):
        check_token("0.0.0.0", "")
    with pytest.raises(WebDashboardError, match="at least 8"):
        check_token("192.0.2.7", "short")
    check_token("0.0.0.0", "a-long-secret")


def test_the_page_and_its_websocket_need_the_token_but_static_files_do_not() -> None:
    assert allowed("/", None, None, "")  # localhost: no gate
    assert not allowed("/", None, None, "a-long-secret")
    assert not allowed("/ws", "wrong-token-x", None, "a-long-secret")
    assert allowed("/", "a-long-secret", None, "a-long-secret")
    assert allowed("/ws", None, "a-long-secret", "a-long-secret")  # the cookie the page set
    assert allowed("/static/js/textual.js", None, None, "a-long-secret")


def test_served_on_all_interfaces_the_page_refuses_a_visitor_without_the_token() -> None:
    web_port = free_port()
    env = dict(os.environ, DRUMBRIDGE_TOKEN="a-long-secret")
    web = subprocess.Popen([sys.executable, "-m", "bridge", "dashboard", "--connect", "127.0.0.1:1",
                            "--web", f"0.0.0.0:{web_port}"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        wait_for_http(f"http://127.0.0.1:{web_port}/", web)
        assert status(f"http://127.0.0.1:{web_port}/") == 403
        assert status(f"http://127.0.0.1:{web_port}/?token=nope-nope") == 403
        assert status(f"http://127.0.0.1:{web_port}/?token=a-long-secret") == 200
    finally:
        stop(web)


def test_all_interfaces_without_a_token_is_refused_before_serving() -> None:
    result = subprocess.run([sys.executable, "-m", "bridge", "dashboard", "--web", "0.0.0.0:1"], cwd=ROOT,
                            env={k: v for k, v in os.environ.items() if k != "DRUMBRIDGE_TOKEN"},
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "token" in result.stderr
