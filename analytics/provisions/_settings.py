"""What provisions, ECL and pricing assume, as registries with the published defaults, editable and saved per
database (``risklab_catalog.provision_settings``, one number per key).

- specific provision rates per five-category class: the People's Bank of China's guidance on loan-loss
  provisions (银发〔2002〕98号): normal 0%, special mention 2%, substandard 25%, doubtful 50%, loss 100%;
  substandard and doubtful may float by up to 20% of their rate (``FLOAT``);
- the general reserve: 1% of gross loans;
- red-flag minimums: coverage ratio (拨备覆盖率) 150%, provision-to-loan ratio (贷款拨备率) 2.5% (the China
  Banking Regulatory Commission's 2011 standards), reserve adequacy 100%;
- loss given default per guarantee method (for ECL and pricing), and the ECL staging and horizon settings.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import duckdb

from analytics import datasets, store
from analytics.core import RiskLabError

FLOAT = 0.20  # substandard and doubtful rates may float by this share of their rate
FLOATING = ("substandard", "doubtful")
CATEGORY_RATES: dict[str, float] = {
    "normal": 0.0,
    "special_mention": 0.02,
    "substandard": 0.25,
    "doubtful": 0.50,
    "loss": 1.0,
}
GENERAL_RESERVE = 0.01


@dataclasses.dataclass(frozen=True)
class Minimum:
    """A red-flag minimum: the ratio's key and its default (below it the figure shows red)."""

    key: str
    default: float


MINIMUMS: tuple[Minimum, ...] = (
    Minimum("coverage_ratio", 1.50),
    Minimum("provision_to_loan_ratio", 0.025),
    Minimum("reserve_adequacy_ratio", 1.00),
)


@dataclasses.dataclass(frozen=True)
class Guarantee:
    """A guarantee method: its key, default loss given default and the spellings (``datasets.text_key``) of it."""

    key: str
    lgd: float
    spellings: tuple[str, ...]


# Sensible defaults for microcredit: unsecured loans recover least, mortgages most (editable per database).
GUARANTEES: tuple[Guarantee, ...] = (
    Guarantee("none", 0.65, ("none", "unsecured", "credit", "信用", "无担保", "信用贷款")),
    Guarantee("guarantor", 0.50, ("guarantor", "guarantee", "guaranteed", "保证", "担保", "保证人")),
    Guarantee("joint_group", 0.55, ("joint_group", "joint_liability", "group", "联保", "联户联保")),
    Guarantee("collateral", 0.40, ("collateral", "pledge", "pledged", "质押", "抵质押")),
    Guarantee("mortgage", 0.30, ("mortgage", "real_estate", "抵押", "房产抵押")),
    Guarantee("other", 0.60, ()),  # any other or missing guarantee method
)
GUARANTEE_KEYS = tuple(g.key for g in GUARANTEES)


