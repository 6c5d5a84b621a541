"""Command line: the same engine as the app, without a browser.

``python -m analytics [--db PATH] COMMAND``; results go to stdout as JSON (or CSV for
``sql``); a user error prints one ``error: ...`` line on stderr and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from analytics import console, store
from analytics.errors import RiskLabError


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
    return parser


def _run(args: argparse.Namespace) -> None:
    con = store.connect(args.db)
    try:
        if args.command == "demo":
            from analytics.demo import build_demo

            _print_json(build_demo(con))
        elif args.command == "import":
            from analytics.importer import import_path

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
            result = console.run_query(con, args.query, max_rows=args.max_rows, timeout_s=args.timeout)
            result.frame.to_csv(sys.stdout, index=False)
            if result.truncated:
                print(f"warning: {RiskLabError('console.truncated', rows=args.max_rows)}", file=sys.stderr)
        elif args.command == "portfolio":
            from analytics import portfolio

            _print_json(portfolio.cli_summary(con, args.table, args.as_of, args.role))
    finally:
        con.close()


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
