"""GridSpec: axes, constraint, walk-forward windows, cells and the errors of a bad grid file."""

import json
import textwrap
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cluster.grid.spec import GridSpec, load_grid_spec, parse_field_path
from core.errors import ConfigError
from node.config import load_config

TEMPLATE = """
name = "ema"
[[venues]]
name = "SIM"
oms_type = "NETTING"
account_type = "MARGIN"
starting_balances = ["1000000 USD"]
base_currency = "USD"

[[data]]
catalog_path = "catalog"
data_cls = "Bar"
bar_type = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL"

[[strategies]]
strategy_path = "configs.strategies.ema_cross:EMACross"
config = { instrument_id = "EUR/USD.SIM", bar_type = "EUR/USD.SIM-1-MINUTE-MID-EXTERNAL" }
"""

AXES = """
[[axes]]
path = "strategies[0].config.fast_ema_period"
values = [5, 10, 20]

[[axes]]
path = "strategies[0].config.slow_ema_period"
range = { start = 10, stop = 30, step = 10 }
"""


def write_grid(tmp_path, body, template=TEMPLATE, inline=True):
    if inline:
        text = (
            body
            + "\n[template]\n"
            + textwrap.indent(template, "")
            .replace("[[venues]]", "[[template.venues]]")
            .replace("[[data]]", "[[template.data]]")
            .replace("[[strategies]]", "[[template.strategies]]")
        )
        # Top-level keys of the template ("name") go under [template] as written.
    else:
        (tmp_path / "ema.toml").write_text(template)
        text = body
    path = tmp_path / "grid.toml"
    path.write_text(text)
    return path


def test_load_grid_spec_cells_follow_axes_and_constraint(tmp_path):
    path = write_grid(tmp_path, '[grid]\nconstraint = "fast_ema_period < slow_ema_period"\n' + AXES)
    spec = load_grid_spec(path)
    assert [a.name for a in spec.axes] == ["fast_ema_period", "slow_ema_period"]
    assert spec.axes[1].values == (10, 20, 30)
    assert spec.shape == (3, 3)
    cells = spec.cells()
    # (5,10) (5,20) (5,30) (10,20) (10,30) (20,30): 6 of 9 satisfy fast < slow.
    assert [(c.params["fast_ema_period"], c.params["slow_ema_period"]) for c in cells] == [
        (5, 10),
        (5, 20),
        (5, 30),
        (10, 20),
        (10, 30),
        (20, 30),
    ]
    assert [c.index for c in cells][:4] == [(0, 0), (0, 1), (0, 2), (1, 1)]
    for cell in cells:
        assert cell.id == cell.config.id and len(cell.id) == 64
        assert cell.role == "full" and cell.window is None
        strategy = cell.config.strategies[0].config
        assert strategy["fast_ema_period"] == cell.params["fast_ema_period"]
        assert strategy["slow_ema_period"] == cell.params["slow_ema_period"]
    assert len({c.id for c in cells}) == 6


def test_cell_ids_are_stable_across_loads_and_template_forms(tmp_path):
    a = load_grid_spec(write_grid(tmp_path, AXES))
    other = tmp_path / "other"
    other.mkdir()
    b = load_grid_spec(
        write_grid(other, '[grid]\ntemplate_path = "ema.toml"\n' + AXES, inline=False)
    )
    assert [c.id for c in a.cells()] == [c.id for c in b.cells()]
    # The id is the one a plain run config with the same values has.
    cell = a.cells()[0]
    plain = load_config(other / "ema.toml").replace(
        strategies=[
            {
                "strategy_path": "configs.strategies.ema_cross:EMACross",
                "config": dict(cell.config.strategies[0].config),
            }
        ]
    )
    assert plain.id == cell.id


