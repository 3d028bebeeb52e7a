"""Pre-flight checks of a command line: compose and validate what it asks for before Hydra runs it.

Hydra's own errors are many lines long; composing every variant first (one per
swept value) turns each problem into one line that names the key and the fix.
Users' own config folders (``--config-dir DIR``, ``hydra.searchpath=[file://DIR]``)
are searched as Hydra will search them.
"""

from __future__ import annotations

import argparse
import contextlib
import io
from collections.abc import Iterable

from omegaconf import DictConfig, OmegaConf

from sim.cli import budget, faults
from sim.config.cache import ComposeCache, parse
from sim.config.compose import compose, explain_compose_error, hydra_group_options, scenario_from_config
from sim.config.overrides import bare_key, is_override, override_key, split_override, with_search_path
from sim.core.params import ConfigError
from sim.sweep.identity import default_sweep_dir

INFO_FLAGS = ("--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--shell-completion", "-sc", "--version")
CONFIG_DIR_FLAGS = ("--config-dir", "-cd")
#: Hydra's flags followed by a value (``--cfg job``, ``--config-dir DIR``).
VALUE_FLAGS = (
    *CONFIG_DIR_FLAGS,
    "--config-name",
    "-cn",
    "--config-path",
    "-cp",
    "--cfg",
    "-c",
    "--info",
    "-i",
    "--package",
    "-p",
    "--experimental-rerun",
)
#: The project's own flag, taken off the command line before Hydra reads it: let users' config files register
#: Hydra callbacks (code that Hydra calls) other than the project's own.
ALLOW_CALLBACKS = "--allow-callbacks"
#: The callbacks the project registers itself (configs/config.yaml).
OWN_CALLBACKS = ("sim.sweep.callback.SweepTable",)
#: Config groups whose option is chosen on the command line (``scenario=NAME``): names, never paths.
NAMED_GROUPS = ("scenario", "sweep", "agenda", "world", "events", "actors", "uncertainty")


def is_multirun(argv: Iterable[str]) -> bool:
    return any(a in ("-m", "--multirun") for a in argv)


def check_flags(argv: list[str]) -> None:
    """Hydra's flags that do not go together: one line here instead of Hydra's ``ValueError`` traceback."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()
    parser.exit_on_error = False
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            args, _ = parser.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):  # a malformed flag: Hydra prints argparse's usage line, exit status 2
        return
    if args.resolve and args.cfg is None and not args.help:
        raise ConfigError("--resolve only applies to a printed configuration: add --cfg job (or hydra, all), or drop --resolve")
    commands = [
        flag
        for flag, given in (
            ("--run", args.run),
            ("--multirun", args.multirun),
            ("--cfg", args.cfg is not None),
            ("--info", args.info is not None),
            ("--shell-completion", args.shell_completion),
        )
        if given
    ]
    if len(commands) > 1:
        hint = " (-r is --run; --resolve has no short form)" if args.run and args.cfg is not None else ""
        raise ConfigError(f"{' and '.join(commands)} do not go together: give only one of them{hint}")


def is_value_of_flag(argv: list[str], i: int) -> bool:
    """Whether ``argv[i]`` is the value of the flag before it (``job`` in ``--cfg job``)."""
    return i > 0 and argv[i - 1] in VALUE_FLAGS and not argv[i].startswith("-") and "=" not in argv[i]


def overrides_last(argv: list[str]) -> list[str]:
    """The command line with its flags first and its overrides after them, in their order.

    Hydra reads overrides as one run of positional arguments: an override
    added after a flag (``quiet=true --config-dir my`` plus the
    ``hydra/hydra_logging=disabled`` the command adds) would be an argparse
    error of eight lines.
    """
    overrides = set(_override_positions(argv))
    return [a for i, a in enumerate(argv) if i not in overrides] + [a for i, a in enumerate(argv) if i in overrides]


def _override_positions(argv: list[str]) -> list[int]:
    skip = {i + 1 for i, a in enumerate(argv) if a in (*CONFIG_DIR_FLAGS, "--config-name", "-cn", "--config-path", "-cp")}
    return [i for i, a in enumerate(argv) if i not in skip and not a.startswith("-") and is_override(a)]


def check_arguments(argv: list[str]) -> None:
    """A bare word that is neither a flag, a flag's value nor an override; a ``--config-dir`` that is no folder."""
    from pathlib import Path

    for i, arg in enumerate(argv):
        if arg.startswith("-") or is_override(arg) or is_value_of_flag(argv, i):
            continue
        raise ConfigError(f"{arg!r} is not an override: write key=value (e.g. {arg}=...), or ~{arg} to remove a key")
    for directory in user_config_dirs(argv):
        path = Path(directory)
        if not path.is_dir():
            what = "no such folder" if not path.exists() else "not a folder"
            raise ConfigError(f"--config-dir {directory}: {what}: give the folder that holds your scenario/ and other configs")


