"""The alert machinery of the core: news, folding, body shapes, terminal sequences, sinks."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.support.receiver import free_port, wait_for, webhook_receiver
from vaetui.core.alerts import Alert, AlertConfig, AlertDispatcher, is_news
from vaetui.core.alerts.fold import Folder
from vaetui.core.alerts.hooks import HookSink
from vaetui.core.alerts.shapes import SHAPES
from vaetui.core.alerts.terminal import notification, tmux_wrap
from vaetui.core.alerts.webhook import WebhookSink, check_url
from vaetui.core.options import RunOptions
from vaetui.core.run import Run
from vaetui.core.snapshot import VerdictChange


def _change(seq: int, before: str | None, after: str, criterion: str = "kl_zone") -> VerdictChange:
    return VerdictChange(seq, criterion, before, after, 1200.0, 1210, "raw KL 4.2", "lower beta")


def _alert(before: str, after: str, run: str = "a.log", criterion: str = "kl_zone") -> Alert:
    return Alert.from_change(_change(1, before, after, criterion), run, f"/runs/{run}", 1e9)


def test_a_healthy_first_level_is_not_news_but_a_bad_one_is() -> None:
    assert not is_news(_change(1, None, "excellent"))
    assert not is_news(_change(1, None, "ok"))
    assert is_news(_change(1, None, "bad"))
    assert is_news(_change(2, "ok", "excellent"))


def test_a_level_after_pending_is_judged_as_a_first_level() -> None:
    # A picture taken before the first lines were read leaves every criterion pending.
    assert not is_news(_change(2, "pending", "ok"))
    assert not is_news(_change(2, "n/a", "excellent"))
    assert is_news(_change(2, "pending", "bad"))
    assert is_news(_change(2, "n/a", "watch"))
    assert is_news(_change(3, "ok", "pending"))  # the log was cut: what was judged is gone


def test_alert_levels_reach_the_minimum_on_either_side() -> None:
    assert _alert("ok", "watch").reaches("watch") and not _alert("ok", "watch").reaches("bad")
    assert _alert("bad", "ok").reaches("bad")  # the recovery is told to those who heard of it
    assert _alert("bad", "ok").recovered and not _alert("ok", "bad").recovered


def test_folding_holds_flaps_and_never_delays_an_escalation() -> None:
    folder = Folder(quiet=60)
    assert folder.offer(_alert("ok", "watch"), now=0) == [_alert("ok", "watch")]
    assert folder.offer(_alert("watch", "ok"), now=5) == []  # held
    assert folder.offer(_alert("ok", "watch"), now=10) == []  # back where it was
    assert folder.due(now=61) == []  # the flap undid itself: nothing new to say
    sent = folder.offer(_alert("watch", "bad"), now=70)  # worse: at once
    assert [a.after for a in sent] == ["bad"]
    assert folder.offer(_alert("bad", "watch"), now=75) == []
    assert folder.offer(_alert("watch", "ok"), now=80) == []
    later = folder.due(now=131)
    assert [(a.after, a.folded) for a in later] == [("ok", 2)]
    other = folder.offer(_alert("ok", "watch", run="b.log"), now=132)
    assert other and other[0].run == "b.log"  # each run and criterion folds alone


def test_every_shape_carries_the_change_and_escapes_what_the_service_reads() -> None:
    alert = _alert("ok", "bad", run="<!channel>&@everyone")
    generic = json.loads(SHAPES["generic"](alert)[0])
    assert generic["level"] == "bad" and generic["from"] == "ok" and generic["step"] == 1200
    assert generic["timestamp"].startswith("2001-09-09T01:46:40")
    slack = json.loads(SHAPES["slack"](alert)[0])
    assert "&lt;!channel&gt;&amp;" in slack["text"] and slack["blocks"][0]["type"] == "section"
    discord = json.loads(SHAPES["discord"](alert)[0])
    assert discord["allowed_mentions"] == {"parse": []}
    assert discord["embeds"][0]["color"] == 0xD9534F and "KL zone" in discord["content"]
    body, headers = SHAPES["ntfy"](_alert("ok", "bad", run="réseau.log"))
    assert body.decode().startswith("raw KL 4.2") and headers["Priority"] == "high"
    assert headers["Title"].startswith("=?UTF-8?B?") and headers["Title"].isascii()
    assert SHAPES["ntfy"](_alert("bad", "ok"))[1]["Tags"] == "white_check_mark"


def test_terminal_notification_is_a_bell_and_two_osc_sequences() -> None:
    text = notification(_alert("ok", "bad"), in_tmux=False)
    assert text.startswith("\a")
    assert "\x1b]9;vaetui BAD: a.log: KL zone ok -> bad at step 1200" in text
    assert "\x1b]777;notify;vaetui BAD;a.log: KL zone" in text
    wrapped = notification(_alert("ok", "bad"), in_tmux=True)
    assert wrapped.count("\x1bPtmux;") == 2 and "\x1b\x1b]9;" in wrapped
    assert tmux_wrap("\x1b]9;x\x1b\\") == "\x1bPtmux;\x1b\x1b]9;x\x1b\x1b\\\x1b\\"


def test_log_text_cannot_smuggle_escapes_into_a_notification() -> None:
    alert = _alert("ok", "bad", run="evil\x1b]0;owned\x07;log")
    text = notification(alert, in_tmux=False)
    assert "owned\x07" not in text and text.count("\x1b") == 4


def test_hooks_run_in_the_background_and_failures_are_reported(tmp_path: Path) -> None:
    reports: list[str] = []
    out = tmp_path / "env"
    sink = HookSink(f'env > "{out}"', reports.append)
    started = time.monotonic()
    sink.send(_alert("ok", "bad"))
    assert time.monotonic() - started < 1.0  # send never waits for the command
    wait_for(lambda: out.exists() and "VAETUI_TO=bad" in out.read_text(), what="the hook")
    assert "VAETUI_CRITERION=kl_zone" in out.read_text()
    only_bad = HookSink("exit 7", reports.append, only_bad=True, timeout=5)
    only_bad.send(_alert("ok", "watch"))  # not a change to bad: not run
    only_bad.send(_alert("watch", "bad"))
    only_bad.close(10)
    sink.close(10)
    assert reports == [
        "--on-bad hook 'exit 7' failed with exit code 7 (for a.log: KL zone "
        "watch -> bad at step 1200)"
    ]


def test_a_hanging_hook_is_killed_with_its_children(tmp_path: Path) -> None:
    reports: list[str] = []
    sink = HookSink("sleep 60 & sleep 60", reports.append, timeout=0.3)
    sink.send(_alert("ok", "bad"))
    sink.close(10)
    assert len(reports) == 1 and "was killed after 0.3 s" in reports[0]


def test_webhook_retries_until_delivered() -> None:
    reports: list[str] = []
    with webhook_receiver(fail_first=2) as receiver:
        sink = WebhookSink(receiver.url, reports.append, first_pause=0.05)
        sink.send(_alert("ok", "bad"))
        sink.close(10)
        assert len(receiver.requests) == 1 and sink.delivered == 1
    assert reports == []


def test_an_unreachable_webhook_is_reported_once_per_alert() -> None:
    reports: list[str] = []
    url = f"http://127.0.0.1:{free_port()}/x"
    sink = WebhookSink(url, reports.append, first_pause=0.01)
    sink.send(_alert("ok", "bad"))
    sink.close(10)
    assert len(reports) == 1 and reports[0].startswith(f"webhook {url} failed (")


def test_webhook_urls_are_checked() -> None:
    assert check_url("https://ntfy.sh/my-runs") == "https://ntfy.sh/my-runs"
    for bad in ("ntfy.sh/x", "file:///etc/passwd", "http://:80/", "http://h:99999999/"):
        try:
            check_url(bad)
        except ValueError as exc:
            assert "--webhook" in str(exc)
        else:
            raise AssertionError(bad)


def test_the_dispatcher_reads_each_change_of_a_run_once(tmp_path: Path) -> None:
    log = [
        f"step {s} loss=1.0 rec_loss=0.01 kl_loss=400 kl_weight=1e-4\n" for s in range(0, 3000, 10)
    ]
    log += [
        f"step {s} loss=1.0 rec_loss=0.2 kl_loss=2 kl_weight=1e-4\n" for s in range(3000, 9000, 10)
    ]
    run = Run("train.log", RunOptions(live=True))
    reports: list[str] = []
    with webhook_receiver() as receiver:
        dispatcher = AlertDispatcher(
            AlertConfig(webhooks=(receiver.url,), alert_level="bad", quiet=0), reports.append
        )
        seen = []
        for start in range(0, len(log), 60):
            run.feed("".join(log[start : start + 60]).encode())
            snap = run.snapshot()
            seen += dispatcher.observe(snap, "train.log", "/runs/train.log")
            assert dispatcher.observe(snap, "train.log", "/runs/train.log") == []  # seen
        dispatcher.close(10)
        posted = [json.loads(r.body) for r in receiver.requests]
    assert any(a.criterion == "kl_zone" and a.after == "bad" for a in seen)
    assert all(a.criterion != "overall" for a in seen)
    assert posted and all("bad" in (d["from"], d["to"]) for d in posted)
    assert reports == []


def test_a_picture_taken_after_a_few_lines_does_not_make_a_healthy_start_news(
    tmp_path: Path,
) -> None:
    # The TUI may take a picture after only the first few lines were read (a timer fires
    # between two reads on a busy machine); the criteria are then still pending, and the
    # next read moves them on from there. Whether that happened must not change what is news.
    lines = [
        f"step {s} loss=1.0 rec_loss=0.02 kl_loss=400 kl_weight=1e-4\n" for s in range(0, 500, 10)
    ]
    alerts: dict[bool, list[str]] = {}
    for picture_early in (False, True):
        run = Run("train.log", RunOptions(live=True))
        dispatcher = AlertDispatcher(AlertConfig(quiet=0), lambda _m: None)
        found: list[Alert] = []
        if picture_early:
            run.feed("".join(lines[:5]).encode())
            early = run.snapshot()
            assert any(v.level == "pending" for v in early.criteria)
            found += dispatcher.observe(early, "train.log", str(tmp_path / "train.log"))
            run.feed("".join(lines[5:]).encode())
        else:
            run.feed("".join(lines).encode())
        snap = run.snapshot()
        assert any(c.before == "pending" for c in snap.changes) == picture_early
        found += dispatcher.observe(snap, "train.log", str(tmp_path / "train.log"))
        alerts[picture_early] = sorted(f"{a.criterion}:{a.after}" for a in found)
        dispatcher.close(5)
    assert alerts[True] == alerts[False]
