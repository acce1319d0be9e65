"""What vaetui, `tail -F` and toolong show after each fault a training log meets in the wild.

Issue 7 asks for a comparison "from a script you run, not from memory": this is that script.
For every (fault, tool) pair it starts the tool on a fresh log holding steps 1-5, applies the
fault while writing more metric lines (each line names its step, so every line is recognisable
on screen), and then looks at what the tool shows:

* ``vaetui check``: ``vaetui check LOG --follow --json``, stopped with SIGTERM; its final
  summary's ``records`` is compared with the number of metric lines written (exact count).
* ``vaetui tail``, ``tail -F`` and ``tl`` (toolong) run in a detached tmux pane (120x40);
  ``capture-pane`` says which lines written after the fault are visible and how often.
  For ``vaetui tail`` (a dashboard, not a line viewer) the header's ``step N`` is read instead.

Escape handling is seen from the outside too: an OSC 2 title shows up as the pane title, an
OSC 52 clipboard write as a tmux paste buffer (``set-clipboard on``), a CSI colour as red
cells in ``capture-pane -e``, and Rich markup as the disappearance of its literal ``[bold red]``.
toolong is not a dependency: install it into a venv outside the repository and pass ``--tl``.

Usage::

    python3 -m venv /tmp/robust-helper/tl && /tmp/robust-helper/tl/bin/pip install toolong
    .venv/bin/python benchmarks/fault_comparison.py --tl /tmp/robust-helper/tl/bin/tl \\
        [--markdown docs/robustness-table.md]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VAETUI = str(REPO / ".venv" / "bin" / "vaetui")
SCRATCH = Path("/tmp/robust-helper/faults")
MiB = 1 << 20
COLS, ROWS = 120, 40
SEEN_TIMEOUT = 6.0
"""Seconds a tool gets to show the last line written after a fault before it counts as lost."""

TITLE_MARK, CLIP_MARK, CSI_MARK, MARKUP_MARK = "TITLEMARK", "CLIPMARK", "CSIMARK", "MARKUPMARK"


# ------------------------------------------------------------------------------ the writer
class Writer:
    """Appends metric lines the way a trainer does (O_APPEND, unbuffered) and remembers which
    steps it wrote, and which were written after the fault began."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.step = 0
        self.steps: list[int] = []
        self.after: list[int] = []
        self._fh = open(path, "ab", buffering=0)  # noqa: SIM115 - held open like a trainer's

    #: Constant fields at the end of every line (host, GPU, driver), longer than a short
    #: comparison window: a rewritten file then ends its lines like the old one.
    SUFFIX = " host=gpu-node-0001 gpu=NVIDIA-A100-SXM4-80GB driver=535.104.05 cuda=12.2"

    @staticmethod
    def line(step: int) -> bytes:
        rec = 0.05 + 0.5 / step
        text = f"step {step} loss={rec + 0.03:.6f} rec_loss={rec:.6f} kl_loss={300 + step % 7}"
        return (text + Writer.SUFFIX + "\n").encode()

    def raw(self, data: bytes) -> None:
        self._fh.write(data)

    def next_line(self, after: bool = True) -> bytes:
        self.step += 1
        self.steps.append(self.step)
        if after:
            self.after.append(self.step)
        return self.line(self.step)

    def metrics(self, n: int, after: bool = True) -> None:
        for _ in range(n):
            self.raw(self.next_line(after))

    def reopen(self) -> None:
        self._fh.close()
        self._fh = open(self.path, "ab", buffering=0)  # noqa: SIM115

    def close(self) -> None:
        self._fh.close()


# ------------------------------------------------------------------------------ the faults
def fault_growth(w: Writer) -> None:
    w.metrics(3)


def fault_partial(w: Writer) -> None:
    for _ in range(3):
        line = w.next_line()
        for a, b in ((0, 7), (7, 20), (20, len(line))):
            w.raw(line[a:b])
            time.sleep(0.3)