def check_group_names(overrides: Iterable[str]) -> None:
    """``scenario=NAME`` and the like choose a config by name: a path (``/etc/passwd``, ``../x``) is refused."""
    for text in overrides:
        if "=" not in text or text.startswith("~"):
            continue
        key, value = split_override(text)
        group = bare_key(key).split("@")[0]
        if group not in NAMED_GROUPS or "," in value or value.startswith(("[", "glob(", "range(", "choice(")):
            continue
        if value.startswith("/") or ".." in value.split("/") or "\\" in value or "${" in value:
            from sim.config.compose import known_scenarios

            known = f": known scenarios are {', '.join(known_scenarios())}" if group == "scenario" else ""
            raise ConfigError(f"override {text}: {group} takes a config's name, not a path or an interpolation{known}")


def check_callbacks(overrides: list[str], allowed: bool) -> None:
    """Hydra callbacks are code Hydra calls: only the project's own unless ``--allow-callbacks`` is given.

    A user's config file (a sweep file under ``--config-dir``) or an override
    can register ``hydra.callbacks.NAME._target_=any.function``; Hydra would
    call it with the run's configuration. Refused in one line, before
    anything runs, unless the command line says ``--allow-callbacks``.
    """
    if allowed:
        return
    fixed = [text for o, text in zip(parse(overrides), overrides, strict=True) if not o.is_sweep_override()]
    cfg = compose(fixed, hydra=True)
    callbacks = OmegaConf.select(cfg, "hydra.callbacks", default=None) or {}
    for name, spec in callbacks.items():
        target = OmegaConf.select(spec, "_target_", default=None) if isinstance(spec, DictConfig) else None
        if target not in OWN_CALLBACKS:
            raise ConfigError(
                f"hydra.callbacks.{name} registers {target!r}, which Hydra would call as code: only the project's own "
                f"callbacks run unless you add {ALLOW_CALLBACKS} (do so only for config files you trust)"
            )


def check_hydra_settings(overrides: list[str]) -> None:
    """Overrides of Hydra's own settings (``hydra.launcher.n_jobs=abc``): composed once, one line if Hydra refuses."""
    own = ("hydra.searchpath", "hydra.sweep.dir", "hydra.run.dir")
    if not any(override_key(o).startswith("hydra.") and override_key(o) not in own for o in overrides):
        return
    fixed = [text for o, text in zip(parse(overrides), overrides, strict=True) if not o.is_sweep_override()]
    compose(fixed, hydra=True)


def user_config_dirs(argv: list[str]) -> list[str]:
    """The folders of ``--config-dir DIR`` / ``-cd DIR`` / ``--config-dir=DIR`` on the command line."""
    dirs = []
    for i, arg in enumerate(argv):
        if arg in CONFIG_DIR_FLAGS and i + 1 < len(argv):
            dirs.append(argv[i + 1])
        elif arg.startswith("--config-dir="):
            dirs.append(arg.removeprefix("--config-dir="))
    return dirs


