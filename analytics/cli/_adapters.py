"""What the commands need between their options and the domain packages: option text turned into specs, and
results turned into the JSON objects the commands print. Only the packages' facades are used here."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import duckdb

from analytics import datasets, decisions, factors, model, portfolio, provisions, store
from analytics.core import RiskLabError

# --- options -----------------------------------------------------------------------------------------------------


def whole_number(text: object, option: str) -> int:
    """An option's whole number, or a user error naming the option."""
    try:
        return int(str(text).strip())
    except ValueError:
        raise RiskLabError("error.bad_number", option=option, value=text) from None


def number(text: object, option: str) -> float:
    """An option's number, or a user error naming the option."""
    try:
        value = float(str(text).strip())
    except ValueError:
        raise RiskLabError("error.bad_number", option=option, value=text) from None
    if not math.isfinite(value):
        raise RiskLabError("error.bad_number", option=option, value=text)
    return value


# --- roles, default definition and factors -------------------------------------------------------------------------


def role_assignments(values: Sequence[str] | None) -> list[tuple[str, str]]:
    """``["amount=loan_amt", ...]`` (the ``--set`` options) as ``[(role, column), ...]``."""
    pairs = []
    for value in values or []:
        role, sep, column = str(value).partition("=")
        if not sep or not role.strip() or not column.strip():
            raise RiskLabError("cli.bad_set", value=value)
        pairs.append((role.strip(), column.strip()))
    return pairs


def roles_report(con: duckdb.DuckDBPyConnection, table: str, sets: Sequence[str] | None = None) -> dict:
    """What ``roles`` prints: every column's role, after saving the ``--set ROLE=COLUMN`` changes (all or none)."""
    roles = datasets.table_roles(con, table)  # raises error.no_table
    changes = role_assignments(sets)
    for role, column in changes:
        if role not in datasets.ROLE_KEYS:
            raise RiskLabError("role.unknown", role=role, column=column)
        if column not in roles:
            raise RiskLabError("error.no_column", table=table, column=column)
        roles[column] = role
    if changes:
        datasets.save_roles(con, table, roles)
    return {"table": table, "roles": roles}


def definition_from_options(
    flag: str | None = None,
    values: Sequence[str] | None = None,
    dpd: str | None = None,
    days: int | None = None,
    classification: str | None = None,
) -> datasets.DefaultDefinition:
    """The default definition ``define`` saves: exactly one of ``--flag``, ``--dpd`` (with ``--days``) and
    ``--classification``."""
    if sum(option is not None for option in (flag, dpd, classification)) != 1:
        raise RiskLabError("cli.define_one")
    if flag is not None:
        return datasets.DefaultDefinition("flag", flag, values=tuple(values or ("1",)))
    if values:
        raise RiskLabError("cli.values_need_flag")
    if dpd is not None:
        if days is None:
            raise RiskLabError("cli.dpd_days")
        return datasets.DefaultDefinition("dpd", dpd, threshold=int(days))
    return datasets.DefaultDefinition("classification", classification)


def define_report(con: duckdb.DuckDBPyConnection, table: str, defn: datasets.DefaultDefinition) -> dict:
    """What ``define`` prints: the saved definition and the loans, known outcomes and defaults under it."""
    datasets.save_definition(con, table, defn)
    summary = datasets.default_summary(con, table, defn)
    counts = {k: _finite(v) for k, v in summary.items() if k in ("n", "known", "unknown", "defaults", "rate")}
    return {"table": table, "definition": defn.to_dict(), **counts}


def factors_report(con: duckdb.DuckDBPyConnection, table: str) -> dict:
    """What ``factors`` prints: every candidate factor ranked with its default binning, and the columns skipped."""
    ctx = datasets.table_context(con, table)
    if ctx.definition is None:
        raise RiskLabError("cli.no_definition", table=table)
    ranking = factors.rank_factors(con, factors.population(ctx))
    ranked = [
        {
            "factor": row.factor,
            "iv": _finite(float(row.iv)),
            "ks": _finite(float(row.ks)),
            "gini": _finite(float(row.gini)),
            "strength": row.strength,
            "bins": int(row.bins),
        }
        for row in ranking.table.itertuples(index=False)
    ]
    skipped = [
        {"factor": row.factor, "reason": factors.reason_text(row.reason, row.role, row.levels)}
        for row in ranking.skipped.itertuples(index=False)
    ]
    return {"factors": ranked, "skipped": skipped}