def test_range_log_range_and_engine_and_venue_paths(tmp_path):
    body = """
[[axes]]
path = "venues[0].default_leverage"
log_range = { start = 1, stop = 100, num = 5 }

[[axes]]
name = "seed"
path = "engine.seed"
range = { start = 1, stop = 3, step = 1 }

[[axes]]
path = "strategies[0].config.fast_ema_period"
log_range = { start = 2, stop = 4, num = 4, integer = true }

[[axes]]
path = "venues[0].fill_model.prob_slippage"
range = { start = 0.0, stop = 0.3, step = 0.1 }
"""
    spec = load_grid_spec(write_grid(tmp_path, body))
    assert spec.axes[0].values == (1.0, 3.16227766017, 10.0, 31.6227766017, 100.0)
    assert spec.axes[1].values == (1, 2, 3)
    assert spec.axes[2].values == (2, 3, 4)  # 2, 2.52, 3.17, 4 rounded, duplicates dropped
    assert spec.axes[3].values == (0.0, 0.1, 0.2, 0.3)
    cells = spec.cells()
    assert len(cells) == 5 * 3 * 3 * 4
    last = cells[-1]
    assert last.config.venues[0].default_leverage == 100.0
    assert last.config.engine.seed == 3
    assert last.config.venues[0].fill_model.prob_slippage == 0.3


def test_walk_forward_rolling_and_anchored_windows(tmp_path):
    wf = """
[walk_forward]
mode = "{mode}"
start = "2024-01-01"
end = "2024-01-10T23:59:59.999999999Z"
train = "4D"
test = "2D"
"""
    day = 86_400_000_000_000
    t0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
    rolling = load_grid_spec(write_grid(tmp_path, AXES + wf.replace("{mode}", "rolling")))
    assert [(w.train_start, w.train_end, w.test_start, w.test_end) for w in rolling.windows] == [
        (t0, t0 + 4 * day - 1, t0 + 4 * day, t0 + 6 * day - 1),
        (t0 + 2 * day, t0 + 6 * day - 1, t0 + 6 * day, t0 + 8 * day - 1),
        (t0 + 4 * day, t0 + 8 * day - 1, t0 + 8 * day, t0 + 10 * day - 1),
    ]
    anchored = load_grid_spec(write_grid(tmp_path, AXES + wf.replace("{mode}", "anchored")))
    assert [w.train_start for w in anchored.windows] == [t0, t0, t0]
    assert [w.train_end for w in anchored.windows] == [
        t0 + 4 * day - 1,
        t0 + 6 * day - 1,
        t0 + 8 * day - 1,
    ]
    cells = rolling.cells()
    assert len(cells) == 3 * 9
    assert {c.role for c in cells} == {"train"}
    assert cells[9].window == 1 and cells[9].config.start == t0 + 2 * day
    test_cell = rolling.cell(cells[9].params, role="test", window=1)
    assert (test_cell.config.start, test_cell.config.end) == (t0 + 6 * day, t0 + 8 * day - 1)
    assert test_cell.id != cells[9].id


