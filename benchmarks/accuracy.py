"""Accuracy of the verdicts on a labelled corpus: right at the end, steady live, fast to alarm.

This is ``make accuracy`` (and the last section of ``make bench``). The corpus is every
simulator scenario (``vaetui.simulate.truth`` holds each one's ground truth, from its story and
the seed's bands), a few healthy runs at other lengths and seeds, and every log in
``shared/logs/generated`` (``manifest.json`` holds theirs). For each criterion it prints:

* accuracy at the end of the run (``check``'s batch reading, and the live reading at the end);
* false alarms: healthy runs on which the criterion read ``bad``, at the end or at any moment live;
* verdict changes on healthy runs followed live after their first quarter (the budget: 2 per
  run segment, plus 2 per kl_weight schedule change). Counted per segment (a log a run
  restarted in holds two runs), and from level to level: a criterion's first reading out of
  ``pending`` (where a KL warm-up ends, say) begins its judging; it has a column of its own;
* detection lag in steps: from where the evidence begins (the first NaN; raw KL below 10) to
  the newest step read when the change was reported, and the stamp's distance from it.

Live replays go through the core in-process, one physical line at a time; a few also go through
the real ``vaetui check --follow --json`` in a subprocess, the log written a line at a time.
Figures are measurements, never pass/fail: the exit status is 0 whatever they say.

Usage::

    .venv/bin/python benchmarks/accuracy.py [--quick] [--no-follow] [--save FILE]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from vaetui.core.follow import read_whole  # noqa: E402
from vaetui.core.options import RunOptions  # noqa: E402
from vaetui.core.run import Run  # noqa: E402
from vaetui.core.snapshot import CRITERIA_IDS  # noqa: E402
from vaetui.simulate import FORMATS, SCENARIOS, generate_records, write_log  # noqa: E402
from vaetui.simulate.replay import Replay, replay_follow, replay_in_process  # noqa: E402
from vaetui.simulate.truth import TRUTH, Evidence, evidence  # noqa: E402

GENERATED = REPO.parent / "shared" / "logs" / "generated"
HEALTHY_SCENARIOS = ("healthy", "warmup", "restart")
#: Criteria the live budget is about (stall depends on the wall clock, not the log).
JUDGED = tuple(c for c in CRITERIA_IDS if c != "stall")


@dataclass
class Case:
    """One labelled log."""

    name: str
    levels: dict[str, frozenset[str]]
    healthy: bool
    data: bytes | None = None
    path: Path | None = None
    evidence: list[Evidence] = field(default_factory=list)
    schedule_changes: int = 0
    options: dict[str, object] = field(default_factory=dict)
    follow: bool = False
    last_step: float = 0.0


def simulated_cases(quick: bool) -> Iterator[Case]:
    """Every scenario in kv and one other format, and healthy runs at other lengths and seeds."""
    others = [f for f in FORMATS if f != "kv"]
    # The VAE-GAN scenarios have no labels here: tests/unit/test_gan_scenarios.py judges them.
    labelled = [s for s in SCENARIOS if s in TRUTH]
    for i, scenario in enumerate(labelled):
        steps = 20000 if scenario == "power-law" else 2000
        if quick and scenario == "power-law":
            steps = 6000
        fmts = ["kv"] if quick else ["kv", others[i % len(others)]]
        for fmt in fmts:
            yield _sim_case(scenario, fmt, steps, 0, follow=fmt == "kv")
    extra = [(1, 3000, 10, "logging"), (2, 3500, 10, "kv")]
    if not quick:
        extra += [(3, 3000, 1, "jsonl"), (4, 20000, 50, "tqdm"), (5, 8000, 100, "kv")]
    for seed, steps, every, fmt in extra:
        yield _sim_case("healthy", fmt, steps, seed, every=every)


def _sim_case(
    scenario: str, fmt: str, steps: int, seed: int, every: int = 10, follow: bool = False
) -> Case:
    buf = io.StringIO()
    write_log(buf, scenario=scenario, steps=steps, fmt=fmt, seed=seed, log_every=every)
    truth = TRUTH[scenario]
    records = list(generate_records(scenario, steps, seed, every))
    return Case(
        name=f"sim {scenario} {fmt} {steps}/{every} s{seed}",
        levels=truth.levels,
        healthy=truth.healthy,
        data=buf.getvalue().encode("utf-8"),
        evidence=evidence(scenario, records),
        schedule_changes=truth.schedule_changes,
        options=dict(truth.options),
        follow=follow and scenario in ("healthy", "collapse", "diverge", "kl-raised", "cyclical"),
        last_step=float(steps),
    )


def generated_cases(folder: Path = GENERATED) -> Iterator[Case]:
    """Every log of ``shared/logs/generated`` with its manifest's levels."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return
    for entry in json.loads(manifest.read_text(encoding="utf-8"))["files"]:
        path = folder / entry["path"]
        if not path.exists():
            continue
        ev = []
        if entry["first_nonfinite_logged_step"] is not None:
            ev.append(Evidence("divergence", "bad", entry["first_nonfinite_logged_step"], 0.0))
        yield Case(
            name=f"gen {entry['path']}",
            levels={k: frozenset({v}) for k, v in entry["expected"].items()},
            healthy=entry["scenario"] in HEALTHY_SCENARIOS,
            data=None if path.is_dir() else path.read_bytes(),
            path=path,
            evidence=ev,
            last_step=float(entry["last_step"]),
        )


