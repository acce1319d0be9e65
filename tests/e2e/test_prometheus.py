"""A real Prometheus scrapes ``vaetui export`` while the followed log collapses.

Debian's ``prometheus`` package (installed by ``.ci/run``) runs on loopback with the shipped
rules; the test asks its HTTP query API for the verdict and for the NaN alert, and
``promtool`` validates and unit-tests the rules.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.collapse import collapse_parts
from tests.support.paths import REPO
from tests.support.receiver import free_port, wait_for
from tests.support.services import background, http_get, prom_query, wait_http

RULES = REPO / "contrib" / "prometheus" / "vaetui.rules.yml"
RULES_TEST = REPO / "contrib" / "prometheus" / "vaetui.rules.test.yml"
DASHBOARD = REPO / "contrib" / "grafana" / "vaetui-dashboard.json"
VAETUI = [sys.executable, "-m", "vaetui"]


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (apt-get install prometheus; .ci/run does)")
    return path


def _config(tmp_path: Path, target: str) -> Path:
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        f"rule_files:\n  - {RULES}\n"
        "scrape_configs:\n  - job_name: vaetui\n"
        f"    static_configs:\n      - targets: ['{target}']\n"
    )
    return config


def _level(base: str) -> float | None:
    result = prom_query(base, 'vaetui_verdict_level{criterion="kl_zone",run="train.log"}')
    return float(result[0]["value"][1]) if result else None


@pytest.mark.slow
def test_prometheus_sees_the_collapse_and_fires_the_nan_alert(tmp_path: Path) -> None:
    prometheus = _binary("prometheus")
    head, rest = collapse_parts(tmp_path)
    log = tmp_path / "train.log"
    log.write_bytes(head)
    export_port, prom_port = free_port(), free_port()
    exporter = [*VAETUI, "export", str(log), "--listen", f"127.0.0.1:{export_port}"]
    server = [
        prometheus,
        f"--config.file={_config(tmp_path, f'127.0.0.1:{export_port}')}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{prom_port}",
    ]
    base = f"http://127.0.0.1:{prom_port}"
    with (
        background(exporter, tmp_path / "export.out") as export_proc,
        background(server, tmp_path / "prometheus.out") as prom_proc,
    ):
        wait_http(f"http://127.0.0.1:{export_port}/metrics", export_proc, tmp_path / "export.out")
        wait_http(f"{base}/-/ready", prom_proc, tmp_path / "prometheus.out", timeout=60)
        wait_for(lambda: _level(base) is not None, 60, "the first scrape")
        assert _level(base) in (0.0, 1.0, 2.0)  # the healthy start: not bad yet
        with log.open("ab") as f:
            f.write(rest)
        wait_for(lambda: _level(base) == 3.0, 60, "kl_zone bad in Prometheus")
        with log.open("a") as f:
            f.write("step 99999 loss=nan rec_loss=nan kl_loss=nan kl_weight=0.001\n")
        wait_for(
            lambda: prom_query(base, 'ALERTS{alertname="VaeNaN",alertstate="firing"}'),
            60,
            "the VaeNaN alert firing",
        )
        rules = http_get(f"{base}/api/v1/rules") or b""
        assert b'"health":"ok"' in rules and b"VaeCriterionBad" in rules


def test_promtool_validates_and_unit_tests_the_rules() -> None:
    promtool = _binary("promtool")
    check = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS: 3 rules found" in check.stdout
    test = subprocess.run(
        [promtool, "test", "rules", str(RULES_TEST)], capture_output=True, text=True
    )
    assert test.returncode == 0, test.stdout + test.stderr


def test_rules_and_dashboard_name_only_metrics_the_exporter_serves(tmp_path: Path) -> None:
    from prometheus_client import CollectorRegistry, generate_latest

    from tests.support.exporter import collector_for

    registry = CollectorRegistry()
    registry.register(collector_for(tmp_path))
    text = generate_latest(registry).decode()
    served = set(re.findall(r"^# TYPE (vaetui_\w+) \w+$", text, re.M))
    for source in (RULES, DASHBOARD):
        named = set(re.findall(r"vaetui_\w+", source.read_text()))
        assert named, source
        assert named <= served, f"{source.name} names {named - served}"


def test_textfile_is_rewritten_whole_for_node_exporter(tmp_path: Path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    head, rest = collapse_parts(tmp_path)
    log = tmp_path / "train.log"
    log.write_bytes(head)
    prom = tmp_path / "textfile" / "vaetui.prom"
    prom.parent.mkdir()
    argv = [*VAETUI, "export", str(log), "--textfile", str(prom), "--interval", "0.2"]

    def kl_zone() -> float | None:
        if not prom.exists():
            return None
        for family in text_string_to_metric_families(prom.read_text()):
            for sample in family.samples:
                if (
                    sample.name == "vaetui_verdict_level"
                    and sample.labels["criterion"] == "kl_zone"
                ):
                    return sample.value
        return None

    with background(argv, tmp_path / "export.out") as proc:
        wait_for(lambda: kl_zone() is not None, 30, "the first textfile")
        with log.open("ab") as f:
            f.write(rest)
        wait_for(lambda: kl_zone() == 3, 30, "kl_zone bad in the textfile")
        assert proc.poll() is None
    assert sorted(p.name for p in prom.parent.iterdir()) == ["vaetui.prom"]  # no temp left
    assert proc.returncode == 0 and (tmp_path / "export.out").read_text() == ""
