"""Elementary mode (``jaffle-sim run --elementary``): the Elementary dbt package and its anomaly
monitors on the monitored tables of both flavours, judged in simulated time.

What it adds to the staged project (``OUT/dbt_project``), and only there:

* ``packages.yml`` pinning :data:`ELEMENTARY_VERSION` and :data:`DBT_UTILS_VERSION`, and the
  packages themselves in ``dbt_packages/``: copied from a local folder
  (``--elementary-packages DIR``, holding ``DIR/elementary`` and ``DIR/dbt_utils``) or installed by
  ``dbt deps`` (which needs the dbt package hub);
* the monitors: the bundled ``elementary/`` folder (views that expose what the monitors read, and
  their tests in their own yml) copied to ``models/elementary``, and the macros that hold the
  views' SQL (its ``macros/``) to ``macros/elementary``;
* in ``dbt_project.yml``: Elementary's models in schema ``elementary`` and the flag that lets its
  test materialization record results (``require_explicit_package_overrides_for_builtin_
  materializations: false``, as Elementary's install guide says for dbt 1.8 and later).

Every day the simulated "now" goes to Elementary as ``custom_run_started_at``, with the window
vars of :func:`window_vars`: a training build tests the day that just ended against the days
before it (never reaching before the first simulated day, and only once it has
:data:`MIN_TRAINING_DAYS` days before it); the validation build tests the last
:data:`VALIDATION_DETECTION_DAYS` days. A monitor of a metric that varies from day to day judges
a tested day against the days before the tested ones; one of a metric that is constant on clean
data keeps the tested day in its own training set (why: ``dbt_project/elementary/_elementary.yml``).
A day is anomalous :data:`ANOMALY_SENSITIVITY` standard deviations from the training mean.
"""

from __future__ import annotations

import atexit
import datetime as dt
import importlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jaffle_sim.events import STATUSES
from jaffle_sim.settings import BadInput
from jaffle_sim.warehouse.dbt_errors import DbtError
from jaffle_sim.warehouse.dbt_project import bundled_project_dir

if TYPE_CHECKING:
    from jaffle_sim.warehouse.dbt_runner import DbtRunner

ELEMENTARY_VERSION = "0.25.1"
DBT_UTILS_VERSION = "1.4.1"
#: Package folder name -> (dbt project name, hub package, version).
PACKAGES = {
    "elementary": ("elementary", "elementary-data/elementary", ELEMENTARY_VERSION),
    "dbt_utils": ("dbt_utils", "dbt-labs/dbt_utils", DBT_UTILS_VERSION),
}
#: The monitors' folder in the bundled project (not in its model paths: staged only here).
MONITORS = "elementary"
#: Days of history a training day's monitors compare with (Elementary's default).
TRAINING_DAYS_BACK = 14
#: Days of history before a training day's monitors judge it (Elementary's min_training_set_size).
MIN_TRAINING_DAYS = 7
#: Standard deviations from the training mean that make a day anomalous (Elementary's default
#: is 3; with one to two weeks of training days a clean day passes 3 now and then).
ANOMALY_SENSITIVITY = 3.5
#: Days the validation build tests, each against the days before them.
VALIDATION_DETECTION_DAYS = 7
#: Vars that only shape SQL at execution (the runner may keep its parse when they change).
RUNTIME_VARS = frozenset({"custom_run_started_at", "days_back", "backfill_days"})


def check_packages(folder: Path, option: str = "--elementary-packages") -> Path:
    """`folder` resolved, when it holds both packages as dbt projects; else BadInput naming what
    is missing."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise BadInput(f"{option}: {root} is not a folder")
    missing = []
    for sub, (name, hub, version) in PACKAGES.items():
        project = root / sub / "dbt_project.yml"
        if not project.is_file() or _project_name(project) != name:
            missing.append(f"{sub}/ ({hub} {version})")
    if missing:
        raise BadInput(
            f"{option}: {root} lacks {' and '.join(missing)}; it needs one folder per package, "
            "each a copy of the package's repository at that version"
        )
    return root.resolve()


def _project_name(path: Path) -> str | None:
    yaml: Any = importlib.import_module("yaml")  # PyYAML, a dependency of dbt
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def packages_yml() -> str:
    """The staged project's ``packages.yml`` (JSON is valid YAML)."""
    packages = [{"package": hub, "version": version} for _, hub, version in PACKAGES.values()]
    return "# Written by jaffle-sim --elementary.\n" + json.dumps({"packages": packages}, indent=2)


