"""The model development report of a saved model version: what a credit committee reads before signing.

Every figure comes from the analytics packages: the saved record (``model.load_model``), a refit of its
specification for the curves (``model.fit_model``, the same data, sample split and seed), the factor ranking and
pre-selection (``factors``), stability (``factors.stability``, ``core.psi``), the strategy curve and the expert
comparison (``decisions``) and the catalog's audit rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import duckdb
import pandas as pd

from analytics import charts, core, datasets, decisions, factors, model, store
from analytics.reports._document import Chart, Document, Facts, Section, Subheading, Table, Text

DEFAULT_CUTOFF = 0.15  # PD: the Expert vs model page's first cutoff
SAME_PARAMS = 1e-6  # a refit whose coefficients are this close to the saved ones reproduces the saved model
SIGN_OFF_ROLES = ("prepared", "reviewed", "approved")
HISTORY_ACTIONS = ("save_model", "delete_model")  # the audit rows of a model's version history
HISTORY_COLUMNS = ("recorded_at", "person", "role", "action", "result", "detail")


@dataclasses.dataclass(frozen=True)
class _Context:
    """What every section reads: the saved version, its table, its refit and the report's language."""

    con: duckdb.DuckDBPyConnection
    saved: model.SavedModel
    ctx: datasets.TableContext
    pop: factors.Population
    fitted: model.FittedModel
    reproduced: bool
    ranking: factors.Ranking
    lang: str

    def t(self, key: str, /, **params: object) -> str:
        return core.t(key, self.lang, **params)

    def figure(self, value: object, kind: str) -> str:
        return core.format_value(value, kind, self.lang)

    def chart(self, builder, *args: object, **options: object):
        return builder(*args, self.t, lang=self.lang, **options)


def model_report(
    con: duckdb.DuckDBPyConnection,
    name: str,
    version: int | None = None,
    lang: str = "en",
    *,
    cutoff: float = DEFAULT_CUTOFF,
    economics: decisions.Economics | None = None,
) -> Document:
    """The development report of model ``name`` (its latest version unless ``version``) in ``lang``."""
    if not 0 < cutoff < 1:
        raise core.RiskLabError("report.bad_cutoff", cutoff=cutoff)
    saved = model.load_model(con, name, version)
    ctx = datasets.table_context(con, saved.spec.table)
    pop = factors.population(ctx, saved.spec.outcome, booked_only=saved.spec.booked_only)  # its own outcome
    fitted = model.fit_model(con, ctx, saved.spec, folds=0)
    reproduced = set(fitted.params) == set(saved.params) and all(
        abs(fitted.params[k] - saved.params[k]) <= SAME_PARAMS for k in saved.params
    )
    ranking = factors.rank_factors(con, pop)
    c = _Context(con, saved, ctx, pop, fitted, reproduced, ranking, lang)
    sections = [
        _identity(c),
        _data(c),
        _candidates(c),
        _binnings(c),
        _coefficients(c),
        _validation(c),
        _stability(c),
        _scorecard(c),
        _cutoff(c, cutoff, economics or decisions.Economics()),
        _history(c),
        _sign_off(c),
    ]
    subtitle = c.t("report.model_subtitle", name=saved.name, version=saved.version, table=saved.spec.table)
    return Document(c.t("report.model_title"), subtitle, tuple(sections), lang)


# --- the sections --------------------------------------------------------------------------------------------------