def test_parse_field_path():
    assert parse_field_path("strategies[0].config.fast_ema_period") == [
        "strategies",
        0,
        "config",
        "fast_ema_period",
    ]
    assert parse_field_path("engine.seed") == ["engine", "seed"]
    for bad in ("", ".engine", "engine..seed", "venues[x]", "a-b"):
        with pytest.raises(ConfigError, match="path"):
            parse_field_path(bad)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (
            '[[axes]]\npath = "strategies[2].config.x"\nvalues = [1]\n',
            r"grid.toml: axes\[0\].path: 'strategies\[2\].config.x': index 2 out of range, "
            r"strategies has 1 entries",
        ),
        (
            '[[axes]]\npath = "engin.seed"\nvalues = [1]\n',
            r"axes\[0\].path: 'engin.seed': the template has no field 'engin', expected one of",
        ),
        (
            '[[axes]]\npath = "venues[0].x y"\nvalues = [1]\n',
            r"axes\[0\].path: 'venues\[0\].x y' invalid at character 11",
        ),
        (
            '[[axes]]\npath = "engine.seed"\nrange = { start = 1, stop = 3, step = 0 }\n',
            r"grid.toml: axes\[0\].range.step: expected > 0, got 0",
        ),
        (
            '[[axes]]\npath = "engine.seed"\nlog_range = { start = 0, stop = 3, num = 3 }\n',
            r"axes\[0\].log_range.start: expected > 0 for a log range, got 0",
        ),
        (
            '[[axes]]\npath = "engine.seed"\nvalues = [1]\nrange = { start = 1, stop = 3, step = 1 }\n',
            r"axes\[0\].values: expected exactly one of values, range, log_range, got values, range",
        ),
        (
            '[[axes]]\npath = "engine.seed"\nvalues = []\n',
            r"axes\[0\].values: expected at least one value, got \[\]",
        ),
        (
            '[[axes]]\npath = "engine.seed"\nvalues = [1]\nwhat = 2\n',
            r"axes\[0\].what: unknown field",
        ),
        (
            '[[axes]]\npath = "engine.seed"\nvalues = [1]\n[[axes]]\npath = "venues[0].fill_model.random_seed"\nvalues = [1, 2]\nname = "seed"\n',
            r"axes\[1\].name: 'seed' already names an axis",
        ),
        (
            '[grid]\nconstraint = "fast < slow"\n' + AXES,
            r"grid.constraint: 'fast < slow' uses unknown name 'fast', expected an axis name: "
            r"fast_ema_period, slow_ema_period",
        ),
        (
            "[grid]\nconstraint = \"__import__('os').system('x')\"\n" + AXES,
            r"grid.constraint: .*only abs\(\), min\(\), max\(\) may be called",
        ),
        (
            '[grid]\nconstraint = "fast_ema_period.real > 1"\n' + AXES,
            r"grid.constraint: .*Attribute not allowed",
        ),
        (
            '[grid]\nconstraint = "fast_ema_period <"\n' + AXES,
            r"grid.constraint: 'fast_ema_period <' is not an expression",
        ),
        (
            '[grid]\nconstraint = "fast_ema_period > 100"\n' + AXES,
            r"grid.constraint: 'fast_ema_period > 100' excludes every cell",
        ),
        (
            '[[axes]]\npath = "strategies[0].config.trade_size"\nvalues = ["abc"]\n',
            r"grid.toml: cell \(trade_size='abc'\): strategies\[0\].config.trade_size: "
            r"expected decimal number, got \"abc\"",
        ),
        (
            '[[axes]]\npath = "strategies[0].config.fast_ema_perod"\nvalues = [3]\n',
            r"cell \(fast_ema_perod=3\): strategies\[0\].config.fast_ema_perod: unknown field, "
            r"expected one of instrument_id",
        ),
        (
            '[[axes]]\npath = "venues[0].bar_execution"\nvalues = [true]\n[[axes]]\npath = "name"\nvalues = ["a", "b"]\n',
            None,
        ),
        (
            '[[axes]]\npath = "engine.seed"\nvalues = [1]\n'
            '[walk_forward]\nstart = "2024-01-01"\nend = "2024-01-03"\ntrain = "4D"\ntest = "1D"\n',
            r"walk_forward: the span 2024-01-01 to 2024-01-03 is shorter than train 4D \+ test "
            r"1D",
        ),
        (
            '[[axes]]\npath = "engine.seed"\nvalues = [1]\n'
            '[walk_forward]\nstart = "2024-01-01"\nend = "2024-01-30"\ntrain = "four days"\ntest = "1D"\n',
            r"grid.toml: walk_forward.train: expected a duration such as '30D' or '12h', got 'four days'",
        ),
        (
            '[[axes]]\npath = "engine.seed"\nvalues = [1]\n'
            '[walk_forward]\nmode = "sliding"\nstart = "2024-01-01"\nend = "2024-01-30"\ntrain = "4D"\ntest = "1D"\n',
            r"grid.toml: walk_forward.mode: expected one of rolling, anchored, got 'sliding'",
        ),
        ("", r"grid.toml: axes: required field missing"),
    ],
)
def test_bad_grid_file_raises_with_file_field_and_expectation(tmp_path, body, match):
    path = write_grid(tmp_path, body)
    if match is None:
        assert len(load_grid_spec(path).cells()) == 2
        return
    with pytest.raises(ConfigError, match=match):
        load_grid_spec(path)


def test_duplicate_cells_raise(tmp_path):
    body = '[[axes]]\npath = "engine.seed"\nvalues = [1, 1.0]\n'
    with pytest.raises(ConfigError, match=r"cells \(seed=1\) and \(seed=1.0\) are the same config"):
        load_grid_spec(write_grid(tmp_path, body)).cells()