# --- fit ----------------------------------------------------------------------------------------------------------


def target_definition(
    con: duckdb.DuckDBPyConnection, table: str, target: str, positive: Sequence[str] = ()
) -> datasets.DefaultDefinition:
    """A flag definition for a target column: 0/1 or boolean, or ``positive`` values meaning default."""
    store.require_column(con, table, target)
    if positive:
        return datasets.DefaultDefinition("flag", target, values=tuple(positive))
    values = con.execute(
        f"SELECT DISTINCT CAST({store.quote_ident(target)} AS VARCHAR) AS v FROM {store.quote_ident(table)} "
        "WHERE v IS NOT NULL ORDER BY v LIMIT 20"
    ).fetchall()
    found = [v for (v,) in values]
    if not {datasets.text_key(v) for v in found} <= {"0", "1", "true", "false"}:
        raise RiskLabError("model.target_not_binary", column=target, values=", ".join(found[:5]))
    return datasets.DefaultDefinition("flag", target, values=(1,))


def fit_spec(
    con: duckdb.DuckDBPyConnection,
    table: str,
    target: str,
    factors: str,
    *,
    positive: Sequence[str] = (),
    categorical: str = "",
    references: Sequence[str] = (),
    holdout: float | None = None,
    seed: int = 1,
    segment: str | None = None,
) -> model.ModelSpec:
    """The spec of ``fit``: comma-separated factors, numeric unless ``categorical``; a categorical factor's
    reference is its first level in sorted order unless ``references`` (``COL=LEVEL``) say; ``segment``
    (``COL=VALUE[,VALUE]``) fits on that segment's loans only."""
    store.require_table(con, table)
    names = [c.strip() for c in factors.split(",") if c.strip()]
    chosen = {c.strip() for c in categorical.split(",") if c.strip()}
    for column in sorted(chosen - set(names)):
        raise RiskLabError("model.categorical_not_factor", column=column)
    levels: dict[str, str] = {}
    for item in references:
        column, sep, level = item.partition("=")
        if not sep or column.strip() not in chosen:
            raise RiskLabError("model.bad_reference", item=item)
        levels[column.strip()] = level
    specs = []
    for name in names:
        if name in chosen:
            specs.append(model.FactorSpec(name, "categorical", reference=levels.get(name)))
        else:
            specs.append(model.FactorSpec(name))
    return model.ModelSpec(
        table,
        tuple(specs),
        holdout="none" if holdout is None else "random",
        fraction=0.3 if holdout is None else holdout,
        seed=seed,
        outcome=target_definition(con, table, target, positive),
        **segment_option(segment),
    )


def segment_option(item: str | None) -> dict:
    """``COL=VALUE[,VALUE]`` as the spec's segment fields (none without one)."""
    if item is None:
        return {}
    column, sep, values = item.partition("=")
    chosen = [v.strip() for v in values.split(",") if v.strip()]
    if not sep or not column.strip() or not chosen:
        raise RiskLabError("segments.bad_option", item=item)
    return {"segment_column": column.strip(), "segment_values": tuple(chosen)}


def _segment(spec: model.ModelSpec) -> dict | None:
    return {"column": spec.segment_column, "values": list(spec.segment_values)} if spec.segment_column else None


def fit_report(fitted: model.FittedModel) -> dict:
    """The JSON object ``fit`` prints: coefficients and fit statistics (of the training sample), and every
    validation figure named by its sample: ``train_auc``, ``test_auc`` ... at the top, ``train``/``test`` in full."""
    checks = fitted.validation()
    train, test = checks.get("train"), checks.get("test")
    s = fitted.fit_stats()
    result = {
        "table": fitted.spec.table,
        "target": fitted.spec.outcome.column,
        "segment": _segment(fitted.spec),
        "n_obs": s["n_obs"],
        "n_events": s["n_events"],
        "params": fitted.params,
        "bse": fitted.bse,
        "pvalues": fitted.pvalues,
        "llf": s["llf"],
        "llnull": s["llnull"],
        "aic": s["aic"],
        "bic": s["bic"],
        "pseudo_r2": s["pseudo_r2"],
        **_by_sample("train", train),
        **_by_sample("test", test),
        "converged": s["converged"],
        "iterations": s["iterations"],
        "method": s["method"],
        "warnings": [str(w) for w in fitted.warnings],
    }
    result["train"] = train.summary() if train else None
    if test is not None:
        result["test"] = test.summary()
    cv = checks.get("cv")
    if cv is not None:
        result["cv_auc"] = cv.mean
    return _finite(result)