def _identity(c: _Context) -> Section:
    saved = c.saved
    rows = (
        (c.t("report.saved_name"), saved.name),
        (core.column_label("version", c.lang), str(saved.version)),
        (c.t("report.created_at"), c.figure(saved.created_at, "datetime")),
        (core.column_label("table", c.lang), saved.spec.table),
        (core.column_label("fingerprint", c.lang), saved.fingerprint or "-"),
        (core.column_label("factors", c.lang), ", ".join(f.column for f in saved.spec.factors)),
        *(((c.t("segments.column"), saved.spec.segment),) if saved.spec.segment else ()),
        (c.t("report.written_on"), c.figure(dt.datetime.now().replace(microsecond=0), "datetime")),
    )
    blocks: list = [Facts(rows)]
    inferred = (saved.metrics.get("fit") or {}).get("reject_inference")
    if inferred:  # fitted on booked loans and inferred rejects: no booked-only refit gives its coefficients
        named = {**inferred, "method": c.t(f"reject.model.{inferred['method']}")}
        blocks.append(Text(c.t("report.reject_inference", **named)))
    elif not c.reproduced:
        blocks.append(Text(c.t("report.not_reproduced")))
    return Section(c.t("report.section.identity"), tuple(blocks))


def _period(c: _Context) -> str:
    """The first and last origination dates of the table's loans (the role's column), or "-"."""
    column = c.ctx.column_with_role("origination_date")
    if column is None:
        return "-"
    quoted = store.quote_ident(column)
    first, last = c.con.execute(
        f"SELECT min(TRY_CAST({quoted} AS DATE)), max(TRY_CAST({quoted} AS DATE)) FROM {store.quote_ident(c.ctx.table)}"
    ).fetchone()
    if first is None:
        return "-"
    return c.t("report.period_range", first=c.figure(first, "date"), last=c.figure(last, "date"))


def _definition(c: _Context) -> str:
    defn = c.pop.defn
    return c.t(
        f"report.definition.{defn.kind}",
        column=defn.column,
        threshold=defn.threshold,
        values=", ".join(map(str, defn.values)),
        labels=", ".join(defn.labels),
    )


def _split(c: _Context) -> str:
    spec = c.saved.spec
    if spec.holdout == "random":
        return c.t("report.split.random", share=c.figure(spec.fraction, "share"), seed=spec.seed)
    if spec.holdout == "time":
        return c.t("report.split.time", date=c.figure(dt.date.fromisoformat(str(spec.split_date)), "date"))
    return c.t("report.split.none")


def _data(c: _Context) -> Section:
    checks = c.fitted.validation()
    train, test = checks["train"], checks.get("test")
    ((rows,),) = c.con.execute(f"SELECT count(*) FROM {store.quote_ident(c.ctx.table)}").fetchall()
    analysed = train.n + (test.n if test else 0)
    excluded = c.t("report.exclusions_booked", column=c.pop.booked_column) if c.pop.booked_column else ""
    facts = (
        (core.column_label("table", c.lang), c.ctx.table),
        (c.t("report.rows"), c.figure(rows, "count")),
        (c.t("report.period"), _period(c)),
        (c.t("data.tab_default"), _definition(c)),
        (c.t("report.sample_split"), _split(c)),
        (c.t("report.train_loans"), c.t("report.loans_defaults", loans=train.n, defaults=train.events)),
        (
            c.t("report.test_loans"),
            c.t("report.loans_defaults", loans=test.n, defaults=test.events) if test else "-",
        ),
        (c.t("report.exclusions"), c.t("report.excluded", n=rows - analysed, booked=excluded)),
    )
    return Section(c.t("report.section.data"), (Text(c.t("report.purpose")), Facts(facts)))