def overrides_of(argv: list[str]) -> list[str]:
    """The overrides of a command line (``key=value``, ``~key``), without flags and their values."""
    return [argv[i] for i in _override_positions(argv)]


def check_run_settings(cfg: DictConfig) -> None:
    """Replications, seed, block size and workers: whole numbers in range."""
    for key, low in (("replications", 1), ("seed", 0), ("block_size", 1), ("workers", 1)):
        value = cfg.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            example = 10000 if key == "replications" else low
            raise ConfigError(f"{key} = {value!r}: use a whole number >= {low}, e.g. {key}={example}")
    if cfg.get("uncertainty"):  # ranges are drawn by the exploration; a plain run would silently ignore them
        raise ConfigError(
            "a plain run uses the configured values and draws no ranges: run python -m sim explore "
            "with the same arguments to draw the assumptions (or leave uncertainty=none)"
        )


def sweep_variants(overrides: list[str]) -> list[list[str]]:
    """Override lists that cover every value of every sweep (one sweep varied at a time)."""
    parsed = parse(overrides)
    firsts = []
    sweeps = []
    for override, text in zip(parsed, overrides, strict=True):
        if override.is_sweep_override():
            values = list(override.sweep_string_iterator())
            key = override.get_key_element()
            firsts.append(f"{key}={values[0]}")
            sweeps.append((len(firsts) - 1, key, values))
        else:
            firsts.append(text)
    variants = [firsts]
    for index, key, values in sweeps:
        for value in values[1:]:
            variant = list(firsts)
            variant[index] = f"{key}={value}"
            variants.append(variant)
    return variants


def check_hydra_choices(overrides: Iterable[str]) -> None:
    """``hydra/launcher=NAME`` and the like must name a config Hydra can find: one line otherwise."""
    for override in overrides:
        key, value = split_override(override)
        group = bare_key(key)
        if not group.startswith("hydra/") or key.startswith("~"):
            continue
        options = hydra_group_options(group)
        if value not in options:
            what = group.split("/", 1)[1]
            hint = ""
            if what == "launcher" and value in ("ray", "ray_local", "ray_aws"):
                hint = " (the Ray launcher is not installed: pip install hydra-ray-launcher)"
            raise ConfigError(f"unknown {what} {value!r} in {override!r}: use one of {', '.join(options)}{hint}")


def sweeper_setting(overrides: list[str], key: str, default=None):
    """``hydra.sweeper.KEY`` of the configuration the overrides select (a named sweep may set it), or ``default``."""
    fixed = [text for o, text in zip(parse(overrides), overrides, strict=True) if not o.is_sweep_override()]
    try:
        cfg = compose(fixed, hydra=True)
    except ConfigError:  # the pre-flight composition names the problem better
        return default
    return OmegaConf.select(cfg, f"hydra.sweeper.{key}", default=default)


def sweeper_params(overrides: list[str]) -> dict[str, str]:
    """``hydra.sweeper.params`` of the configuration the overrides select (a named sweep sets them)."""
    params = sweeper_setting(overrides, "params") or {}
    return {str(k): str(v) for k, v in params.items()}


def with_sweeper_params(overrides: list[str]) -> list[str]:
    """The overrides a sweep will really use: the named sweep's parameters, then the command line's (which win)."""
    params = sweeper_params(overrides)
    if not params:
        return list(overrides)
    given = {override_key(o) for o in overrides}
    return [f"{k}={v}" for k, v in params.items() if bare_key(k) not in given] + list(overrides)


