"""The portfolio report of a performance table for a board pack: the as-of month's key figures, trends, the
five-category mix, vintages and provisions, as one offline HTML file or an Excel workbook. The Portfolio page
writes its own view (the user's filters and choices) through ``page_report``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import altair as alt
import duckdb
import pandas as pd

from analytics import charts, core, datasets, portfolio, provisions
from analytics.reports._document import Chart, Document, Facts, Section, Table, Text, to_html


@dataclasses.dataclass(frozen=True, eq=False)
class PortfolioFigures:
    """Everything the report shows, computed once: the Excel sheets and the document are written from it."""

    table: str
    as_of: dt.date
    kpis: pd.DataFrame
    monthly: pd.DataFrame
    mix: pd.DataFrame
    vintages: pd.DataFrame
    provisions: provisions.Provisions | None
    provisions_trend: pd.DataFrame | None
    settings: provisions.Settings
    derived: bool


def portfolio_figures(
    con: duckdb.DuckDBPyConnection,
    table: str,
    as_of: str | dt.date | None = None,
    roles: Mapping[str, str] | None = None,
) -> PortfolioFigures:
    """The figures of ``table`` at ``as_of`` (default: its latest month) over every loan."""
    source = portfolio.resolve(con, datasets.table_context(con, table), dict(roles or {}))
    result = portfolio.kpis(con, source, portfolio.Filters(), as_of)
    monthly = portfolio.monthly(con, source)
    mix = portfolio.classification_mix(con, source)
    curves = portfolio.vintages(con, source)
    settings = provisions.load_settings(con)
    reserve = provisions.provisions(con, source, settings, as_of=result.as_of)
    trend = provisions.provisions_trend(con, source, settings)
    return PortfolioFigures(
        table,
        result.as_of,
        result.frame(),
        monthly,
        mix,
        curves,
        reserve,
        trend,
        settings,
        source.classification_derived,
    )


def _category_names(lang: str) -> dict[str, str]:
    return {c.key: core.t(c.label_key, lang) for c in datasets.FIVE_CATEGORIES}


def _kpi_table(figures: PortfolioFigures, lang: str) -> pd.DataFrame:
    """One row per KPI: its name, value and changes written in its kind (PAR30 4.42%, loans 11,795)."""
    rows = []
    for row in figures.kpis.itertuples(index=False):
        kind = core.column(row.kpi).kind
        label = core.t(portfolio.KPI_LABELS[row.kpi], lang) if row.kpi in portfolio.KPI_LABELS else row.kpi
        rows.append(
            {
                "kpi": label,
                "value": core.format_value(row.value, kind, lang),
                "change_month": _change(row.change_month, kind, lang),
                "change_year": _change(row.change_year, kind, lang),
            }
        )
    return pd.DataFrame(rows, columns=["kpi", "value", "change_month", "change_year"])


def _change(value: object, kind: str, lang: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    if kind == "share":
        points = core.format_value(float(value) * 100, "number", lang, signed=True)
        return core.t("format.pp", lang, value=points)
    return core.format_value(value, kind, lang, signed=True)


def portfolio_sheets(figures: PortfolioFigures, lang: str) -> tuple[dict[str, pd.DataFrame], dict[str, dict]]:
    """The Excel sheets (``portfolio.excel_workbook``'s input) and the kinds of columns the registry does not
    know: KPIs, monthly figures, the five-category mix, vintages and the provisions."""
    names = _category_names(lang)
    by_class = portfolio.classification_table(figures.mix).rename(columns=names)
    vintage = portfolio.vintage_table(figures.vintages, "default_rate")
    sheets = {
        "kpis": figures.kpis,
        "monthly": figures.monthly,
        "classification_mix": by_class,
        "vintage_default_rate": vintage,
    }
    kinds = {
        "classification_mix": dict.fromkeys(names.values(), "amount"),
        "vintage_default_rate": dict.fromkeys(vintage.columns.drop("cohort"), "share"),
    }
    if figures.provisions is not None:
        result = figures.provisions
        sheets["provisions"] = pd.DataFrame(
            [{"month": result.month, **{k: result.get(k) for k in provisions.FIGURE_KEYS}}]
        )
        by_category = result.by_category.assign(category=result.by_category["category"].map(names))
        sheets["provisions_by_category"] = by_category
        sheets["provisions_trend"] = figures.provisions_trend
    return sheets, kinds


def portfolio_workbook(figures: PortfolioFigures, lang: str = "en") -> bytes:
    """The Excel workbook: every sheet with labelled headers, number formats, widths and a frozen header row."""
    sheets, kinds = portfolio_sheets(figures, lang)
    return portfolio.excel_workbook(sheets, lang, kinds)


def portfolio_document(figures: PortfolioFigures, lang: str = "en") -> Document:
    """The board report: key figures, trends, the five-category mix, vintages and provisions, charts inline."""

    def t(key: str, /, **params: object) -> str:
        return core.t(key, lang, **params)

    def chart(builder, *args: object, **options: object) -> alt.TopLevelMixin:
        return builder(*args, t, lang=lang, **options)

    text_kinds = dict.fromkeys(("kpi", "value", "change_month", "change_year"), "text")
    sections = [
        Section(
            t("portfolio.kpi_table"),
            (
                *([Text(t("portfolio.derived"))] if figures.derived else []),
                Table(_kpi_table(figures, lang), t("report.sheet.kpis"), kinds=text_kinds),
            ),
        ),
        Section(
            t("portfolio.tab_trends"),
            (
                Chart(chart(charts.ratio_trend, figures.monthly)),
                Chart(chart(charts.amount_bars, figures.monthly, "outstanding"), t("portfolio.kpi.outstanding")),
            ),
        ),
        Section(t("portfolio.tab_classes"), (Chart(chart(charts.class_mix, figures.mix)),)),
        Section(
            t("portfolio.tab_vintages"),
            (Chart(chart(charts.vintage_curves, figures.vintages, "default_rate")), Text(t("portfolio.vintage_note"))),
        ),
    ]
    if figures.provisions is not None:
        result = figures.provisions
        names = _category_names(lang)
        rows = tuple(
            (core.column_label(k, lang), core.format_value(result.get(k), core.column(k).kind, lang))
            for k in provisions.FIGURE_KEYS
        )
        by_category = result.by_category.assign(category=result.by_category["category"].map(names))
        settings_note = t("report.provisions_basis", month=core.format_value(result.month, "month", lang))
        sections.append(
            Section(
                t("portfolio.tab_provisions"),
                (
                    Text(settings_note),
                    Facts(rows),
                    Table(by_category, t("report.sheet.provisions"), kinds={"category": "text"}),
                    Chart(_coverage_chart(figures, chart), core.column_label("coverage_ratio", lang)),
                    Chart(
                        chart(
                            charts.provision_trend,
                            figures.provisions_trend,
                            ("provision_to_loan_ratio",),
                            minimum=figures.settings.minimum("provision_to_loan_ratio"),
                        ),
                        core.column_label("provision_to_loan_ratio", lang),
                    ),
                ),
            )
        )
    title = t("portfolio.report_title", table=figures.table)
    subtitle = t("portfolio.caption", table=figures.table, as_of=core.format_value(figures.as_of, "date", lang))
    return Document(title, subtitle, tuple(sections), lang)


def _coverage_chart(figures: PortfolioFigures, chart) -> alt.TopLevelMixin:
    """The coverage ratio by month with its minimum, the axis cut at three times the minimum as on the page (the
    first months, with little NPL, run into thousands of percent)."""
    minimum = figures.settings.minimum("coverage_ratio")
    top = max(3 * minimum, 1.0)
    top = top if figures.provisions_trend["coverage_ratio"].max() > top else None
    return chart(charts.provision_trend, figures.provisions_trend, ("coverage_ratio",), minimum=minimum, y_max=top)


def page_report(
    title: str,
    subtitle: str,
    tables: Mapping[str, pd.DataFrame],
    drawn: Sequence[tuple[str, alt.TopLevelMixin]],
    lang: str = "en",
) -> str:
    """The Portfolio page's HTML report of what the user looks at: its tables (figures already written, headers
    labelled) and its charts (``(heading, chart)``), offline."""
    sections = [Section(heading, (Chart(chart),)) for heading, chart in drawn]
    for heading, frame in tables.items():
        kinds = dict.fromkeys(frame.columns, "text")
        sections.append(Section(heading, (Table(frame, heading, kinds=kinds),)))
    return to_html(Document(title, subtitle, tuple(sections), lang))
