"""The proxy container's entrypoint follows the pools' addresses and reloads nginx when they change."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))

from proxy import addresses  # noqa: E402
from proxy import follow  # noqa: E402

#: A stand-in for nginx's master: counts SIGHUPs in a file and exits 0 on SIGTERM.
MASTER = """
import signal, sys, time
out = open(sys.argv[1], "a", buffering=1)
signal.signal(signal.SIGHUP, lambda *_: out.write("reload\\n"))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
print("ready", flush=True)
while True:
    time.sleep(0.01)
"""


def info(ip: str, port: int) -> tuple:
    """Return one ``getaddrinfo`` entry for ``ip:port``."""
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))


def test_names_resolve_to_every_address_with_the_port() -> None:
    found = addresses(["localhost:8000"])
    assert found is not None
    assert "127.0.0.1:8000" in found


def test_a_name_that_does_not_resolve_now_keeps_the_running_config() -> None:
    def nothing(*_args, **_kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    assert addresses(["app:8000", "ws:8000"], nothing) is None
    assert addresses(["no-such-host.invalid:8000"]) is None


def test_nginx_is_reloaded_once_per_change_of_addresses(tmp_path: Path) -> None:
    """A scale-up, a lookup failing mid-restart, a recreated instance: two reloads, no more."""
    reloads = tmp_path / "reloads"
    master = subprocess.Popen([sys.executable, "-c", MASTER, str(reloads)], stdout=subprocess.PIPE, text=True)
    assert master.stdout is not None
    assert master.stdout.readline() == "ready\n"
    two = [info("172.18.0.5", 8000), info("172.18.0.6", 8000)]
    three = [*two, info("172.18.0.9", 8000)]
    recreated = [info("172.18.0.5", 8000), info("172.18.0.6", 8000), info("172.18.0.12", 8000)]
    answers: list[list[tuple] | None] = [two, two, two, three, three, None, recreated, recreated]
    calls = 0

    def resolve(host: str, port: int, **_kwargs) -> list[tuple]:
        nonlocal calls
        calls += 1
        if not answers:
            master.terminate()
            return recreated
        answer = answers.pop(0)
        if answer is None:
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return answer

    lines: list[str] = []
    status = follow(master, ["app:8000"], every=0.05, resolve=resolve, log=lines.append)
    master.stdout.close()
    assert status == 0
    assert reloads.read_text().splitlines() == ["reload", "reload"]
    changed = "proxy: upstream addresses changed to {}: reloading nginx"
    assert lines == [
        changed.format("172.18.0.5:8000, 172.18.0.6:8000, 172.18.0.9:8000"),
        changed.format("172.18.0.12:8000, 172.18.0.5:8000, 172.18.0.6:8000"),
    ]
    assert calls >= 8


def test_the_entrypoint_exits_with_nginx_status(tmp_path: Path) -> None:
    master = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert follow(master, ["localhost:8000"], every=0.05) == 3