def add_default_sweep_dir(argv: list[str]) -> list[str]:
    """Give a sweep a root named after its overrides, unless ``hydra.sweep.dir`` is set.

    The same command then finds its own table again and skips the jobs that
    are done (Hydra's default, a time stamp, would start afresh every time);
    a sweep with ``hydra.sweeper.crn=false`` gets a root of its own.
    """
    if any(override_key(a) == "hydra.sweep.dir" for a in argv):
        return list(argv)
    overrides = overrides_of(argv)
    crn = bool(sweeper_setting(with_search_path(overrides, user_config_dirs(argv)), "crn", default=True))  # as the jobs read it
    return [*argv, f"hydra.sweep.dir={default_sweep_dir(overrides, crn=crn, config_dirs=sweep_config_dirs(argv))}"]


def sweep_config_dirs(argv: list[str]) -> list[str]:
    """Users' config folders of a command line (``--config-dir`` and ``hydra.searchpath``), resolved."""
    from sim.sweep.identity import user_config_dirs as search_dirs

    return [str(d) for d in search_dirs(with_search_path(overrides_of(argv), user_config_dirs(argv)))]


def sweep_identity(argv: list[str]) -> tuple[str | None, dict]:
    """The sweep folder a multirun command line writes into (None if it holds an interpolation) and its definition."""
    from sim.sweep.identity import sweep_definition

    given = [split_override(a)[1] for a in argv if override_key(a) == "hydra.sweep.dir"]
    root = given[-1].strip("'\"") if given else None
    overrides = with_search_path(overrides_of(argv), user_config_dirs(argv))
    crn = bool(sweeper_setting(overrides, "crn", default=True))
    model = [o for o in with_sweeper_params(overrides) if not override_key(o).startswith("hydra")]
    definition = sweep_definition(model, crn=crn, config_dirs=sweep_config_dirs(argv))
    return (None if root is None or "${" in root else root), definition


def _composes_model(override: str) -> bool:
    """Overrides the pre-flight composition keeps: the model's, and Hydra's search path."""
    key = override_key(override)
    return not key.startswith("hydra") or key == "hydra.searchpath"


def preflight(argv: list[str], *, allow_callbacks: bool = False) -> None:
    """Compose and validate what the command line asks for, before Hydra runs it."""
    from sim.config.guards import check_config_dirs
    from sim.sweep.identity import user_config_dirs as search_dirs

    check_flags(argv)
    check_arguments(argv)
    overrides = with_search_path(overrides_of(argv), user_config_dirs(argv))
    check_config_dirs(search_dirs(overrides))  # YAML size, depth and alias limits before any file is parsed
    check_group_names(overrides)
    if any(a in INFO_FLAGS or a.startswith("--cfg") for a in argv):
        if any(a in ("--cfg", "-c") or a.startswith("--cfg=") for a in argv):  # --cfg job: composition errors in one line
            faults.check_scenario_file(overrides)
            compose([o for o in overrides if _composes_model(o)])
        return
    check_hydra_choices(overrides)
    try:
        variants = sweep_variants(with_sweeper_params(overrides)) if is_multirun(argv) else [overrides]
    except Exception as exc:
        raise ConfigError(explain_compose_error(exc, overrides)) from exc
    cache = ComposeCache(compose, lambda key: key in ("scenario", "sweep", "agenda", "world", "events", "actors"))
    checked = []
    for variant in variants:
        faults.check_scenario_file(variant)  # each scenario of a sweep
        user = [o for o in variant if _composes_model(o)]
        faults.check_bool_settings(user)
        try:
            cfg = cache(parse(user))
        except Exception:
            cfg = None
        if cfg is None:
            cfg = compose(user)
        check_run_settings(cfg)
        checked.append((cfg, scenario_from_config(cfg, [o for o in user if override_key(o) != "hydra.searchpath"]), user))
    if search_dirs(overrides) or any(override_key(o).startswith("hydra.callbacks") for o in overrides):
        check_callbacks(overrides, allow_callbacks)  # only users' files and overrides can add callbacks
    check_hydra_settings(overrides)
    budget.check_room(overrides, checked, multirun=is_multirun(argv))  # writable output, size guard, notes