def _candidates(c: _Context) -> Section:
    ranking = c.ranking
    thresholds = factors.Thresholds()
    selection = factors.preselect(c.con, c.pop, thresholds, ranking)
    chosen = {f.column for f in c.saved.spec.factors}
    reasons = {}
    for row in selection.table.itertuples(index=False):
        if row.factor in chosen:
            reasons[row.factor] = c.t("report.in_model")
        elif row.kept:
            reasons[row.factor] = c.t("report.not_chosen")
        else:
            reasons[row.factor] = factors.selection_text(row.reason, row.value, row.other, thresholds, c.lang)
    table = ranking.table
    frame = pd.DataFrame(
        {
            "factor": table["factor"],
            "iv": table["iv"],
            "strength": [c.t(f"factors.band.{s}") for s in table["strength"]],
            "decision": [reasons.get(f, c.t("report.in_model") if f in chosen else "-") for f in table["factor"]],
        }
    )
    skipped = ranking.skipped
    left_out = pd.DataFrame(
        {
            "factor": skipped["factor"] if len(skipped) else [],
            "reason": [
                factors.reason_text(r.reason, r.role, r.levels, c.lang) for r in skipped.itertuples(index=False)
            ],
        }
    )
    limits = c.t(
        "report.selection_limits",
        missing=c.figure(thresholds.max_missing, "share"),
        iv=thresholds.min_iv,
        top=c.figure(thresholds.max_top_share, "share"),
        correlation=thresholds.max_correlation,
    )
    blocks = (
        Text(limits),
        Table(frame, c.t("report.section.candidates"), labels={"decision": c.t("report.decision")}),
        Chart(c.chart(charts.iv_bars, ranking.table)),
        Text(c.t("report.left_out")),
        Table(
            left_out, c.t("report.sheet.left_out"), kinds={"reason": "text"}, labels={"reason": c.t("report.reason")}
        ),
    )
    return Section(c.t("report.section.candidates"), blocks)


def _bin_labels(c: _Context, frame: pd.DataFrame) -> pd.DataFrame:
    names = {
        factors.MISSING: c.t("binning.missing"),
        factors.OTHER: c.t("binning.other"),
        factors.TOTAL: c.t("binning.total"),
    }
    labels = [names.get(code, name) for code, name in zip(frame["bin"], frame["label"], strict=True)]
    return frame.assign(label=labels).drop(columns="bin")


def _binning_spec(c: _Context, encoding: model.Encoding) -> factors.BinSpec:
    """The model's own bins of a WOE factor, else the binning the factor ranking used (saved or default), else (a
    factor the ranking leaves out, e.g. a column with an expert role) its optimal binning."""
    if encoding.bins is not None:
        return encoding.bins
    if encoding.column in c.ranking.binnings:
        return c.ranking.binnings[encoding.column].spec
    kind = "categorical" if encoding.treatment == "categorical" else "numeric"
    return factors.build_binning(c.con, c.pop, encoding.column, kind, "optimal").spec


def _binnings(c: _Context) -> Section:
    blocks: list = [Text(c.t("report.binning_help"))]
    for encoding in c.saved.encodings:
        binned = factors.compute_binning(c.con, c.pop, _binning_spec(c, encoding))
        iv = c.figure(binned.iv, "statistic")
        blocks.append(Subheading(c.t("report.binning_of", factor=encoding.column, iv=iv)))
        blocks.append(Table(_bin_labels(c, binned.with_totals()), f"{encoding.column}"[:31]))
        blocks.append(Chart(c.chart(charts.binning_chart, _bin_labels(c, binned.table))))
    return Section(c.t("report.section.binning"), tuple(blocks))


def _coefficients(c: _Context) -> Section:
    words = {w: c.t(f"model.word.{w}") for w in model.WORDS}
    if c.reproduced:
        coefs = c.fitted.coef_table().drop(columns=["term"]).replace({"factor": {"": words[model.CONST]}})
    else:
        terms = [words[model.CONST] if term == model.CONST else term for term in c.saved.params]
        coefs = pd.DataFrame({"term": terms, "coef": list(c.saved.params.values())})
    stats = c.saved.metrics.get("fit") or c.fitted.fit_stats()
    facts = (
        (core.column_label("n_obs", c.lang), c.figure(stats.get("n_obs"), "count")),
        (core.column_label("n_events", c.lang), c.figure(stats.get("n_events"), "count")),
        (c.t("report.log_likelihood"), c.figure(stats.get("llf"), "statistic")),
        (
            c.t("report.lr_test"),
            c.t(
                "report.lr_value",
                chi2=c.figure(stats.get("lr_chi2"), "statistic"),
                df=stats.get("lr_df"),
                p=c.figure(stats.get("lr_p"), "p_value"),
            ),
        ),
        (c.t("report.pseudo_r2"), c.figure(stats.get("pseudo_r2"), "statistic")),
        (core.column_label("aic", c.lang), c.figure(stats.get("aic"), "statistic")),
        (c.t("report.bic"), c.figure(stats.get("bic"), "statistic")),
    )
    blocks = (
        Table(coefs, c.t("report.sheet.coefficients"), kinds={"level": "text", "sig": "text"}),
        Text(c.t("report.coef_help")),
        Facts(facts),
    )
    return Section(c.t("report.section.coefficients"), blocks)


