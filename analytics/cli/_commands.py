"""Command line: the same engine as the app, without a browser.

``python -m analytics [--db PATH] COMMAND``; results go to stdout as JSON (or CSV for
``sql``); a user error prints one ``error: ...`` line on stderr and exits with status 1.

Each command is one function below, registered on its sub-parser with ``set_defaults(func=...)``. ``main``
parses, opens the database once for the commands that use it (all but ``bench``) and calls ``args.func``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

import duckdb

from analytics import bench, datasets, model, sample, store
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
    )
    _print_json(result.to_json())


def tables(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """List the loan tables with their row and column counts."""
    catalog = store.catalog(con)
    listed = [{"table": r.table, "rows": int(r.rows), "columns": int(r.columns)} for r in catalog.itertuples()]
    _print_json(listed)


def sql(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Run a read-only SELECT and print the result as CSV (a warning on stderr when rows were cut)."""
    result = store.run_query(con, args.query, max_rows=args.max_rows, timeout_s=args.timeout)
    result.frame.to_csv(sys.stdout, index=False)
    if result.truncated:
        print(f"warning: {RiskLabError('console.truncated', rows=args.max_rows)}", file=sys.stderr)


def portfolio(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Print the as-of month's portfolio KPIs (PAR30, PAR90, NPL ...) of a performance table."""
    _print_json(adapters.portfolio_report(con, args.table, args.as_of, args.role))


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
    )
    fitted = model.fit_model(con, datasets.table_context(con, spec.table), spec)
    result = adapters.fit_report(fitted)
    if args.save:
        result["saved"] = {"name": args.save.strip(), "version": model.save_model(con, args.save, fitted)}
    _print_json(result)


def score(con: duckdb.DuckDBPyConnection, args: argparse.Namespace) -> None:
    """Add pd, score and grade to every row of a loan file; warn on stderr about rows that could not be scored."""
    report = model.score_file(con, args.model, args.input, args.output, args.version)
    if report["bad_rows"]:
        shown = "; ".join(f"row {p['row']}: {p['problem']}" for p in report["problems"][:3])
        print(f"warning: {report['bad_rows']} rows could not be scored ({shown})", file=sys.stderr)
    _print_json(report)


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
    )
    _print_json(report)


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
    imp.set_defaults(func=import_file)

    commands.add_parser("tables", help="list the loan tables").set_defaults(func=tables)

    query = commands.add_parser("sql", help="run a read-only SELECT and print CSV")
    query.add_argument("query")
    query.add_argument("--max-rows", type=int, default=10_000)
    query.add_argument("--timeout", type=float, default=60.0)
    query.set_defaults(func=sql)

    port = commands.add_parser("portfolio", help="portfolio KPIs (PAR30, PAR90, NPL ...) of a performance table")
    port.add_argument("--table", required=True)
    port.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the latest snapshot)")
    port.add_argument("--role", action="append", default=[], metavar="ROLE=COLUMN")
    port.set_defaults(func=portfolio)

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
    fitting.set_defaults(func=fit)

    scoring = commands.add_parser("score", help="add pd, score and grade to every row of a loan file")
    scoring.add_argument("--model", required=True)
    scoring.add_argument("--version", type=int)
    scoring.add_argument("--input", required=True)
    scoring.add_argument("--output", required=True, help=".csv, .xlsx or .parquet")
    scoring.set_defaults(func=score)

    cmp = commands.add_parser("compare", help="expert versus model: confusion matrices, kappa and metrics as JSON")
    cmp.add_argument("--table", required=True)
    cmp.add_argument("--model", required=True, help="a saved model (its latest version)")
    cmp.add_argument("--expert-column", dest="expert_column", help="the recorded expert decision column")
    cmp.add_argument("--approve", nargs="+", default=[], metavar="VALUE", help="expert-column values meaning approval")
    cmp.add_argument("--rules", help="a saved expert rule set")
    cmp.add_argument("--cutoff", type=float, metavar="PD", help="the model rejects when PD >= cutoff")
    cmp.add_argument("--approval-rate", dest="approval_rate", type=float, metavar="R", help="the model's approval rate")
    cmp.add_argument("--outcome", choices=["actual", "simulated"], default="actual")
    cmp.set_defaults(func=compare)

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