def fault_copytruncate(w: Writer) -> None:
    shutil.copyfile(w.path, w.path.with_name(w.path.name + ".copy"))
    os.truncate(w.path, 0)
    w.metrics(3)


def fault_rename(w: Writer) -> None:
    os.rename(w.path, w.path.with_name(w.path.name + ".1"))
    w.metrics(1)  # still into the old handle: logrotate has not told the trainer yet
    time.sleep(0.3)
    w.reopen()
    w.metrics(3)


def fault_delete(w: Writer) -> None:
    os.unlink(w.path)
    w.metrics(1)  # into the deleted file, through the handle the trainer holds
    time.sleep(0.3)
    w.reopen()
    w.metrics(3)


def fault_rewrite(w: Writer) -> None:
    """Truncate and write the file again in one go, longer than before (a trainer restarted
    with ``open(log, "w")``): nothing but the content says it is not plain growth."""
    fd = os.open(w.path, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, b"".join(w.next_line() for _ in range(8)))
    finally:
        os.close(fd)
    w.metrics(2)


def fault_nested(w: Writer) -> None:
    depth = 100_000
    w.raw(b'{"a": ' * depth + b"1" + b"}" * depth + b"\n")
    w.metrics(3)


def fault_garbage(w: Writer) -> None:
    rng = random.Random(1)
    alphabet = bytes(range(0x80, 0x100)) + b"\x00\x01\x07\x08\x7f"
    w.raw(b"\x00\xff\xfe\xc3(" + bytes(rng.choice(alphabet) for _ in range(1500)) + b"\n")
    w.metrics(3)


