"""The processes a bench starts and what it reads of them: CPU seconds and resident memory
from /proc (Linux), and a wait until they fall quiet."""

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Process:
    """A process to read; `popen` when this bench started it (and so stops it)."""

    name: str
    pid: int
    popen: subprocess.Popen[bytes] | None = None

    def cpu(self) -> float:
        """User and system CPU seconds so far (its threads included)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def rss(self) -> int:
        """Resident memory in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"{self.name} has no VmRSS")

    def peak_rss(self) -> int:
        """The most resident memory it has had, in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"{self.name} has no VmHWM")

    def stop(self) -> None:
        if self.popen is None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


def spawn(name: str, command: list[str], log: Path, env: dict[str, str] | None = None) -> Process:
    with log.open("wb") as out:
        popen = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    return Process(name, popen.pid, popen)


def quiet(processes: list[Process], *, window: float = 1.0, below: float = 0.03) -> None:
    """Wait until the processes together spend less than `below` of a core over `window`
    seconds: the work a load left behind (trailing activities, e-mails) is done."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        before = sum(process.cpu() for process in processes)
        time.sleep(window)
        if sum(process.cpu() for process in processes) - before < below * window:
            return
    raise RuntimeError("the processes did not fall quiet within 5 minutes")