def guarantee_key(value: object) -> str:
    """The guarantee method of a label (English or Chinese; ``other`` when unknown or missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "other"
    text = datasets.text_key(value)
    return next((g.key for g in GUARANTEES if text in g.spellings), "other")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Provision rates, general reserve, red-flag minimums, LGD by guarantee method and ECL settings (a class,
    guarantee method or minimum left out keeps its default).

    ``pd_multiple``: a saved model's PD at least this multiple of the PD at origination is a significant increase
    in credit risk (stage 2). ``lifetime_months``: the remaining term assumed when a table has no term column.
    ``model_horizon``: the months a saved model's PD covers (scaled to 12 months and the remaining term)."""

    rates: tuple[tuple[str, float], ...] = tuple(CATEGORY_RATES.items())
    general: float = GENERAL_RESERVE
    minimums: tuple[tuple[str, float], ...] = tuple((m.key, m.default) for m in MINIMUMS)
    lgd: tuple[tuple[str, float], ...] = tuple((g.key, g.lgd) for g in GUARANTEES)
    pd_multiple: float = 2.0
    lifetime_months: float = 24.0
    model_horizon: float = 12.0

    def __post_init__(self) -> None:
        for group, defaults in (("rates", CATEGORY_RATES), ("lgd", _LGDS), ("minimums", _MINIMUM_VALUES)):
            given = {str(k): v for k, v in dict(getattr(self, group)).items()}
            for key, value in given.items():
                if key not in defaults:
                    raise RiskLabError("provisions.bad_key", name=key, keys=", ".join(defaults))
                _check(key, value, 0.0, 10.0 if group == "minimums" else 1.0)
            object.__setattr__(self, group, tuple({**defaults, **given}.items()))  # unnamed keys keep defaults
        _check("general", self.general, 0.0, 1.0)
        _check("pd_multiple", self.pd_multiple, 1.0, 100.0)
        _check("lifetime_months", self.lifetime_months, 1.0, 600.0)
        _check("model_horizon", self.model_horizon, 1.0, 600.0)

    def rate(self, category: str) -> float:
        """The specific provision rate of a five-category class."""
        return dict(self.rates).get(category, CATEGORY_RATES[category])

    def minimum(self, key: str) -> float:
        """The red-flag minimum of a ratio."""
        return dict(self.minimums)[key]

    def loss_given_default(self, guarantee: str) -> float:
        """The LGD of a guarantee method key."""
        values = dict(self.lgd)
        return values.get(guarantee, values.get("other", GUARANTEES[-1].lgd))

    def flat(self) -> dict[str, float]:
        """Every setting as ``{key: number}`` (how they are saved)."""
        out = {f"rate.{k}": v for k, v in self.rates}
        out |= {f"min.{k}": v for k, v in self.minimums}
        out |= {f"lgd.{k}": v for k, v in self.lgd}
        out |= {"general": self.general, "pd_multiple": self.pd_multiple}
        out |= {"lifetime_months": self.lifetime_months, "model_horizon": self.model_horizon}
        return out

    @classmethod
    def from_flat(cls, values: Mapping[str, float]) -> Settings:
        """Settings from ``flat``'s keys (missing keys keep their defaults)."""
        base = cls()

        def group(prefix: str, pairs: tuple) -> tuple:
            return tuple((k, float(values.get(f"{prefix}.{k}", v))) for k, v in pairs)

        return cls(
            rates=group("rate", base.rates),
            general=float(values.get("general", base.general)),
            minimums=group("min", base.minimums),
            lgd=group("lgd", base.lgd),
            pd_multiple=float(values.get("pd_multiple", base.pd_multiple)),
            lifetime_months=float(values.get("lifetime_months", base.lifetime_months)),
            model_horizon=float(values.get("model_horizon", base.model_horizon)),
        )


_MINIMUM_VALUES = {m.key: m.default for m in MINIMUMS}
_LGDS = {g.key: g.lgd for g in GUARANTEES}


def _check(name: str, value: object, low: float, high: float) -> None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or math.isnan(value) or not low <= value <= high:
        raise RiskLabError("provisions.bad_setting", name=name, value=value, low=low, high=high)


def rate_range(category: str, rate: float) -> tuple[float, float]:
    """The range a class's rate may float in: +-20% of the rate for substandard and doubtful, else the rate."""
    if category not in FLOATING:
        return rate, rate
    return rate * (1 - FLOAT), min(rate * (1 + FLOAT), 1.0)


_TABLE = f"{store.quote_ident(store.CATALOG_SCHEMA)}.provision_settings"
_DDL = f"CREATE TABLE IF NOT EXISTS {_TABLE} (key VARCHAR PRIMARY KEY, value DOUBLE NOT NULL)"


def load_settings(con: duckdb.DuckDBPyConnection) -> Settings:
    """The saved settings of this database, else the defaults."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'provision_settings'",
        [store.CATALOG_SCHEMA],
    ).fetchall()[0][0]
    if not exists:
        return Settings()
    return Settings.from_flat(dict(con.execute(f"SELECT key, value FROM {_TABLE}").fetchall()))


def save_settings(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Save every setting (checked when ``settings`` was made), audited."""
    values = settings.flat()
    con.execute(_DDL)
    with store.transaction(con):
        con.execute(f"DELETE FROM {_TABLE}")
        for key, value in values.items():
            con.execute(f"INSERT INTO {_TABLE} VALUES (?, ?)", [key, float(value)])
        store.audit(con, "save_provision_settings", None, **values)