def fault_long_line(w: Writer) -> None:
    w.raw(b"noise " * (2 * MiB // 6) + b"\n")
    w.metrics(3)


def fault_escapes(w: Writer) -> None:
    clip = base64.b64encode(CLIP_MARK.encode())
    w.raw(f"\x1b]2;{TITLE_MARK}\x07window title set by the log\n".encode())
    w.raw(b"\x1b]52;c;" + clip + b"\x07 clipboard written by the log\n")
    w.raw(f"\x1b[1;31m{CSI_MARK}\x1b[0m coloured by the log\n".encode())
    w.raw(f"[bold red]{MARKUP_MARK}[/] rich markup in the log\n".encode())
    w.raw(b"\x1b]8;;http://evil.example/\x07a hyperlink\x1b]8;;\x07\n")
    w.metrics(3)


FAULTS: dict[str, tuple[str, Callable[[Writer], None]]] = {
    "growth": ("plain growth (control)", fault_growth),
    "partial": ("partial writes (a line in 3 pieces, 0.3 s apart)", fault_partial),
    "copytruncate": ("copytruncate (copy away, truncate to 0, keep writing)", fault_copytruncate),
    "rename": ("rename-rotation (mv log log.1; 1 line to old handle; new log)", fault_rename),
    "delete": ("delete + recreate (1 line to the deleted file first)", fault_delete),
    "rewrite": (
        "truncate + rewrite, longer than before, lines ending alike (one write)",
        fault_rewrite,
    ),
    "nested": ("a JSON object nested 100,000 deep on one line", fault_nested),
    "garbage": ("garbage bytes (random binary, invalid UTF-8, NUL)", fault_garbage),
    "long": ("a 2 MiB line without metrics", fault_long_line),
    "escapes": ("hostile escapes (OSC 2/52/8, CSI colour, Rich markup)", fault_escapes),
}


# ------------------------------------------------------------------------------ tmux tools
@dataclass
class Outcome:
    """What one tool showed after one fault."""

    verdict: str
    escapes: list[str] = field(default_factory=list)
    detail: str = ""

    def cell(self) -> str:
        parts = [self.verdict, *self.escapes]
        return "; ".join(parts)


class Tmux:
    """A private tmux server (its own socket) with one 120x40 pane running `command`."""

    def __init__(self, name: str, command: list[str], cwd: Path) -> None:
        self.socket = f"rh-{os.getpid()}-{name}"
        self.cmd(
            "new-session", "-d", "-x", str(COLS), "-y", str(ROWS), "-s", "t", "-c", str(cwd),
            " ".join(_quote(c) for c in command),
        )  # fmt: skip
        self.cmd("set-option", "-g", "set-clipboard", "on")
        self.cmd("set-option", "-g", "remain-on-exit", "on")
        self.cmd("set-option", "-g", "history-limit", "500")

    def cmd(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True)
        return done.stdout

    def screen(self, escapes: bool = False) -> str:
        flags = ["-p", "-J", "-S", "-300", "-t", "t"] + (["-e"] if escapes else [])
        return self.cmd("capture-pane", *flags)

    def title(self) -> str:
        return self.cmd("display-message", "-p", "-t", "t", "#{pane_title}").strip()

    def dead(self) -> bool:
        return self.cmd("display-message", "-p", "-t", "t", "#{pane_dead}").strip() == "1"

    def buffers(self) -> str:
        names = self.cmd("list-buffers", "-F", "#{buffer_name}").split()
        return "".join(self.cmd("show-buffer", "-b", n) for n in names)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
        # tmux 3.3 leaves the socket file behind; tidy it so runs do not pile them up.
        tmpdir = os.environ.get("TMUX_TMPDIR", "/tmp")
        (Path(tmpdir) / f"tmux-{os.getuid()}" / self.socket).unlink(missing_ok=True)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _count(screen: str, step: int) -> int:
    return len(re.findall(rf"(?<![\w.]){re.escape(f'step {step} loss=')}", screen))


def _red_before(screen_e: str, mark: str) -> bool:
    """True if the cells of `mark` carry a red foreground in ``capture-pane -e`` output."""
    i = screen_e.find(mark)
    if i < 0:
        return False
    for params in reversed(re.findall(r"\x1b\[([0-9;:]*)m", screen_e[max(0, i - 200) : i])):
        codes = [int(c) for c in re.split(r"[;:]", params) if c.isdigit()]
        if 31 in codes or 91 in codes:
            return True
        if codes[:2] == [38, 5] and len(codes) > 2:
            return codes[2] in (1, 9, 160, 196)
        if codes[:2] == [38, 2] and len(codes) > 4:
            r, g, b = codes[2:5]
            return r > 150 and g < 110 and b < 110
        if 0 in codes or not codes or 39 in codes:
            return False
    return False


def escape_findings(tmux: Tmux) -> list[str]:
    """Which hostile escapes the terminal ended up obeying, or showing raw."""
    found = []
    if tmux.title() == TITLE_MARK:
        found.append("OSC 2 title set")
    if CLIP_MARK in tmux.buffers():
        found.append("OSC 52 clipboard written")
    plain, coloured = tmux.screen(), tmux.screen(escapes=True)
    if "[1;31m" in plain:
        found.append("CSI shown raw")
    elif _red_before(coloured, CSI_MARK):
        found.append("CSI colour interpreted")
    if MARKUP_MARK in plain and "[bold red]" not in plain:
        found.append("Rich markup interpreted")
    if "]52;" in plain or "]2;" in plain:
        found.append("OSC shown raw")
    return found or ["escapes not obeyed"]


def judge_screen(tmux: Tmux, w: Writer, fault: str, started_ok: bool) -> Outcome:
    """Lost / doubled / stopped following / crashed, from what a line viewer shows."""
    if tmux.dead():
        return Outcome("crashed", detail=tmux.screen()[-400:])
    if not started_ok:
        return Outcome("did not start", detail=tmux.screen()[-400:])
    last = w.after[-1]
    wait_until(lambda: _count(tmux.screen(), last) > 0 or tmux.dead(), SEEN_TIMEOUT)
    time.sleep(0.6)  # let a late duplicate show up too
    if tmux.dead():
        return Outcome("crashed", detail=tmux.screen()[-400:])
    screen = tmux.screen()
    counts = {s: _count(screen, s) for s in w.after}
    before = {s: _count(screen, s) for s in w.steps if s not in w.after}
    missing = [s for s, c in counts.items() if c == 0]
    doubled = [s for s, c in {**before, **counts}.items() if c > 1]
    escapes = escape_findings(tmux) if fault == "escapes" else []
    if len(missing) == len(counts):
        verdict = "stopped following"
    elif missing and missing == w.after[len(w.after) - len(missing) :]:  # all from one on
        verdict = f"stopped following ({len(missing)}/{len(counts)} lines after the fault missing)"
    elif missing:
        split = fault == "partial" and any(
            re.search(rf"step {s}\s*[┃│]?\s*$", screen, re.M) for s in missing
        )
        verdict = f"lost {len(missing)}/{len(counts)} lines" + (" (split)" if split else "")
    elif doubled:
        verdict = f"doubled ({len(doubled)} lines)"
    else:
        verdict = "ok"
    if doubled and missing:
        verdict += f", doubled {len(doubled)}"
    return Outcome(verdict, escapes, detail=f"counts={counts} before={before}")


def judge_dashboard(tmux: Tmux, w: Writer, fault: str, started_ok: bool) -> Outcome:
    """vaetui tail is a dashboard: its header says the last step it has read."""
    if tmux.dead():
        return Outcome("crashed", detail=tmux.screen()[-800:])
    if not started_ok:
        return Outcome("did not start", detail=tmux.screen()[-400:])
    want = f"step {w.after[-1]} "
    seen = wait_until(lambda: want in tmux.screen().splitlines()[0] + " ", SEEN_TIMEOUT)
    if tmux.dead():
        return Outcome("crashed", detail=tmux.screen()[-800:])
    escapes = escape_findings(tmux) if fault == "escapes" else []
    header = tmux.screen().splitlines()[0]
    return Outcome("ok (header at last step)" if seen else "stopped following", escapes, header)


def run_tmux_tool(tool: str, command: list[str], fault: str, workdir: Path) -> Outcome:
    log = workdir / "train.log"
    w = Writer(log)
    w.metrics(5, after=False)
    tmux = Tmux(f"{tool}-{fault}", [*command, str(log)], workdir)
    try:
        if tool == "vaetui tail":
            started = wait_until(lambda: "step 5 " in tmux.screen() or tmux.dead(), 15)
        else:
            started = wait_until(lambda: _count(tmux.screen(), 5) > 0 or tmux.dead(), 15)
        time.sleep(0.3)
        FAULTS[fault][1](w)
        w.close()
        judge = judge_dashboard if tool == "vaetui tail" else judge_screen
        return judge(tmux, w, fault, started and not tmux.dead())
    finally:
        tmux.close()


# ------------------------------------------------------------------------- vaetui check
def follower_position(pid: int, path: Path) -> int | None:
    """File offset of `pid`'s handle on the file now at `path` (from /proc), or None."""
    try:
        want = os.stat(path)
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return None
    for fd in fds:
        try:
            st = os.stat(f"/proc/{pid}/fd/{fd}")
            if (st.st_dev, st.st_ino) == (want.st_dev, want.st_ino):
                for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines():
                    if line.startswith("pos:"):
                        return int(line.split()[1])
        except OSError:
            continue
    return None


def run_check(fault: str, workdir: Path, poll: bool) -> Outcome:
    log = workdir / "train.log"
    w = Writer(log)
    w.metrics(5, after=False)
    args = [VAETUI, "check", str(log), "--follow", "--json", *(["--poll"] if poll else [])]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def caught_up() -> bool:
        pos = follower_position(proc.pid, log)
        return pos is not None and pos == log.stat().st_size

    try:
        wait_until(caught_up, 15)
        FAULTS[fault][1](w)
        w.close()
        wait_until(caught_up, SEEN_TIMEOUT)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if "Traceback" in err.decode() or proc.returncode not in (0, 1, 2):
        return Outcome("crashed", detail=err.decode()[-800:])
    summary = json.loads(out.decode().strip().splitlines()[-1])
    records, expected = summary["records"], len(w.steps)
    counts = f"records {records}/{expected}"
    if records == expected:
        verdict = f"ok ({counts})"
    elif records < expected:
        verdict = f"lost {expected - records} ({counts})"
    else:
        verdict = f"doubled {records - expected} ({counts})"
    extra = []
    if fault == "garbage":
        extra.append(f"bad_bytes {summary['bad_bytes']}")
    if fault == "long":
        extra.append(f"cut_lines {summary['cut_lines']}")
    if fault == "escapes":
        extra.append("escapes stripped (JSON out)")
    return Outcome(verdict, extra, detail=json.dumps({k: summary[k] for k in ("lines", "records")}))


# ------------------------------------------------------------------------------------ main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tl", help="toolong's `tl` command (from a venv outside the repo)")
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated subset")
    parser.add_argument("--no-tui", action="store_true", help="skip `vaetui tail`")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--verbose", action="store_true", help="print what each tool showed")
    args = parser.parse_args()

    tools: dict[str, Callable[[str, Path], Outcome]] = {
        "vaetui check (inotify)": lambda f, d: run_check(f, d, poll=False),
        "vaetui check --poll": lambda f, d: run_check(f, d, poll=True),
    }
    if not args.no_tui:
        tools["vaetui tail"] = lambda f, d: run_tmux_tool("vaetui tail", [VAETUI, "tail"], f, d)
    if shutil.which("tmux") is None:
        print("tmux not found: only vaetui check is compared", file=sys.stderr)
        tools = {k: v for k, v in tools.items() if k.startswith("vaetui check")}
    else:
        tools["tail -F"] = lambda f, d: run_tmux_tool("tail -F", ["tail", "-F"], f, d)
        if args.tl:
            tools["toolong (tl)"] = lambda f, d: run_tmux_tool("tl", [args.tl], f, d)

    started = time.monotonic()
    shutil.rmtree(SCRATCH, ignore_errors=True)
    faults = [f for f in args.faults.split(",") if f]
    table: dict[str, dict[str, Outcome]] = {}
    for fault in faults:
        table[fault] = {}
        for name, run in tools.items():
            workdir = SCRATCH / re.sub(r"\W+", "-", f"{fault}-{name}").strip("-")
            workdir.mkdir(parents=True)
            try:
                outcome = run(fault, workdir)
            except Exception as exc:  # one broken cell must not hide the others
                outcome = Outcome(f"harness error: {type(exc).__name__}: {exc}")
            table[fault][name] = outcome
            print(f"{fault:13} {name:24} {outcome.cell()}", file=sys.stderr)
            if (
                args.verbose or outcome.verdict.startswith(("crash", "harness"))
            ) and outcome.detail:
                print(f"    {outcome.detail}", file=sys.stderr)

    versions = _versions(args.tl)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    header = (
        f"Produced by `.venv/bin/python benchmarks/fault_comparison.py"
        f"{' --tl ' + args.tl if args.tl else ''}` on {when}, "
        f"{platform.node() or 'unknown host'} ({os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}); {versions}; {time.monotonic() - started:.0f} s."
    )
    lines = [header, "", "| fault | " + " | ".join(tools) + " |", "|---" * (len(tools) + 1) + "|"]
    for fault in faults:
        cells = [table[fault][name].cell() for name in tools]
        lines.append(f"| {FAULTS[fault][0]} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    return 0


def _versions(tl: str | None) -> str:
    parts = []
    for cmd in (["tail", "--version"], ["tmux", "-V"], [VAETUI, "--version"]):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
            parts.append(out.splitlines()[0].strip())
        except (OSError, IndexError, subprocess.SubprocessError):
            pass
    if tl:
        pip = Path(tl).with_name("pip")
        try:
            out = subprocess.run([str(pip), "show", "toolong"], capture_output=True, text=True)
            version = next(ln.split()[1] for ln in out.stdout.splitlines() if ln.startswith("Ver"))
            parts.append(f"toolong {version}")
        except (OSError, StopIteration):
            parts.append("toolong (version unknown)")
    return ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
