"""The console's commands.

    python -m studybots.console create-admin NAME   the first admin (or another one)
    python -m studybots.console serve [--host H] [--port P]   the console on its own

create-admin reads the password from a prompt (twice), or from standard
input when that is not a terminal (one line), never from the command line
where `ps` and the shell's history would show it. Its tables are in
STUDYBOTS_CONSOLE_URL, else the question log's database (settings.py).
`serve` answers at http://HOST:PORT/toimitus/ and /health (for probes).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from aiohttp import web

from studybots.console import accounts, model, passwords
from studybots.console import web as console_web
from studybots.console.settings import ConsoleConfigError, check_interface, load_console_settings
from studybots.core import secret_files


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Salasana: ")
    if getpass.getpass("Salasana uudelleen: ") != first:
        raise SystemExit("Salasanat eivät täsmää.")
    return first


def create_admin(name: str) -> int:
    settings = load_console_settings()
    password = read_password()
    try:
        passwords.check_policy(password)
    except passwords.PasswordError as exc:
        print(exc, file=sys.stderr)
        return 1
    engine = model.make_engine(settings.database_url)
    try:
        model.ensure_schema(engine)
        account = accounts.create(engine, name, ["admin"], password, "create-admin")
    except accounts.AccountError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"ylläpitäjä {account.name} luotu; kirjaudu osoitteessa /toimitus/")
    return 0


def main(argv: list[str] | None = None) -> int:
    secret_files.export()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="create an admin account")
    admin.add_argument("name")
    serve = commands.add_parser("serve", help="serve the console at /toimitus/")
    serve.add_argument("--host", default=os.environ.get("CONSOLE_INTERFACE", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("CONSOLE_PORT", "8090")))
    args = parser.parse_args(argv)
    try:
        if args.command == "create-admin":
            return create_admin(args.name)
        check_interface(load_console_settings(), args.host)
        web.run_app(
            console_web.make_app(load_console_settings()),
            host=args.host,
            port=args.port,
            print=None,
        )
    except ConsoleConfigError as exc:
        print(f"console: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