def _by_sample(sample: str, checks: object) -> dict:
    """AUC, Gini and KS of one sample under names that say which (None when there is no such sample)."""
    return {f"{sample}_{k}": getattr(checks, k) if checks else None for k in ("auc", "gini", "ks")}


def _finite(value: object) -> object:
    """JSON-safe: NaN and infinities become None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- compare ------------------------------------------------------------------------------------------------------


def compare_report(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    model_name: str,
    expert_column: str | None = None,
    approve: list[str] | None = None,
    rules: str | None = None,
    cutoff: float | None = None,
    approval_rate: float | None = None,
    outcome_kind: str = "actual",
    expert_score: str | None = None,
    min_score: float | None = None,
    review_band: str | None = None,
) -> dict:
    """What ``compare`` prints: the three matrices, kappa and both sides' metrics (with ``review_band`` "A,B",
    also the three zones of that band: ``zones``).

    The expert side is a recorded decision column, a saved rule set, or a score column read as a decision
    (approve when the score is at least ``min_score``). The outcome is the table's default definition, else the
    saved model's own target. Without ``--cutoff`` or ``--approval-rate`` the model approves as many applications
    as the expert.
    """
    given = [option is not None for option in (expert_column, rules, expert_score)]
    if sum(given) != 1 or (approve and expert_column is None):
        raise RiskLabError("decisions.cli_expert")
    if (expert_score is None) != (min_score is None):
        raise RiskLabError("cli.min_score")
    if cutoff is not None and approval_rate is not None:
        raise RiskLabError("decisions.cli_cutoff")
    band = None if review_band is None else parse_review_band(review_band)
    ctx = datasets.table_context(con, table)
    saved = model.load_model(con, model_name)
    for factor in saved.spec.factors:
        ctx.require_column(factor.column)
    if ctx.definition is None and outcome_kind == "actual":  # no definition yet: the model's own target
        target = saved.spec.outcome
        ctx.require_column(target.column)
        ctx = dataclasses.replace(ctx, definition=dataclasses.replace(target, column_type=ctx.types[target.column]))
    if rules is not None:
        source = decisions.load_rule_set(con, rules).source
        if source.kind == "matrix":  # a matrix strategy grades with this model
            source = decisions.bind(source, saved)
    elif expert_score is not None:
        ctx.require_column(expert_score)
        source = decisions.ScoreThreshold(expert_score, float(min_score))
    else:
        source = decisions.RecordedDecision(expert_column, tuple(approve or ()))
    setup = decisions.Setup.from_model(ctx, saved, source, outcome=outcome_kind)
    pd_cut = None
    if cutoff is not None:
        pd_cut = decisions.pd_cutoff(con, setup, decisions.Cutoff("pd", cutoff))  # checked before the scan
    scored = decisions.score(con, setup)  # one scan for every cutoff below
    if pd_cut is None and approval_rate is not None:
        pd_cut = decisions.pd_cutoff(con, setup, decisions.Cutoff("approval_rate", approval_rate), scored=scored)
    elif pd_cut is None:
        at_all = decisions.compare(con, setup, 1.0, scored=scored)
        expert_rate = at_all.metrics.loc["approval_rate_applications", "expert"]
        if not 0 < expert_rate < 1:
            raise RiskLabError("decisions.cli_no_rate", rate=expert_rate)
        same_rate = decisions.Cutoff("approval_rate", float(expert_rate))
        pd_cut = decisions.pd_cutoff(con, setup, same_rate, scored=scored)
    result = decisions.compare(con, setup, pd_cut, scored=scored)
    equal = decisions.at_expert_rate(con, setup)
    zones = {} if band is None else {"zones": decisions.zones(scored, band).to_json()}
    return {
        "table": table,
        "model_name": saved.name,
        "model_version": saved.version,
        "expert_source": decisions.source_to_dict(source) | ({"rule_set": rules} if rules else {}),
        **result.to_json(),
        "at_expert_rate": dataclasses.asdict(equal),
        **zones,
    }


def parse_review_band(text: str) -> decisions.ReviewBand:
    """``--review-band A,B``: approve below PD A, reject from PD B, review between."""
    parts = str(text).split(",")
    if len(parts) != 2:
        raise RiskLabError("zones.bad_band", value=text)
    try:
        low, high = (float(part.strip()) for part in parts)
    except ValueError:
        raise RiskLabError("zones.bad_band", value=text) from None
    return decisions.ReviewBand(low, high)


# --- portfolio ----------------------------------------------------------------------------------------------------


def role_overrides(values: Sequence[str] | None) -> dict[str, str]:
    """``["balance=outstanding", ...]`` (the ``--role`` options) as ``{role: column}``."""
    overrides = {}
    for value in values or []:
        role, sep, column = str(value).partition("=")
        if not sep or not role.strip() or not column.strip():
            raise RiskLabError("portfolio.bad_role_arg", value=value)
        overrides[role.strip()] = column.strip()
    return overrides


def portfolio_report(
    con: duckdb.DuckDBPyConnection, table: str, as_of: str | None = None, role_args: Sequence[str] | None = None
) -> dict:
    """What ``portfolio`` prints: as_of, loans, outstanding, par30, par90, npl_ratio (fractions) and more, with
    their changes against the previous month and a year earlier."""
    overrides = role_overrides(role_args)
    source = portfolio.resolve(con, datasets.table_context(con, table), overrides)
    result = portfolio.kpis(con, source, portfolio.Filters(), as_of)
    out: dict[str, object] = {"table": table, "as_of": result.as_of.isoformat()}
    for value in result.values:
        number = value.value
        out[value.key] = int(number) if value.key == "loans" and number is not None else number
    out["loans"] = out["loans"] or 0
    out["outstanding"] = out["outstanding"] or 0.0
    out["classification_source"] = "days_past_due_floor" if source.classification_derived else "classification"
    out["changes"] = {v.key: {"month": v.change_month, "year": v.change_year} for v in result.values}
    return out


# --- provisions, ecl, pricing -------------------------------------------------------------------------------------


def provision_settings(
    con: duckdb.DuckDBPyConnection, rate_args: Sequence[str] | None = None, general: float | None = None
) -> provisions.Settings:
    """The database's saved provision settings with ``--rate CATEGORY=R`` and ``--general R`` applied."""
    settings = provisions.load_settings(con)
    rates = dict(settings.rates)
    for value in rate_args or []:
        category, sep, number = str(value).partition("=")
        try:
            rate = float(number)
        except ValueError:
            rate = None
        if not sep or rate is None:
            raise RiskLabError("provisions.bad_rate_arg", value=value)
        rates[category.strip()] = rate
    options = {"rates": tuple(rates.items())}
    if general is not None:
        options["general"] = general
    return dataclasses.replace(settings, **options)