def _validation(c: _Context) -> Section:
    checks = c.fitted.validation()
    samples = {c.t(f"split.{k}"): v for k, v in checks.items() if k in ("train", "test") and v is not None}
    summary = pd.DataFrame([{"sample": k, **v.summary()} for k, v in samples.items()])
    shown_key = "test" if checks.get("test") else "train"
    shown = checks[shown_key]
    blocks: list = [
        Table(summary, c.t("report.sheet.validation"), kinds={"sample": "text"}),
        Text(c.t("report.hl_help")),
        Chart(c.chart(charts.roc_chart, {k: v.roc for k, v in samples.items()}), c.t("report.roc")),
        Chart(
            c.chart(charts.calibration_chart, {k: v.calibration for k, v in samples.items()}), c.t("report.calibration")
        ),
        Chart(c.chart(charts.ks_chart, shown.ks_curve), c.t("report.ks_of", sample=c.t(f"split.{shown_key}"))),
        Text(c.t("model.gains_help", sample=c.t(f"split.{shown_key}"))),
        Table(shown.gains, c.t("report.sheet.gains")),
    ]
    cv = c.saved.metrics.get("cv")
    if cv and cv.get("mean") is not None and not math.isnan(cv["mean"]):
        blocks.append(
            Text(c.t("report.cv", mean=c.figure(cv["mean"], "statistic"), sd=c.figure(cv["std"], "statistic")))
        )
    return Section(c.t("report.section.validation"), tuple(blocks))


def _stability(c: _Context) -> Section:
    checks = c.fitted.validation()
    blocks: list = []
    test = checks.get("test")
    if test is not None:
        train = checks["train"]
        expected = (train.distribution["goods"] + train.distribution["bads"]).to_numpy(dtype=float)
        actual = (test.distribution["goods"] + test.distribution["bads"]).to_numpy(dtype=float)
        score_psi = core.psi(expected / expected.sum(), actual / actual.sum())
        verdict = c.t(f"factors.psi.{core.band(score_psi, core.PSI_BANDS)}")
        blocks.append(Facts(((c.t("report.score_psi"), f"{c.figure(score_psi, 'statistic')} ({verdict})"),)))
    spec = c.saved.spec
    if spec.holdout == "time":
        column = spec.date_column or c.ctx.column_with_role("origination_date")
        split = factors.Split("time", spec.fraction, column=column)
    else:
        split = factors.Split("random", spec.fraction or 0.3, seed=int(spec.seed))
    specs = [_binning_spec(c, e) for e in c.saved.encodings]
    stability = factors.stability(c.con, c.pop, split, specs)
    csi = stability.summary.assign(verdict=[c.t(f"factors.psi.{v}") if v else "" for v in stability.summary["verdict"]])
    blocks += [Text(c.t("report.csi_help")), Table(csi, c.t("factors.tab_stability"), kinds={"verdict": "text"})]
    return Section(c.t("factors.tab_stability"), tuple(blocks))


def _scorecard(c: _Context) -> Section:
    scaling = c.saved.scaling
    words = {w: c.t(f"model.word.{w}") for w in model.WORDS}
    card = c.saved.scorecard().rename(columns={"value": "woe"})
    for column in ("factor", "treatment", "attribute"):
        if column in card:
            card[column] = [words.get(v, v) if isinstance(v, str) else v for v in card[column]]
    facts = (
        (c.t("model.base_score"), c.figure(scaling.base_score, "number")),
        (c.t("model.base_odds"), c.figure(scaling.base_odds, "number")),
        (c.t("model.pdo"), c.figure(scaling.pdo, "number")),
        (
            c.t("report.scaling_formula"),
            c.t("report.scaling_value", factor=round(scaling.factor, 4), offset=round(scaling.offset, 4)),
        ),
    )
    blocks = (Facts(facts), Table(card, c.t("model.tab.scorecard"), kinds={"attribute": "text"}))
    return Section(c.t("report.section.scorecard"), blocks)


