"""Command line: the same engine as the app, without a browser.

``python -m analytics [--db PATH] COMMAND``; results go to stdout as JSON (or CSV for
``sql``); a user error prints one ``error: ...`` line on stderr and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from analytics import store
from analytics.core import RiskLabError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics", description="Microcredit Risk Lab command line")
    parser.add_argument("--db", help="database file (default: $RISKLAB_DB or data/risklab.duckdb)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="(re)build the sample portfolio and the shipped datasets")
    imp = commands.add_parser("import", help="import a loan file as a table")
    imp.add_argument("file")
    imp.add_argument("--table")
    imp.add_argument("--encoding")
    imp.add_argument("--delimiter")
    imp.add_argument("--sheet")
    imp.add_argument("--replace", action="store_true")
    commands.add_parser("tables", help="list the loan tables")
    sql = commands.add_parser("sql", help="run a read-only SELECT and print CSV")
    sql.add_argument("query")
    sql.add_argument("--max-rows", type=int, default=10_000)
    sql.add_argument("--timeout", type=float, default=60.0)
    port = commands.add_parser("portfolio", help="portfolio KPIs (PAR30, PAR90, NPL ...) of a performance table")
    port.add_argument("--table", required=True)
    port.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the latest snapshot)")
    port.add_argument("--role", action="append", default=[], metavar="ROLE=COLUMN")
    fit = commands.add_parser("fit", help="fit a logit model of a 0/1 target and print it as JSON")
    fit.add_argument("--table", required=True)
    fit.add_argument("--target", required=True)
    fit.add_argument("--positive", nargs="+", default=[], metavar="VALUE", help="target values meaning default")
    fit.add_argument("--factors", required=True, help="A,B,... (numeric unless listed in --categorical)")
    fit.add_argument("--categorical", default="", help="A,...")
    fit.add_argument("--reference", action="append", default=[], metavar="A=LEVEL")
    fit.add_argument("--holdout", type=float, metavar="FRACTION", help="random test share")
    fit.add_argument("--seed", type=int, default=1)
    fit.add_argument("--save", metavar="NAME", help="save the model as the next version of NAME")
    score = commands.add_parser("score", help="add pd, score and grade to every row of a loan file")
    score.add_argument("--model", required=True)
    score.add_argument("--version", type=int)
    score.add_argument("--input", required=True)
    score.add_argument("--output", required=True, help=".csv, .xlsx or .parquet")
    cmp = commands.add_parser("compare", help="expert versus model: confusion matrices, kappa and metrics as JSON")
    cmp.add_argument("--table", required=True)
    cmp.add_argument("--model", required=True, help="a saved model (its latest version)")
    cmp.add_argument("--expert-column", dest="expert_column", help="the recorded expert decision column")
    cmp.add_argument("--approve", nargs="+", default=[], metavar="VALUE", help="expert-column values meaning approval")
    cmp.add_argument("--rules", help="a saved expert rule set")
    cmp.add_argument("--cutoff", type=float, metavar="PD", help="the model rejects when PD >= cutoff")
    cmp.add_argument("--approval-rate", dest="approval_rate", type=float, metavar="R", help="the model's approval rate")
    cmp.add_argument("--outcome", choices=["actual", "simulated"], default="actual")
    from analytics import bench  # the benchmark: its own databases under the bench folder (not --db)

    bench.add_arguments(commands.add_parser("bench", help="time the product against pandas/statsmodels on big data"))
    return parser


def _run(args: argparse.Namespace) -> None:
    if args.command == "bench":
        from analytics import bench

        bench.main_args(args)
        return
    con = store.connect(args.db)
    try:
        if args.command == "demo":
            from analytics.sample import build_demo

            _print_json(build_demo(con))
        elif args.command == "import":
            from analytics.datasets import import_path

            delimiter = "\t" if args.delimiter in ("\\t", "tab") else args.delimiter
            result = import_path(
                con,
                args.file,
                table=args.table,
                encoding=args.encoding,
                delimiter=delimiter,
                sheet=args.sheet,
                replace=args.replace,
            )
            _print_json(result.to_json())
        elif args.command == "tables":
            cat = store.catalog(con)
            _print_json([{"table": r.table, "rows": int(r.rows), "columns": int(r.columns)} for r in cat.itertuples()])
        elif args.command == "sql":
            result = store.run_query(con, args.query, max_rows=args.max_rows, timeout_s=args.timeout)
            result.frame.to_csv(sys.stdout, index=False)
            if result.truncated:
                print(f"warning: {RiskLabError('console.truncated', rows=args.max_rows)}", file=sys.stderr)
        elif args.command == "portfolio":
            from analytics import portfolio

            _print_json(portfolio.cli_summary(con, args.table, args.as_of, args.role))
        elif args.command == "fit":
            _fit(con, args)
        elif args.command == "score":
            from analytics import model

            report = model.score_file(con, args.model, args.input, args.output, args.version)
            if report["bad_rows"]:
                shown = "; ".join(f"row {p['row']}: {p['problem']}" for p in report["problems"][:3])
                print(f"warning: {report['bad_rows']} rows could not be scored ({shown})", file=sys.stderr)
            _print_json(report)
        elif args.command == "compare":
            from analytics import decisions

            _print_json(
                decisions.cli_compare(
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
            )
    finally:
        con.close()


def _fit(con, args: argparse.Namespace) -> None:
    from analytics import model

    spec = model.cli_spec(
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
    fitted = model.fit_model(con, spec)
    result = model.cli_result(fitted)
    if args.save:
        result["saved"] = {"name": args.save.strip(), "version": model.save_model(con, args.save, fitted)}
    _print_json(result)


def _print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, default=str))


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
    except Exception as exc:
        print(
            f"error: unexpected failure ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})",
            file=sys.stderr,
        )
        return 1
    return 0
