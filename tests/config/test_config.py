"""The configuration layer: schemas, provenance, generated docs, listing, and one clear line for every bad input."""

from __future__ import annotations

import dataclasses
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from sim.cli import docs
from sim.cli.app import main as cli_main
from sim.cli.scenarios import main as scenarios_main
from sim.cli.scenarios import scenario_info
from sim.config import schema
from sim.config.compose import CONFIG_DIR, compose, known_actors, known_scenarios, load_scenario, scenario_from_config
from sim.core.declare import KINDS
from sim.core.params import ConfigError, Event, Issue, World
from sim.core.paths import ROLE_CLASSES
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROLE_CLASSES


def names(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


@pytest.fixture
def configs(tmp_path) -> Path:
    """A private copy of configs/ that a test may break."""
    return Path(shutil.copytree(CONFIG_DIR, tmp_path / "configs"))


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def one_line_error(overrides: list[str], config_dir: Path = CONFIG_DIR) -> str:
    """The message of the ConfigError that composing and loading ``overrides`` raises."""
    with pytest.raises(ConfigError) as info:
        scenario_from_config(compose(overrides, config_dir), overrides, config_dir)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


# ----------------------------------------------------------------- schemas


@pytest.mark.parametrize("role", list(PARAMS))
def test_a_role_schema_is_its_core_dataclass_plus_role_and_provenance_with_the_same_defaults(role):
    core = {f.name: f for f in dataclasses.fields(PARAMS[role])}
    generated = {f.name: f for f in dataclasses.fields(schema.ROLE_SCHEMAS[role])}
    assert list(generated) == ["role", *core, "provenance"]
    for name, f in core.items():
        g = generated[name]
        assert g.metadata == f.metadata
        if f.default is not dataclasses.MISSING:
            expected = list(f.default) if isinstance(f.default, tuple) else f.default
            assert (g.default if g.default is not dataclasses.MISSING else g.default_factory()) == expected
        elif f.default_factory is not dataclasses.MISSING:
            assert g.default_factory() == f.default_factory()
        else:
            assert g.default == "???"  # required in the core, mandatory in the file


def test_world_issue_and_event_schemas_are_generated_from_the_core():
    assert names(schema.WorldSchema) == [*names(World), "provenance"]
    assert names(schema.IssueSchema) == [*names(Issue), "source"]
    assert names(schema.EventSchema) == [*names(Event), "source"]


def test_every_schema_field_says_what_it_means_and_its_kind():
    for _, _, cls in schema.SCHEMAS:
        for f in dataclasses.fields(cls):
            assert f.metadata.get("doc"), f"{cls.__name__}.{f.name} has no doc"
    for cls in (*PARAMS.values(), World, Issue, Event):
        for f in dataclasses.fields(cls):
            assert f.metadata.get("kind") in KINDS, f"{cls.__name__}.{f.name} has no kind"


def _scalar_ranges():
    """(core class, field, low, high) of every scalar parameter with a finite declared range."""
    for cls in (*PARAMS.values(), World):
        for f in dataclasses.fields(cls):
            bounds = f.metadata.get("range")
            if bounds and f.type == "float" and not math.isinf(bounds[1]):
                low = bounds[0] + 1e-9 if f.metadata.get("open_low") else bounds[0]
                yield cls, f.name, low, bounds[1]


@pytest.mark.parametrize("cls, field, low, high", list(_scalar_ranges()), ids=lambda v: getattr(v, "__name__", v))
def test_the_documented_range_is_the_range_validate_enforces(baseline, cls, field, low, high):
    role = next((r for r, c in PARAMS.items() if c is cls), None)

    def with_value(value):
        if cls is World:
            return dataclasses.replace(baseline, world=dataclasses.replace(baseline.world, **{field: value}))
        group = {"principal": "principals", "mediator": "mediators", "spoiler": "spoilers", "stakeholder": "stakeholders"}[role]
        actors = list(getattr(baseline, group))
        actors[0] = dataclasses.replace(actors[0], **{field: value})
        return dataclasses.replace(baseline, **{group: tuple(actors)})

    with_value(low).validate()
    with_value(high).validate()
    for outside in (low - 0.01, high + 0.01):
        with pytest.raises(ConfigError, match=field):
            with_value(outside).validate()


@pytest.mark.parametrize("name", known_actors())
def test_every_actor_file_extends_the_schema_of_its_role(name):
    data = yaml.safe_load((CONFIG_DIR / "actors" / f"{name}.yaml").read_text())
    assert data["role"] in PARAMS
    assert f"{data['role']}_schema" in data["defaults"], f"actors/{name}.yaml must extend {data['role']}_schema"
    assert data["defaults"][-1] == "_self_"


def test_the_composed_configuration_is_typed_by_the_schemas():
    cfg = compose([])
    assert OmegaConf.get_type(cfg) is schema.ConfigSchema
    assert OmegaConf.get_type(cfg.world) is schema.WorldSchema
    for key in ("us", "iran", "oman", "israel", "uae"):
        role = cfg.actors[key].role
        assert OmegaConf.get_type(cfg.actors[key]) is schema.ROLE_SCHEMAS[role]


def test_a_wrong_type_fails_when_the_config_is_composed():
    with pytest.raises(ConfigError) as info:
        compose(["actors.us.trust=high"])  # before any semantic check
    assert str(info.value) == "override actors.us.trust=high: actors.us.trust = 'high' has the wrong type: use a number"


# ----------------------------------------------------------------- provenance


def _leaves(node: dict) -> list[str]:
    return [k for k in node if k != "provenance"]


@pytest.mark.parametrize("name", known_scenarios())
def test_every_parameter_of_every_composed_scenario_has_its_provenance(name):
    cfg = OmegaConf.to_container(compose([f"scenario={name}"]), resolve=True)
    missing = []
    for key, actor in cfg["actors"].items():
        if actor is None:
            continue
        prov = actor.get("provenance", {})
        missing += [f"actors.{key}.{p}" for p in _leaves(actor) if not str(prov.get(p, "")).strip()]
    missing += [f"world.{p}" for p in _leaves(cfg["world"]) if not str(cfg["world"]["provenance"].get(p, "")).strip()]
    missing += [f"agenda.{i['name']}" for i in cfg["agenda"]["issues"] if not i.get("source", "").strip()]
    missing += [f"events.{e['name']}" for e in cfg["events"]["events"] if not e.get("source", "").strip()]
    if not str(cfg["provenance"].get("max_rounds", "")).strip():
        missing.append("max_rounds")
    assert not missing, f"scenario {name}: no provenance for {missing}"


@pytest.mark.parametrize("name", known_scenarios())
def test_every_value_a_scenario_file_changes_has_provenance_in_that_file(name):
    info = scenario_info(name)
    unexplained = [key for key in info.changes if not info.provenance.get(key, "").strip()]
    assert not unexplained, f"configs/scenario/{name}.yaml changes {unexplained} without a provenance entry beside them"
    for key, text in info.provenance.items():
        assert any(word in text for word in ("article:", "assumption", "source", "Putnam", "model spec", "mapping rule")), (
            key,
            text,
        )
        assert "seed:" not in text, f"{key}: cite the article as `article: '...'`, not `seed:` (tools/provenance-article.sh)"


# ----------------------------------------------------------------- docs and listing


def test_docs_parameters_md_is_in_sync_with_the_schemas_and_configs():
    assert docs.DOC_PATH.read_text() == docs.generate(), "docs/parameters.md is out of date: run `python -m sim docs`"


def test_docs_sources_md_is_in_sync_and_cites_the_article_and_every_dated_source():
    text = docs.SOURCES_PATH.read_text()
    assert text == docs.generate_sources(), "docs/sources.md is out of date: run `muscat-sim docs`"
    assert "## The article" in text and docs.ARTICLE["sha256"] in text
    for short in docs.LITERATURE:
        assert f"**{short}**" in text
    assert "IAEA GOV/2025/10" in text and "public source: the June 2025 strikes" in text


def test_the_article_beside_the_repository_is_the_one_docs_sources_md_names():
    import hashlib

    copy = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_53c1f0d1dc953768.txt"
    if not copy.exists():
        pytest.skip("the article's copy is not beside this clone")
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == docs.ARTICLE["sha256"]


def test_docs_parameters_md_documents_every_parameter_of_every_role():
    text = docs.DOC_PATH.read_text()
    for _, _, cls in schema.SCHEMAS:
        for f in dataclasses.fields(cls):
            if (
                f.name not in ("role", "provenance", "source")
                and dataclasses.fields(cls)
                and f.type in ("float", "int", "bool", "str", "dict[str, float]", "dict[str, list[float]]", "list[str]")
            ):
                assert f"| `{f.name}` |" in text, f"{cls.__name__}.{f.name} missing from docs/parameters.md"
    for name in (*known_actors(), *known_scenarios()):
        assert f"`{name}`" in text


def run(module: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    if module == "sim":
        return run_sim(*args, cwd=cwd)  # a fresh interpreter when cwd holds a copy of the package
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_the_listing_command_names_every_scenario_with_its_description(capsys):
    assert scenarios_main([]) == 0
    out = capsys.readouterr().out
    for name in known_scenarios():
        assert f"{name} " in out and scenario_info(name).description in out


def test_the_resolved_parameters_of_one_scenario_print_with_its_changes(capsys):
    assert scenarios_main(["nuclear_only"]) == 0
    out = capsys.readouterr().out
    assert "#   actors.us.insists = []" in out
    resolved = yaml.safe_load(out)
    assert resolved["actors"]["us"]["insists"] == [] and resolved["scenario"]["name"] == "nuclear_only"


def test_the_listing_command_refuses_an_unknown_scenario_in_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        scenarios_main(["nuclear_onyl"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and len(err.splitlines()) == 1 and "nuclear_only" in err


def test_hydra_cfg_job_prints_the_resolved_scenario():
    proc = run("sim", "scenario=us_military_buildup", "--cfg", "job")
    assert proc.returncode == 0, proc.stderr
    assert yaml.safe_load(proc.stdout)["world"]["military_posture"] == 0.8


# ----------------------------------------------------------------- bad configurations: one line each

SCENARIO = "# @package _global_\nscenario: {{name: {name}}}\n{body}"


@pytest.mark.parametrize(
    "overrides, fragments",
    [
        (["scenario=nope"], ["override scenario=nope", "unknown scenario 'nope'", "baseline, broad_agenda_standoff"]),
        (
            ["+actors@actors.eu4=eu4"],
            ["override +actors@actors.eu4=eu4", "unknown actor 'eu4'", "eu3", "configs/actors/eu4.yaml"],
        ),
        (["actors.us.trus=0.3"], ["override actors.us.trus=0.3", "'actors.us.trus'", "did you mean 'actors.us.trust'?"]),
        (["+actors.us.trus=0.3"], ["override +actors.us.trus=0.3", "actors.us.trus", "did you mean actors.us.trust?"]),
        (["actors.us.ideal.enrichmnt=0.9"], ["'actors.us.ideal.enrichmnt'", "did you mean 'actors.us.ideal.enrichment'?"]),
        (["actors.israe.lobbying=0.1"], ["no actor 'israe'", "did you mean 'actors.israel'?"]),
        (["actors.eu3.standing=0.1"], ["no actor 'eu3'", "+actors@actors.eu3=FILE"]),
        (["world.tensoin=0.3"], ["override world.tensoin=0.3", "did you mean 'world.tension'?"]),
        (["actors.iran.trust=1.5"], ["override actors.iran.trust=1.5", "actors.iran.trust = 1.5 is out of range", "[0, 1]"]),
        (["world.progress_rate=-0.1"], ["override world.progress_rate=-0.1", "world.progress_rate", "out of range"]),
        (
            ["actors.iran.red_lines.enrichment=[0.7,0.2]"],
            ["actors.iran.red_lines.enrichment = [0.7, 0.2]", "reversed", "write [0.2, 0.7]"],
        ),
        (
            ["actors.iran.red_lines.enrichment=[]"],
            ["override actors.iran.red_lines.enrichment=[]", "give a red line as [low, high]"],
        ),
        (["actors.us.red_lines.enrichment=0.5"], ["actors.us.red_lines.enrichment", "wrong type", "[low, high]"]),
        (["max_rounds=ten"], ["override max_rounds=ten", "max_rounds", "use a whole number"]),
        (["+replications=5"], ["override +replications=5", "drop the '+'"]),
        (["actors.israel.target=EU"], ["actors.israel.target = 'EU' is not a principal", "US"]),
        (
            ["+actors.us.red_lines.uranium=[0.1,0.2]"],
            ["actors.us.red_lines names issue 'uranium'", "not on the issue list", "enrichment"],
        ),
        (["actors.iran.salience.sanctions=0.5"], ["override actors.iran.salience.sanctions=0.5", "sums to", "add up to 1"]),
        (["actors.iran.ideal.enrichment=0.9"], ["actors.iran.ideal.enrichment = 0.9 lies outside its own red line"]),
    ],
)
def test_a_bad_override_gets_one_line_naming_it_the_key_and_the_fix(overrides, fragments):
    message = one_line_error(overrides)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


BAD_FILES = {
    "misspelt parameter in a scenario": (
        "scenario/mine.yaml",
        SCENARIO.format(name="mine", body="actors:\n  us:\n    trsut: 0.3\n"),
        ["scenario=mine"],
        ["scenario/mine.yaml", "'actors.us.trsut'", "did you mean 'actors.us.trust'?"],
    ),
    "out of range in a scenario": (
        "scenario/mine.yaml",
        SCENARIO.format(name="mine", body="world:\n  tension: 1.7\n"),
        ["scenario=mine"],
        ["scenario/mine.yaml: world.tension = 1.7 is out of range", "[0, 1]"],
    ),
    "reversed red line in a scenario": (
        "scenario/mine.yaml",
        SCENARIO.format(name="mine", body="actors:\n  us:\n    red_lines: {enrichment: [0.9, 0.5]}\n"),
        ["scenario=mine"],
        ["scenario/mine.yaml: actors.us.red_lines.enrichment = [0.9, 0.5] has its ends reversed: write [0.5, 0.9]"],
    ),
    "empty red line in a scenario": (
        "scenario/mine.yaml",
        SCENARIO.format(name="mine", body="actors:\n  iran:\n    red_lines: {missiles: []}\n"),
        ["scenario=mine"],
        ["scenario/mine.yaml: actors.iran.red_lines.missiles", "give a red line as [low, high]"],
    ),
    "wrong type in a scenario": (
        "scenario/mine.yaml",
        SCENARIO.format(name="mine", body="actors:\n  oman:\n    standing: high\n"),
        ["scenario=mine"],
        ["scenario/mine.yaml: actors.oman.standing = 'high' has the wrong type: use a number"],
    ),
    "malformed YAML in a scenario": (
        "scenario/mine.yaml",
        "# @package _global_\nscenario: {name: mine\nworld:\n  tension: 0.5\n",
        ["scenario=mine"],
        ["scenario/mine.yaml, line 3", "malformed YAML", "fix the syntax there"],
    ),
    "malformed YAML in an actor file": (
        "actors/us.yaml",
        (CONFIG_DIR / "actors" / "us.yaml").read_text().replace("\ntrust: 0.5", "\ntrust: [0.5"),
        [],
        ["actors/us.yaml, line", "malformed YAML", "expected ',' or ']'"],
    ),
    "hazard out of range in an events file": (
        "events/muscat_2026.yaml",
        (CONFIG_DIR / "events" / "muscat_2026.yaml").read_text().replace("hazard: 0.15", "hazard: 1.5"),
        [],
        ["events/muscat_2026.yaml: events.protests_flare.hazard = 1.5 is out of range", "[0, 1]"],
    ),
    "actor file without a name": (
        "actors/russia.yaml",
        "defaults:\n  - stakeholder_schema\n  - _self_\nrole: stakeholder\ndeescalation: 0.01\n",
        ["+actors@actors.russia=russia"],
        ["actors/russia.yaml: actors.russia.name has no value", "name: ..."],
    ),
    "actor file whose role contradicts its schema": (
        "actors/russia.yaml",
        "defaults:\n  - stakeholder_schema\n  - _self_\nname: Russia\nrole: mediator\n",
        ["+actors@actors.russia=russia"],
        ["actors.russia.role = 'mediator'", "stakeholder_schema", "mediator_schema"],
    ),
    "actor file extending a misspelt schema": (
        "actors/russia.yaml",
        "defaults:\n  - stakeholdr_schema\n  - _self_\nname: Russia\n",
        ["+actors@actors.russia=russia"],
        ["actors/russia.yaml: extends 'stakeholdr_schema'", "stakeholder_schema"],
    ),
    "actor file with an unknown role and no schema": (
        "actors/russia.yaml",
        "name: Russia\nrole: broker\n",
        ["+actors@actors.russia=russia"],
        ["actors/russia.yaml: actors.russia.role = 'broker'", "principal, mediator, spoiler, stakeholder"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_config_file_gets_one_line_naming_the_file_the_key_and_the_fix(configs, case):
    relative, text, overrides, fragments = BAD_FILES[case]
    write(configs / relative, text)
    message = one_line_error(overrides, configs)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# ----------------------------------------------------------------- the same, end to end


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["scenario=nope"], ["unknown scenario 'nope'", "nuclear_only", "trust_building"]),
        (["+actors@actors.china=china"], ["unknown actor 'china'", "eu3"]),
        (["actors.us.trus=0.3"], ["did you mean 'actors.us.trust'?"]),
        (
            ["scenario=trust_building", "actors.oman.trust_building=-0.5"],
            ["override actors.oman.trust_building=-0.5", "out of range"],
        ),
    ],
)
def test_the_command_line_prints_one_line_and_exits_with_status_two(capsys, args, fragments):
    with pytest.raises(SystemExit) as info:
        cli_main([*args, "replications=10"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1 and err.startswith("error: "), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_malformed_yaml_on_the_command_line_is_one_line_naming_file_and_line(tmp_path):
    """End to end in a subprocess, on a copy of the project whose scenario file is broken."""
    shutil.copytree(ROOT / "sim", tmp_path / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    write(tmp_path / "configs" / "scenario" / "broken.yaml", "# @package _global_\nworld: {tension: 0.5\nmax_rounds: 3\n")
    proc = run("sim", "scenario=broken", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = proc.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith("error: configs/scenario/broken.yaml, line 3 ('max_rounds: 3'): malformed YAML"), err


def test_load_scenario_reads_a_config_dir_of_ones_own(configs):
    write(
        configs / "scenario" / "longer.yaml",
        SCENARIO.format(name="longer", body="max_rounds: 30\nprovenance:\n  max_rounds: 'assumption: a longer horizon'\n"),
    )
    assert load_scenario("longer", config_dir=configs).max_rounds == 30


def test_no_config_cites_the_article_as_seed():
    """Provenance says `article: '...'`; `seed:` is the random seed's key only (tools/provenance-article.sh rewrites)."""
    import re

    from sim.config.compose import CONFIG_DIR

    stale = [
        f"{path.relative_to(CONFIG_DIR)}:{n}"
        for path in sorted(CONFIG_DIR.rglob("*.yaml"))
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\bseed: (?!\d)|^#\s*Seed:", line) and not re.match(r"\s*seed:\s*\d", line)
    ]
    assert not stale, f"run tools/provenance-article.sh: {stale[:5]}"