@dataclass
class Result:
    case: Case
    batch: dict[str, str]
    replay: Replay | None
    follow_changes: list[dict] | None = None
    follow_final: dict[str, str] | None = None


def judge_case(case: Case, live: bool, follow: bool) -> Result:
    """The batch reading at the end, and (for text logs) the live replay."""
    options = RunOptions(**case.options)  # type: ignore[arg-type]
    run = Run(case.name, options)
    if case.data is None:
        assert case.path is not None
        read_whole(str(case.path), run)
    else:
        run.feed(case.data)
        run.finish()
    batch = {v.id: v.level for v in run.snapshot().criteria}
    replay = None
    if live and case.data is not None:
        replay = replay_in_process(case.data, RunOptions(**case.options, live=True))  # type: ignore[arg-type]
    result = Result(case, batch, replay)
    if follow and case.follow and case.data is not None:
        with tempfile.TemporaryDirectory() as tmp:
            args = tuple(f"--{k.replace('_', '-')}={v}" for k, v in case.options.items())
            changes, final = replay_follow(case.data, Path(tmp) / "follow.log", args)
        result.follow_changes = changes
        result.follow_final = {c["id"]: c["level"] for c in final["criteria"]}
    return result


# --------------------------------------------------------------------------- figures
def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "-"


def criterion_table(results: list[Result]) -> str:
    """Per criterion: end accuracy (batch, live), false alarms, late changes on healthy runs."""
    rows = [
        "| criterion | accuracy at end (check) | accuracy at end (live) | false alarms "
        "(healthy runs called bad) | late changes on healthy runs (sum / worst run) |",
        "|---|---|---|---|---|",
    ]
    for cid in JUDGED:
        ok = n = live_ok = live_n = alarms = healthy_n = 0
        late: list[int] = []
        for r in results:
            want = r.case.levels.get(cid)
            if want is not None:
                n += 1
                ok += r.batch[cid] in want
                if r.replay is not None and r.replay.final is not None:
                    live_n += 1
                    live_ok += r.replay.final.verdict(cid).level in want  # type: ignore[union-attr]
            if r.case.healthy:
                healthy_n += 1
                ever = r.replay.shown.get(cid, set()) if r.replay else set()
                alarms += r.batch[cid] == "bad" or "bad" in ever
                if r.replay is not None:
                    late.append(sum(c.criterion == cid for c in _late(r)))
        worst = max(late) if late else 0
        rows.append(
            f"| {cid} | {_pct(ok, n)} | {_pct(live_ok, live_n)} | {alarms}/{healthy_n} | "
            f"{sum(late)} / {worst} |"
        )
    return "\n".join(rows)


def _late(r: Result) -> list:
    """The changes the steady-badge budget counts (see ``Replay.flaps``)."""
    assert r.replay is not None
    return r.replay.flaps(0.25)


def _first_readings_late(r: Result) -> int:
    """First readings seen after the first quarter of their segment (not in the budget)."""
    assert r.replay is not None
    return sum(1 for c in r.replay.after_quarter(0.25) if c.first_reading)