def test_template_errors_name_the_template(tmp_path):
    with pytest.raises(ConfigError, match=r"grid.toml: template: expected exactly one of"):
        load_grid_spec(write_grid(tmp_path, '[grid]\ntemplate_path = "ema.toml"\n' + AXES))
    (tmp_path / "sub").mkdir()
    bad = TEMPLATE.replace('"NETTING"', '"NET"')
    path = write_grid(
        tmp_path / "sub", '[grid]\ntemplate_path = "ema.toml"\n' + AXES, bad, inline=False
    )
    with pytest.raises(
        ConfigError, match=r"sub/ema.toml: venues\[0\].oms_type: expected one of NETTING, HEDGING"
    ):
        load_grid_spec(path)
    with pytest.raises(ConfigError, match=r"nope.toml: grid file not found"):
        load_grid_spec(tmp_path / "nope.toml")


def test_grid_spec_from_objects():
    import tomllib

    template = load_config.__globals__["config_from_dict"](tomllib.loads(TEMPLATE))
    from cluster.grid.spec import AxisConfig, GridConfig

    spec = GridSpec(
        template,
        [AxisConfig(path="engine.seed", values=[1, 2, 3])],
        GridConfig(constraint="seed != 2"),
    )
    assert [c.params for c in spec.cells()] == [{"seed": 1}, {"seed": 3}]


# -- issue 11 point 8: names that stay in .flotilla/grids, cell counts refused before building --


@pytest.mark.parametrize(
    "name",
    [
        "../../../x",
        "/abs",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "",
        "..",
        "a..b",
        ".hidden",
        "-flag",
        "a b",
    ],
)
def test_grid_name_not_one_safe_folder_name_raises_with_field_value_expectation(tmp_path, name):
    body = f"[grid]\nname = {json.dumps(name)}\n" + AXES
    with pytest.raises(ConfigError) as raised:
        load_grid_spec(write_grid(tmp_path, body))
    assert str(raised.value) == (
        f"{tmp_path / 'grid.toml'}: grid.name: expected 1 to 100 letters, digits, '_', '.' or "
        "'-', starting with a letter or digit, without '..' (it names the folder "
        f".flotilla/grids/<name>), got {name!r}"
    )


def test_grid_name_over_100_chars_raises_with_its_start_and_length(tmp_path):
    body = f'[grid]\nname = "{"x" * 101}"\n' + AXES
    with pytest.raises(
        ConfigError, match=r"grid.name: expected 1 to 100 .* got 'x{40}'\.\.\. \(101 chars\)$"
    ):
        load_grid_spec(write_grid(tmp_path, body))


@pytest.mark.parametrize("name", ["ema_sweep", "a", "x" * 100, "v1.2-final", "2024Q1"])
def test_grid_name_plain_folder_name_loads(tmp_path, name):
    spec = load_grid_spec(write_grid(tmp_path, f'[grid]\nname = "{name}"\n' + AXES))
    assert spec.name == name


# 200-odd bytes asking for 10^9 x 10^9 + ... cells: refused before any value list is made.
BOMB = """
[grid]
name = "bomb"
[[axes]]
path = "engine.seed"
range = { start = 1, stop = 1000000000, step = 1 }
[[axes]]
path = "strategies[0].config.fast_ema_period"
log_range = { start = 1, stop = 1000, num = 2000000000 }
"""