def provisions_report(
    con: duckdb.DuckDBPyConnection,
    table: str,
    as_of: str | None = None,
    role_args: Sequence[str] | None = None,
    rate_args: Sequence[str] | None = None,
    general: float | None = None,
) -> dict:
    """What ``provisions`` prints: the required reserve, its ratios and ``by_category`` at the as-of month."""
    settings = provision_settings(con, rate_args, general)
    source = portfolio.resolve(con, datasets.table_context(con, table), role_overrides(role_args))
    result = provisions.provisions(con, source, settings, as_of=as_of)
    return {"table": table, **result.report(), "general_rate": settings.general}


def ecl_report(
    con: duckdb.DuckDBPyConnection, table: str, model_name: str | None = None, as_of: str | None = None
) -> dict:
    """What ``ecl`` prints: ECL by stage and segment, and where the PD came from."""
    ctx = datasets.table_context(con, table)
    source = portfolio.resolve(con, ctx)
    saved = model.load_model(con, model_name) if model_name else None
    result = provisions.ecl(con, ctx, source, provisions.load_settings(con), as_of=as_of, saved=saved)
    return {"table": table, "model": model_name, **result.report()}


def pricing_report(
    con: duckdb.DuckDBPyConnection,
    table: str,
    model_name: str,
    costs: dict[str, float | None],
    cutoff: float = 0.15,
    by: str = "grade",
) -> dict:
    """What ``pricing`` prints: break-even and charged rates per band and the book's profit at the cutoff."""
    saved = model.load_model(con, model_name)
    ctx = datasets.table_context(con, table)
    chosen = provisions.Costs(**{k: v for k, v in costs.items() if v is not None})
    result = provisions.pricing(con, ctx, saved, chosen, provisions.load_settings(con), cutoff=cutoff, by=by)
    return {"table": table, "model": model_name, "costs": dataclasses.asdict(chosen), **result.report()}