def budget_table(results: list[Result]) -> str:
    """Per healthy run followed live: late changes against its budget."""
    rows = [
        "| healthy run | changes after 1st quarter | budget | first readings after it | "
        "all changes | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        if not r.case.healthy or r.replay is None:
            continue
        late = len(_late(r))
        budget = 2 * max(len(r.replay.spans), 1) + 2 * r.case.schedule_changes
        rows.append(
            f"| {r.case.name} | {late} | {budget} | {_first_readings_late(r)} | "
            f"{len(r.replay.changes)} | "
            f"{'yes' if late <= budget else 'NO'} |"
        )
    return "\n".join(rows)


def lag_table(results: list[Result]) -> str:
    """Per failure with a known start: steps until it was reported, and the stamp's error."""
    rows = [
        "| run | criterion -> level | evidence at step | reported at step (lag) | stamped "
        "step (error) | budget | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if r.replay is None:
            continue
        for ev in r.case.evidence:
            seen = r.replay.first(ev.criterion, ev.level)
            if seen is None or seen.read_step is None:
                rows.append(
                    f"| {r.case.name} | {ev.criterion} -> {ev.level} | {ev.step:g} | never | - | "
                    f"{_budget(ev)} | {'NO' if ev.budget is not None else '-'} |"
                )
                continue
            lag = seen.read_step - ev.step
            stamp = "-" if seen.step is None else f"{seen.step:g} ({seen.step - ev.step:+g})"
            met = "-" if ev.budget is None else ("yes" if lag <= ev.budget else "NO")
            rows.append(
                f"| {r.case.name} | {ev.criterion} -> {ev.level} | {ev.step:g} | "
                f"{seen.read_step:g} ({lag:+g}) | {stamp} | {_budget(ev)} | {met} |"
            )
    return "\n".join(rows)


def _budget(ev: Evidence) -> str:
    return "-" if ev.budget is None else f"{ev.budget:g}"


def follow_table(results: list[Result]) -> str:
    """The runs replayed through the real ``check --follow --json``.

    Late changes are counted as the budget counts them (level to level, stamped after the
    first quarter); the Overall badge's own changes, which ``check --follow`` prints too, are
    a column of their own.
    """
    rows = [
        "| run (check --follow --json) | changes printed | after 1st quarter (of them Overall) "
        "| end levels right |",
        "|---|---|---|---|",
    ]
    for r in results:
        if r.follow_changes is None or r.follow_final is None:
            continue
        quarter = 0.25 * r.case.last_step
        late = [
            c
            for c in r.follow_changes
            if (c["step"] or 0) > quarter and c["from"] not in (None, "n/a", "pending")
        ]
        overall = sum(1 for c in late if c["criterion"] == "overall")
        right = sum(r.follow_final[c] in w for c, w in r.case.levels.items())
        rows.append(
            f"| {r.case.name} | {len(r.follow_changes)} | {len(late)} ({overall}) | "
            f"{right}/{len(r.case.levels)} |"
        )
    return "\n".join(rows)


def _end_levels(r: Result, live: bool) -> dict[str, str] | None:
    """The levels a run ended on: ``check``'s batch reading, or the live replay's last one."""
    if not live:
        return r.batch
    final = r.replay.final if r.replay is not None else None
    return None if final is None else {v.id: v.level for v in final.criteria}


def mistakes(results: list[Result], live: bool = False) -> str:
    """Every end reading (batch, or with ``live`` the replay's) that missed its truth."""
    out = []
    for r in results:
        levels = _end_levels(r, live)
        if levels is None:
            continue
        for cid, want in r.case.levels.items():
            if cid in levels and levels[cid] not in want:
                out.append(
                    f"- {r.case.name}: {cid} read {levels[cid]}, truth {'/'.join(sorted(want))}"
                )
    return "\n".join(out) or "- none"


def alarms(results: list[Result]) -> str:
    """Every healthy run a criterion called bad, at the end or at some moment live."""
    out = []
    for r in results:
        if not r.case.healthy:
            continue
        for cid in JUDGED:
            ever = r.replay.shown.get(cid, set()) if r.replay else set()
            if r.batch[cid] == "bad" or "bad" in ever:
                first = r.replay.first(cid, "bad") if r.replay else None
                at = f" live from step {first.read_step:g}" if first and first.read_step else ""
                out.append(f"- {r.case.name}: {cid} bad (end: {r.batch[cid]}){at}")
    return "\n".join(out) or "- none"


def report(results: list[Result], took: float) -> str:
    """All tables, as printed and as saved."""
    sims = sum(r.case.name.startswith("sim") for r in results)
    head = (
        f"corpus: {len(results)} logs ({sims} simulated, {len(results) - sims} generated), "
        f"{sum(r.case.healthy for r in results)} healthy; {took:.0f} s"
    )
    parts = [
        head,
        "",
        criterion_table(results),
        "",
        budget_table(results),
        "",
        lag_table(results),
        "",
        follow_table(results),
        "",
        "misses at the end (check):",
        mistakes(results),
        "",
        "misses at the end (live):",
        mistakes(results, live=True),
        "",
        "false alarms (healthy runs called bad):",
        alarms(results),
    ]
    return "\n".join(parts)


def run(
    quick: bool = False, follow: bool = True, generated: Path = GENERATED
) -> tuple[list[Result], float]:
    """Judge the whole corpus; return the results and the seconds it took."""
    t0 = time.perf_counter()
    cases = list(simulated_cases(quick)) + list(generated_cases(generated))
    results = [judge_case(c, live=True, follow=follow) for c in cases]
    return results, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer and shorter runs")
    p.add_argument("--no-follow", action="store_true", help="skip the check --follow subprocesses")
    p.add_argument("--save", type=Path, help="also write the report to this file")
    p.add_argument("--generated", type=Path, default=GENERATED, help="the generated logs folder")
    args = p.parse_args(argv)
    results, took = run(args.quick, follow=not args.no_follow, generated=args.generated)
    text = report(results, took)
    print(text)
    if args.save:
        args.save.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