def test_grid_of_billions_of_cells_refused_with_count_before_building(tmp_path):
    path = write_grid(tmp_path, BOMB)
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError) as raised:
            load_grid_spec(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(raised.value) == (
        f"{path}: grid.max_cells: the grid asks for 2,000,000,000,000,000,000 cells "
        "(1,000,000,000 x 2,000,000,000 axis values), expected at most 100,000; narrow the "
        "axes or windows, or raise grid.max_cells (or --max-cells)"
    )
    assert peak < 20 * 2**20  # nothing proportional to the count was allocated


def test_grid_cell_cap_counts_before_the_constraint_and_is_configurable(tmp_path):
    # 400 x 400 = 160,000 candidate cells; the constraint would keep 400, but cannot be
    # evaluated without expanding the product, so the upper bound is what is capped.
    body = """
[grid]
constraint = "fast_ema_period == slow_ema_period"
[[axes]]
path = "strategies[0].config.fast_ema_period"
range = { start = 1, stop = 400, step = 1 }
[[axes]]
path = "strategies[0].config.slow_ema_period"
range = { start = 1, stop = 400, step = 1 }
"""
    path = write_grid(tmp_path, body)
    with pytest.raises(
        ConfigError,
        match=r"asks for 160,000 cells \(400 x 400 axis values\), "
        r"expected at most 100,000",
    ):
        load_grid_spec(path)
    with pytest.raises(ConfigError, match=r"asks for 160,000 cells .* expected at most 159,999"):
        load_grid_spec(path, max_cells=159_999)
    # At the cap exactly the grid loads (the constraint then leaves 400 cells).
    small = write_grid(tmp_path, body.replace("stop = 400", "stop = 20"))
    text = small.read_text().replace("[grid]\n", "[grid]\nmax_cells = 400\n", 1)
    small.write_text(text)
    assert len(load_grid_spec(small).cells()) == 20
    with pytest.raises(ConfigError, match=r"asks for 400 cells .* expected at most 399"):
        load_grid_spec(small, max_cells=399)
    small.write_text(text.replace("max_cells = 400", "max_cells = 0"))
    with pytest.raises(ConfigError, match=r"grid.toml: grid.max_cells: expected >= 1, got 0"):
        load_grid_spec(small)


def test_walk_forward_windows_count_toward_the_cap(tmp_path):
    # One-minute windows over 2024-01-01 to 2024-12-31T00:00: 525,600 minutes less the
    # first train and test minute, plus one, is 525,599 windows of 3 train cells and a test cell.
    body = (
        AXES.replace("values = [5, 10, 20]", "values = [5]")
        + '[walk_forward]\nstart = "2024-01-01"\nend = "2024-12-31"\ntrain = "1min"\n'
        'test = "1min"\n'
    )
    with pytest.raises(
        ConfigError,
        match=r"asks for 2,102,396 cells \(1 x 3 axis values x 525,599 windows \+ 525,599 test "
        r"cells\), expected at most 100,000",
    ):
        load_grid_spec(write_grid(tmp_path, body))


@pytest.mark.parametrize(
    "bad",
    [
        "range = { start = 1, stop = inf, step = 1 }",
        "range = { start = 1, stop = 3, step = nan }",
        "log_range = { start = 1, stop = inf, num = 3 }",
    ],
)
def test_axis_range_not_finite_raises(tmp_path, bad):
    body = f'[[axes]]\npath = "engine.seed"\n{bad}\n'
    with pytest.raises(
        ConfigError, match=r"axes\[0\]\.(log_)?range\.\w+: expected a finite number"
    ):
        load_grid_spec(write_grid(tmp_path, body))


def test_axis_range_too_fine_to_count_raises(tmp_path):
    body = '[[axes]]\npath = "engine.seed"\nrange = { start = 0.0, stop = 1e308, step = 1e-308 }\n'
    with pytest.raises(ConfigError, match=r"axes\[0\]\.range\.step: 1e-308 makes more values"):
        load_grid_spec(write_grid(tmp_path, body))


@given(
    span=st.integers(1, 400),
    train=st.integers(1, 50),
    test=st.integers(1, 50),
    step=st.one_of(st.none(), st.integers(1, 60)),
    mode=st.sampled_from(["rolling", "anchored"]),
)
@settings(max_examples=200, deadline=None)
def test_window_count_equals_the_windows_made(span, train, test, step, mode):
    # The cap relies on the arithmetic count; it must equal the windows a loop would make.
    from cluster.grid.spec import WalkForwardConfig, _window_count, _windows

    config = WalkForwardConfig(
        mode=mode,
        start=1_000,
        end=1_000 + span,
        train=f"{train}ns",
        test=f"{test}ns",
        step=None if step is None else f"{step}ns",
    )
    stride = test if step is None else step
    expected = []
    k = 0
    while 1_000 + train + k * stride + test <= 1_000 + span + 1:
        train_end = 1_000 + train + k * stride
        train_start = 1_000 if mode == "anchored" else 1_000 + k * stride
        expected.append((train_start, train_end - 1, train_end, train_end + test - 1))
        k += 1
    if not expected:
        with pytest.raises(ConfigError, match="shorter than train"):
            _window_count(config)
        return
    assert _window_count(config) == len(expected)
    made = [(w.train_start, w.train_end, w.test_start, w.test_end) for w in _windows(config)]
    assert made == expected