def install_with_deps() -> Path:
    """Install the pinned packages with ``dbt deps`` into a temporary folder (removed when the
    process ends) and return it (a folder in the shape of ``--elementary-packages``); BadInput in
    one line when it fails (the dbt package hub cannot be reached, for one)."""
    from dbt.cli.main import dbtRunner  # lazy: importing dbt takes about two seconds

    work = Path(tempfile.mkdtemp(prefix="jaffle-sim-elementary-"))
    (work / "dbt_project.yml").write_text(
        json.dumps({"name": "deps_only", "version": "0.1.0", "config-version": 2}) + "\n"
    )
    (work / "packages.yml").write_text(packages_yml() + "\n")
    res = dbtRunner().invoke(
        ["deps", "--project-dir", str(work), "--no-use-colors", "--log-level", "none"]
    )
    installed = work / "dbt_packages"
    if res.exception is not None or not res.success or not installed.is_dir():
        shutil.rmtree(work, ignore_errors=True)
        cause = " ".join(str(res.exception or "").split())[:300]
        raise BadInput(
            "--elementary: `dbt deps` could not install elementary-data/elementary "
            f"{ELEMENTARY_VERSION} and dbt-labs/dbt_utils {DBT_UTILS_VERSION}"
            + (f" ({cause})" if cause else "")
            + "; offline, pass a copy of both with --elementary-packages DIR"
        )
    atexit.register(shutil.rmtree, work, True)  # the run copies the packages into its project
    return check_packages(installed, "--elementary (dbt deps)")


def stage_elementary(project: Path, packages: Path, bundled: Path) -> None:
    """Add Elementary to the staged project `project`: its packages from `packages`, the
    monitors of `bundled` (the bundled project) and its settings in ``dbt_project.yml``."""
    yaml: Any = importlib.import_module("yaml")
    target = project / "dbt_packages"
    target.mkdir(exist_ok=True)
    for sub in PACKAGES:
        dest = target / sub
        if dest.is_symlink() or dest.is_file():
            dest.unlink()
        elif dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(
            packages / sub, dest, ignore=shutil.ignore_patterns("integration_tests", ".git")
        )
    (project / "packages.yml").write_text(packages_yml() + "\n")
    models, macros = project / "models" / MONITORS, project / "macros" / MONITORS
    for dest in (models, macros):
        if dest.exists():
            shutil.rmtree(dest)
    shutil.copytree(bundled / MONITORS, models, ignore=shutil.ignore_patterns("macros"))
    shutil.copytree(bundled / MONITORS / "macros", macros)
    config_path = project / "dbt_project.yml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config.setdefault("flags", {})[
        "require_explicit_package_overrides_for_builtin_materializations"
    ] = False
    config.setdefault("models", {})["elementary"] = {"+schema": "elementary"}
    config.setdefault("vars", {}).update(
        {
            "days_back": TRAINING_DAYS_BACK,
            "backfill_days": 1,
            "anomaly_sensitivity": ANOMALY_SENSITIVITY,
            "test_sample_row_count": 50,  # every day of a validation window is recorded
            "order_statuses": list(STATUSES),  # what edr_*orders call a known status
        }
    )
    config_path.write_text(
        "# Staged by jaffle-sim --elementary (the bundled dbt_project.yml plus Elementary).\n"
        + json.dumps(config, indent=2)
        + "\n"
    )


def window_vars(flavour: str, index: int, now: str) -> dict[str, Any]:
    """Elementary's vars for the build of `flavour` at the end of day `index` (0: the first) of
    the run (`now`: the end of that day, ``YYYY-MM-DD HH:MM:SS``). The window never reaches
    before the first simulated day."""
    days = index + 1  # the simulated days so far
    if flavour == "validation":
        detection = max(1, min(VALIDATION_DETECTION_DAYS, days - 1))
        days_back = days
    else:
        detection = 1
        # until there are MIN_TRAINING_DAYS days before the tested one, the window holds only
        # that day: a training set of one, which Elementary does not score
        days_back = min(TRAINING_DAYS_BACK, days) if days > MIN_TRAINING_DAYS else 1
    return {
        "custom_run_started_at": dt.datetime.fromisoformat(now).isoformat(),
        "days_back": days_back,
        "backfill_days": detection,
    }


def start(runner: DbtRunner, packages: Path) -> None:
    """Stage Elementary into the runner's project (before its first parse)."""
    stage_elementary(runner.project_dir, packages, bundled_project_dir())


def build_package(runner: DbtRunner, vars: dict[str, Any]) -> None:
    """Build Elementary's own models (the tables its tests and hooks write to): once per process,
    before the first build that runs its tests."""
    result = runner.invoke("run", select="package:elementary", vars=vars)
    if not result.success:
        failed = ", ".join(n.name for n in result.failed[:5])
        raise DbtError(f"dbt run of the Elementary package failed: {failed}")
