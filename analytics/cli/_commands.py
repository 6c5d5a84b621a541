"""Command line: the same engine as the app, without a browser.

``python -m analytics [--db PATH] COMMAND``; results go to stdout as JSON (or CSV for
``sql``); a user error prints one ``error: ...`` line on stderr and exits with status 1.

Each command is one function below, registered on its sub-parser with ``set_defaults(func=...)``. ``main``
parses, opens the database once for the commands that use it (all but ``bench``) and calls ``args.func``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import duckdb

from analytics import bench, core, datasets, model, monitoring, reports, sample, store
from analytics.cli import _adapters as adapters
from analytics.core import RiskLabError

# --- the commands -------------------------------------------------------------------------------------------------


def demo(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """(Re)build the sample portfolio and the shipped datasets; print a JSON summary."""
    _print_json(sample.build_demo(con))


def import_file(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Import a loan file as a table; print the table, its columns, the detected format and the warnings."""
    delimiter = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
    result = datasets.import_path(
        con,
        args.file,
        table=args.table,
        encoding=args.encoding,
        delimiter=delimiter,
        sheet=args.sheet,
        replace=args.replace,
        append=args.append,
    )
    _print_json(result.to_json())


def tables(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """List the loan tables with their row and column counts."""
    catalog = store.catalog(con)
    listed = [{"table": r.table, "rows": int(r.rows), "columns": int(r.columns)} for r in catalog.itertuples()]
    _print_json(listed)


def sql(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Run a read-only SELECT and print the result as CSV; when rows were cut, a final ``# warning: ...`` line
    on stdout (where a script reads) and the same warning on stderr."""
    result = store.run_query(con, args.query, max_rows=args.max_rows, timeout_s=args.timeout)
    result.frame.to_csv(sys.stdout, index=False)
    if result.truncated:
        warning = f"warning: {RiskLabError('console.truncated', rows=args.max_rows)}"
        print(f"# {warning}")
        print(warning, file=sys.stderr)


def roles(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Print every column's role; ``--set ROLE=COLUMN`` changes roles first (saved all or none)."""
    _print_json(adapters.roles_report(con, args.table, args.set))


def define(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Save what default means for a table and print it with the defaults it gives."""
    defn = adapters.definition_from_options(args.flag, args.values, args.dpd, args.days, args.classification)
    _print_json(adapters.define_report(con, args.table, defn))


def factors(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Print the factor ranking (IV, KS, Gini, strength, bins of every candidate factor) and the columns skipped."""
    _print_json(adapters.factors_report(con, args.table))


def portfolio(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Print the as-of month's portfolio KPIs (PAR30, PAR90, NPL ...) of a performance table; ``--report FILE``
    also writes the portfolio report (``.html`` offline, or an ``.xlsx`` workbook)."""
    if args.report is None:
        _print_json(adapters.portfolio_report(con, args.table, args.as_of, args.role))
        return
    fmt = _report_format(args.report, ("html", "xlsx"))
    lang = _language(args.lang)
    began = time.perf_counter()
    figures = reports.portfolio_figures(con, args.table, args.as_of, adapters.role_overrides(args.role))
    if fmt == "xlsx":
        written = reports.portfolio_workbook(figures, lang)
    else:
        written = reports.render(reports.portfolio_document(figures, lang), "html")
    Path(args.report).write_bytes(written)
    out = adapters.portfolio_report(con, args.table, args.as_of, args.role)
    out["report"] = {"output": args.report, "format": fmt, "bytes": len(written), "seconds": _since(began)}
    _print_json(out)


def report(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Write the development report of a saved model version (format from the output's suffix: ``.html``,
    ``.xlsx`` or ``.docx``) in English or Chinese; print what was written."""
    fmt = _report_format(args.output, reports.FORMATS)
    lang = _language(args.lang)
    version = adapters.whole_number(args.version, "version") if args.version is not None else None
    cutoff = adapters.number(args.cutoff, "cutoff")
    began = time.perf_counter()
    document = reports.model_report(con, args.model, version, lang, cutoff=cutoff)
    written = reports.render(document, fmt)
    Path(args.output).write_bytes(written)
    saved = model.load_model(con, args.model, version)
    out = {"model": saved.name, "version": saved.version, "language": lang, "format": fmt, "output": args.output}
    _print_json(out | {"bytes": len(written), "seconds": _since(began)})


def _report_format(path: str, formats: Sequence[str]) -> str:
    """The format a report file's suffix names, or a user error listing the suffixes."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in formats:
        raise RiskLabError("report.bad_suffix", formats=", ".join(f".{f}" for f in formats), path=path)
    return suffix


def _language(lang: str) -> str:
    if lang not in core.LANGUAGES:
        raise RiskLabError("report.bad_language", lang=lang, languages=", ".join(core.LANGUAGES))
    return lang


def _since(began: float) -> float:
    return round(time.perf_counter() - began, 2)


def provisions(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Print the five-category provisions, coverage and provision-to-loan ratios of a performance table."""
    _print_json(adapters.provisions_report(con, args.table, args.as_of, args.role, args.rate, args.general))


def ecl(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Print the expected credit loss by stage and segment (PD from the default curves or a saved model)."""
    _print_json(adapters.ecl_report(con, args.table, args.model, args.as_of))


def pricing(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Print the break-even rate per grade of a saved model (CGAP's formula) against the rates charged."""
    costs = {"admin": args.admin, "funds": args.funds, "capital": args.capital, "investment": args.investment}
    _print_json(adapters.pricing_report(con, args.table, args.model, costs, args.cutoff, args.by))


def fit(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Fit a logit model of a 0/1 target, optionally save it, and print it as JSON."""
    spec = adapters.fit_spec(
        con,
        args.table,
        args.target,
        args.factors,
        positive=args.positive,
        categorical=args.categorical,
        references=args.reference,
        holdout=args.holdout,
        seed=args.seed,
        segment=args.segment,
    )
    ctx = datasets.table_context(con, spec.table)
    inferred = None
    if args.reject_inference:  # the refit on booked loans and inferred rejects replaces the booked-only fit
        factor, cutoff = adapters.number(args.ri_factor, "ri-factor"), adapters.number(args.ri_cutoff, "ri-cutoff")
        inferred = model.infer_rejects(con, ctx, spec, args.reject_inference, factor=factor, cutoff=cutoff)
    fitted = inferred.model if inferred else model.fit_model(con, ctx, spec)
    result = adapters.fit_report(fitted)
    if inferred:
        result["reject_inference"] = inferred.summary()
    if args.save:
        result["saved"] = {"name": args.save.strip(), "version": model.save_model(con, args.save, fitted)}
    _print_json(result)


def score(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Add pd, score, grade and reason codes to every row of a loan file; warn on stderr about rows that could not
    be scored."""
    report = model.score_file(con, args.model, args.input, args.output, args.version)
    if report["bad_rows"]:
        shown = "; ".join(f"row {p['row']}: {p['problem']}" for p in report["problems"][:3])
        print(f"warning: {report['bad_rows']} rows could not be scored ({shown})", file=sys.stderr)
    _print_json(report)


def export(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Write a saved model version as JSON, SQL or its scorecard (.csv or .xlsx); print what was written."""
    _print_json(model.export_model(con, args.model, args.format, args.output, args.version, args.lang))


def compare(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Print expert versus model: the confusion matrices, kappa and both sides' metrics."""
    report = adapters.compare_report(
        con,
        table=args.table,
        model_name=args.model,
        expert_column=args.expert_column,
        approve=args.approve,
        rules=args.rules,
        cutoff=args.cutoff,
        approval_rate=args.approval_rate,
        outcome_kind=args.outcome,
        expert_score=args.expert_score,
        min_score=args.min_score,
        review_band=args.review_band,
    )
    _print_json(report)


def monitor(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Monitor a saved model on a table by month or quarter: PSI, AUC, mean PD, realised default rate, traffic
    lights and alerts as one JSON object."""
    settings = monitoring.Settings(
        period=args.period,
        as_of=monitoring.parse_date(args.as_of) if args.as_of else None,
        window_months=adapters.whole_number(args.window, "window"),
        cutoff=adapters.number(args.cutoff, "cutoff"),
    )
    version = adapters.whole_number(args.version, "version") if args.version is not None else None
    context = datasets.table_context(con, args.table)
    _print_json(monitoring.monitor(con, context, args.model, version, settings).to_json())


def users(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Manage the accounts of a shared app: ``add NAME --role ROLE [--sso]`` and ``passwd NAME`` read the password
    from standard input; ``list``; ``disable NAME``; ``open TABLE`` / ``close TABLE`` set which tables trainees
    may use for the quiz. Prints the accounts (or the opened tables) as JSON."""
    if args.action != "list" and not args.name:
        raise RiskLabError("access.name_needed", action=args.action)
    if args.action == "add":
        password = None if args.sso else _password_from_stdin()
        store.add_user(con, args.name, args.role, password, sso=args.sso)
    elif args.action == "passwd":
        store.set_password(con, args.name, _password_from_stdin())
    elif args.action == "disable":
        store.disable_user(con, args.name)
    elif args.action == "open":
        store.open_table(con, args.name)
    elif args.action == "close":
        store.close_table(con, args.name)
    if args.action in ("open", "close"):
        _print_json({"quiz_tables": store.opened_tables(con)})
        return
    _print_json(store.list_users(con).to_dict(orient="records"))


def _password_from_stdin() -> str:
    """The password: typed twice at a terminal (not echoed), else the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise RiskLabError("access.passwords_differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run_bench(args: argparse.Namespace) -> None:
    """Time the product against pandas/statsmodels; it keeps its own databases under the bench folder (not --db)."""
    bench.main_args(args)


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str))


# --- the parser ---------------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="Microcredit Risk Lab command line")
    parser.add_argument("--db", help="database file (default: $RISKLAB_DB or data/risklab.duckdb)")
    parser.set_defaults(opens_database=True)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("demo", help="(re)build the sample portfolio and the shipped datasets").set_defaults(func=demo)

    imp = commands.add_parser("import", help="import a loan file as a table")
    imp.add_argument("file")
    imp.add_argument("--table")
    imp.add_argument("--encoding")
    imp.add_argument("--delimiter")
    imp.add_argument("--sheet")
    imp.add_argument("--replace", action="store_true")
    imp.add_argument("--append", action="store_true", help="add the rows to the existing table (a new month)")
    imp.set_defaults(func=import_file)

    commands.add_parser("tables", help="list the loan tables").set_defaults(func=tables)

    query = commands.add_parser("sql", help="run a read-only SELECT and print CSV")
    query.add_argument("query")
    query.add_argument("--max-rows", type=int, default=10_000)
    query.add_argument("--timeout", type=float, default=60.0)
    query.set_defaults(func=sql)

    role = commands.add_parser("roles", help="print (and change) the column roles of a table")
    role.add_argument("--table", required=True)
    role.add_argument("--set", action="append", default=[], metavar="ROLE=COLUMN", help="give COLUMN the role ROLE")
    role.set_defaults(func=roles)

    defining = commands.add_parser("define", help="save what default means for a table")
    defining.add_argument("--table", required=True)
    defining.add_argument("--flag", metavar="COL", help="a default flag column")
    defining.add_argument("--values", nargs="+", metavar="V", help="flag values meaning default (default: 1)")
    defining.add_argument("--dpd", metavar="COL", help="a days-past-due column")
    defining.add_argument("--days", type=int, metavar="N", help="default when days past due >= N")
    defining.add_argument("--classification", metavar="COL", help="a five-category column (default: NPL)")
    defining.set_defaults(func=define)

    ranking = commands.add_parser("factors", help="rank the candidate factors of a table (IV, KS, Gini) as JSON")
    ranking.add_argument("--table", required=True)
    ranking.set_defaults(func=factors)

    port = commands.add_parser("portfolio", help="portfolio KPIs (PAR30, PAR90, NPL ...) of a performance table")
    port.add_argument("--table", required=True)
    port.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the latest snapshot)")
    port.add_argument("--role", action="append", default=[], metavar="ROLE=COLUMN")
    port.add_argument("--report", metavar="FILE", help="also write the portfolio report (.html or .xlsx)")
    port.add_argument("--lang", default="en", help="the report's language: en or zh")
    port.set_defaults(func=portfolio)

    document = commands.add_parser("report", help="the development report of a saved model (.html, .xlsx, .docx)")
    document.add_argument("--model", required=True)
    document.add_argument("--version", help="a saved version (default: the latest)")
    document.add_argument("--lang", default="en", help="en or zh")
    document.add_argument("--cutoff", default=str(reports.DEFAULT_CUTOFF), metavar="PD", help="approve below this PD")
    document.add_argument("--output", required=True, help="FILE.html, FILE.xlsx or FILE.docx")
    document.set_defaults(func=report)

    prov = commands.add_parser("provisions", help="five-category provisions and ratios of a performance table")
    prov.add_argument("--table", required=True)
    prov.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the latest snapshot)")
    prov.add_argument("--role", action="append", default=[], metavar="ROLE=COLUMN")
    prov.add_argument("--rate", action="append", default=[], metavar="CATEGORY=R", help="e.g. doubtful=0.5")
    prov.add_argument("--general", type=float, metavar="R", help="general reserve rate (default 0.01)")
    prov.set_defaults(func=provisions)

    loss = commands.add_parser("ecl", help="expected credit loss (IFRS 9 / CAS 22) by stage and segment")
    loss.add_argument("--table", required=True)
    loss.add_argument("--model", help="a saved model for the PD (default: the table's own default curves)")
    loss.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the latest snapshot)")
    loss.set_defaults(func=ecl)

    price = commands.add_parser("pricing", help="break-even rate per grade (CGAP's formula) against rates charged")
    price.add_argument("--model", required=True)
    price.add_argument("--table", required=True)
    price.add_argument("--admin", type=float, metavar="R", help="administrative expense rate (AE)")
    price.add_argument("--funds", type=float, metavar="R", help="cost of funds (CF)")
    price.add_argument("--capital", type=float, metavar="R", help="desired capital growth (K)")
    price.add_argument("--investment", type=float, metavar="R", help="investment income (II)")
    price.add_argument("--cutoff", type=float, default=0.15, metavar="PD", help="the model approves PD below it")
    price.add_argument("--by", choices=["grade", "score"], default="grade")
    price.set_defaults(func=pricing)

    fitting = commands.add_parser("fit", help="fit a logit model of a 0/1 target and print it as JSON")
    fitting.add_argument("--table", required=True)
    fitting.add_argument("--target", required=True)
    fitting.add_argument("--positive", nargs="+", default=[], metavar="VALUE", help="target values meaning default")
    fitting.add_argument("--factors", required=True, help="A,B,... (numeric unless listed in --categorical)")
    fitting.add_argument("--categorical", default="", help="A,...")
    fitting.add_argument("--reference", action="append", default=[], metavar="A=LEVEL")
    fitting.add_argument("--holdout", type=float, metavar="FRACTION", help="random test share")
    fitting.add_argument("--seed", type=int, default=1)
    fitting.add_argument("--save", metavar="NAME", help="save the model as the next version of NAME")
    fitting.add_argument("--reject-inference", choices=model.REJECT_METHODS, help="refit with the rejects inferred")
    fitting.add_argument("--ri-factor", default="1", metavar="K", help="reject inference: event-rate factor K")
    fitting.add_argument("--ri-cutoff", default="0.15", metavar="PD", help="hard cutoff: rejects at or above are bad")
    fitting.add_argument("--segment", metavar="COLUMN=VALUE[,VALUE]", help="fit on that segment's loans only")
    fitting.set_defaults(func=fit)

    scoring = commands.add_parser("score", help="add pd, score, grade and reason codes to every row of a loan file")
    scoring.add_argument("--model", required=True)
    scoring.add_argument("--version", type=int)
    scoring.add_argument("--input", required=True)
    scoring.add_argument("--output", required=True, help=".csv, .xlsx or .parquet")
    scoring.set_defaults(func=score)

    exporting = commands.add_parser("export", help="write a saved model as JSON, SQL or its scorecard")
    exporting.add_argument("--model", required=True)
    exporting.add_argument("--version", type=int, help="a saved version (default: the latest)")
    exporting.add_argument("--format", required=True, help="json, sql or scorecard")
    exporting.add_argument("--output", required=True, help="the file (a scorecard: .csv or .xlsx)")
    exporting.add_argument("--lang", default="en", help="en or zh: the language of the identity and headers")
    exporting.set_defaults(func=export)

    cmp = commands.add_parser("compare", help="expert versus model: confusion matrices, kappa and metrics as JSON")
    cmp.add_argument("--table", required=True)
    cmp.add_argument("--model", required=True, help="a saved model (its latest version)")
    cmp.add_argument("--expert-column", dest="expert_column", help="the recorded expert decision column")
    cmp.add_argument("--approve", nargs="+", default=[], metavar="VALUE", help="expert-column values meaning approval")
    cmp.add_argument("--rules", help="a saved expert rule set")
    cmp.add_argument("--expert-score", dest="expert_score", metavar="COL", help="an expert score column")
    cmp.add_argument("--min-score", dest="min_score", type=float, metavar="X", help="the expert approves score >= X")
    cmp.add_argument("--cutoff", type=float, metavar="PD", help="the model rejects when PD >= cutoff")
    cmp.add_argument("--approval-rate", dest="approval_rate", type=float, metavar="R", help="the model's approval rate")
    cmp.add_argument("--outcome", choices=["actual", "simulated"], default="actual")
    cmp.add_argument("--review-band", dest="review_band", metavar="A,B", help="approve below PD A, reject from B")
    cmp.set_defaults(func=compare)

    watch = commands.add_parser("monitor", help="a saved model by month or quarter: PSI, AUC, back-tests, alerts")
    watch.add_argument("--table", required=True)
    watch.add_argument("--model", required=True)
    watch.add_argument("--version", help="a saved version (default: the latest)")
    watch.add_argument("--period", default="month", help="month or quarter")
    watch.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the end of the latest origination month)")
    watch.add_argument("--window", default="12", help="outcome window in months after a period ends")
    watch.add_argument("--cutoff", default="0.15", metavar="PD", help="approval below this PD")
    watch.set_defaults(func=monitor)

    accounts = commands.add_parser("users", help="accounts and roles of a shared app (password on standard input)")
    accounts.add_argument("action", choices=["add", "list", "disable", "passwd", "open", "close"])
    accounts.add_argument("name", nargs="?", help="the account (an e-mail for --sso), or the table to open or close")
    accounts.add_argument("--role", help="admin, risk_manager, executive, trainer or trainee (with add)")
    accounts.add_argument("--sso", action="store_true", help="signs in through the OpenID Connect provider")
    accounts.set_defaults(func=users)

    timing = commands.add_parser("bench", help="time the product against pandas/statsmodels on big data")
    bench.add_arguments(timing)
    timing.set_defaults(func=run_bench, opens_database=False)
    return parser


# --- the entry point ----------------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> None:
    """Call the command: with a database opened for it (and closed after), or alone when it needs none."""
    if not args.opens_database:
        args.func(args)
        return
    con = store.connect(args.db)
    try:
        args.func(con, args)
    finally:
        con.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        _run(args)
        sys.stdout.flush()  # a reader that stopped early shows here, not at interpreter exit
    except BrokenPipeError:  # the reader stopped (``| head``): not a failure of the command
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except RiskLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: no such file: {exc.filename}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; the database is unchanged by the unfinished command", file=sys.stderr)
        return 1
    except Exception as exc:  # a full disk, a read-only database, a conflict ...: one sentence by cause
        print(f"error: {store.user_error(exc)}", file=sys.stderr)
        return 1
    return 0
