"""The ``costcurve`` command: serve, db upgrade/downgrade/current, seed, create-api-key, calibrate."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.settings import Settings


def _session(settings: Settings):  # type: ignore[no-untyped-def]
    from service.db import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(settings.sqlalchemy_url))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level=args.log_level,
        access_log=not args.no_access_log,
    )
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from service import migrate
    from service.db import make_engine

    url = settings.sqlalchemy_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "head")
    elif args.action == "downgrade":
        migrate.downgrade(url, args.revision or "base")
    engine = make_engine(url)
    print(f"database revision: {migrate.current_revision(engine)} (head: {migrate.head_revision()})")
    engine.dispose()
    return 0


def cmd_seed(_args: argparse.Namespace, settings: Settings) -> int:
    from service.catalog.seeder import seed
    from service.migrate import upgrade

    upgrade(settings.sqlalchemy_url)
    with _session(settings).begin() as session:
        counts = seed(session)
    print(json.dumps(counts, indent=2, sort_keys=True))
    return 0


def cmd_create_api_key(args: argparse.Namespace, settings: Settings) -> int:
    from service.auth import create_api_key
    from service.migrate import upgrade

    upgrade(settings.sqlalchemy_url)
    with _session(settings).begin() as session:
        key = create_api_key(session, args.name)
    print(key)
    print("Store it now: only its sha256 digest is kept. Send it as the X-API-Key header.", file=sys.stderr)
    return 0


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from service.catalog.convert import seed_specs
    from service.catalog.seed_data import SEED_DIR, calibration_case_rows
    from service.engine.calibration import MeasuredCase, calibrate, load_holdout_cases, rows_json

    cases = [MeasuredCase.from_row(r) for r in calibration_case_rows(Path(args.cases) if args.cases else None)]
    if args.from_seed:
        models, platforms = seed_specs()
    else:
        from service.catalog.seeder import seed
        from service.catalog.snapshot import load_snapshot
        from service.migrate import upgrade

        upgrade(settings.sqlalchemy_url)
        with _session(settings).begin() as session:
            seed(session)
            snapshot = load_snapshot(session)
        models, platforms = snapshot.models, snapshot.platforms
    result = calibrate(cases, models, platforms, holdout_cases=load_holdout_cases(args.holdout))
    print(result.report())
    if args.write_seed:
        path = SEED_DIR / "efficiency_params.json"
        path.write_text(rows_json(result.rows))
        print(f"wrote {len(result.rows)} efficiency rows to {path}")
    if not args.from_seed:
        from service.catalog.repository import replace_efficiency_rows

        with _session(settings).begin() as session:
            replace_efficiency_rows(session, result.rows)
        print(f"stored {len(result.rows)} efficiency rows in the catalog (catalog version bumped)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="costcurve", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API (creates, migrates and seeds the database first)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?")
    db.set_defaults(func=cmd_db)

    seed = sub.add_parser("seed", help="load the reference catalog (idempotent; never overwrites user edits)")
    seed.set_defaults(func=cmd_seed)

    key = sub.add_parser("create-api-key", help="create a write key; prints it once")
    key.add_argument("name")
    key.set_defaults(func=cmd_create_api_key)

    calibrate = sub.add_parser("calibrate", help="fit the engine's efficiency parameters to measured cases")
    calibrate.add_argument("--cases", help="CSV in the calibration.csv format (default: the packaged one)")
    calibrate.add_argument("--holdout", help="hold-out CSV with a split column for the TTFT parameters "
                           "(default: bench/holdout.csv)")
    calibrate.add_argument("--write-seed", action="store_true",
                           help="also write service/catalog/seed/efficiency_params.json")
    calibrate.add_argument("--from-seed", action="store_true",
                           help="take specs from the seed files and write no database")
    calibrate.set_defaults(func=cmd_calibrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args, Settings()))


if __name__ == "__main__":
    raise SystemExit(main())