def _cutoff(c: _Context, cutoff: float, econ: decisions.Economics) -> Section:
    source = decisions.default_source(c.con, c.ctx)
    score = decisions.pd_to_score(cutoff, c.saved.scaling)
    lead = Text(c.t("report.cutoff", pd=c.figure(cutoff, "pd"), score=c.figure(score, "score")))
    if source is None:
        return Section(c.t("report.section.cutoff"), (lead, Text(c.t("report.no_expert"))))
    outcome = "simulated" if decisions.has_simulated_outcome(c.ctx) else "actual"
    setup = decisions.Setup.from_model(c.ctx, c.saved, source, outcome=outcome)
    scored = decisions.score(c.con, setup)
    curve = decisions.strategy_curve(c.con, setup, econ, scored=scored)
    result = decisions.compare(c.con, setup, cutoff, econ, scored=scored)
    metrics = result.metrics.rename_axis("metric").reset_index()
    kinds = [decisions.METRIC_KINDS[m] for m in metrics["metric"]]
    written = pd.DataFrame(
        {
            "metric": [core.column_label(m, c.lang) for m in metrics["metric"]],
            **{
                side: [c.figure(v, k) for v, k in zip(metrics[side], kinds, strict=True)]
                for side in ("expert", "model")
            },
        }
    )
    expert_point = tuple(result.metrics.loc[["approval_rate", "bad_rate_approved"], "expert"])
    model_point = tuple(result.metrics.loc[["approval_rate", "bad_rate_approved"], "model"])
    counts = c.t("decisions.cutoff_caption", pd=c.figure(cutoff, "pd"), score=c.figure(score, "score"), **result.counts)
    blocks = (
        lead,
        Chart(c.chart(charts.strategy_chart, curve, expert_point, model_point), c.t("report.strategy")),
        Text(c.t("report.expert_source", outcome=c.t(f"report.outcome.{outcome}"))),
        Text(counts),
        Table(written, c.t("report.sheet.expert"), kinds={"expert": "text", "model": "text"}),
        Text(c.t("decisions.kappa", kappa=c.figure(result.kappa, "statistic"))),
    )
    return Section(c.t("report.section.cutoff"), blocks)


def _history(c: _Context) -> Section:
    versions = model.list_models(c.con)
    versions = versions[versions["name"] == c.saved.name].drop(columns=["name", "table"])
    trail = store.audit_trail(c.con, actions=HISTORY_ACTIONS, object_name=c.saved.name, lang=c.lang)
    trail = trail[list(HISTORY_COLUMNS)]
    blocks = (
        Table(versions, c.t("report.sheet.versions"), kinds={"factors": "text", "fingerprint": "text"}),
        Text(c.t("report.audit_help")),
        Table(trail, c.t("report.sheet.audit")),
    )
    return Section(c.t("report.section.history"), blocks)


def _sign_off(c: _Context) -> Section:
    frame = pd.DataFrame(
        {
            "role": [c.t(f"report.role.{r}") for r in SIGN_OFF_ROLES],
            "name": [""] * len(SIGN_OFF_ROLES),
            "signature": [""] * len(SIGN_OFF_ROLES),
            "date": [""] * len(SIGN_OFF_ROLES),
        }
    )
    labels = {k: c.t(f"report.sign.{k}") for k in frame.columns if k != "role"} | {"role": c.t("data.role")}
    kinds = dict.fromkeys(frame.columns, "text")
    return Section(
        c.t("report.section.sign_off"),
        (
            Text(c.t("report.sign_help")),
            Table(frame, c.t("report.sheet.sign_off"), kinds=kinds, labels=labels, form=True),
        ),
    )
