"""Set-up commands: `python manage.py setup` migrates, loads the demo day and makes a login;
`backup PATH` and `restore PATH` keep and bring back everything (backup.py)."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
from pathlib import Path

from settings import ROOT


def migrate() -> None:
    piccolo = Path(sys.executable).parent / "piccolo"
    result = subprocess.run([str(piccolo), "migrations", "forwards", "all"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    if result.returncode != 0 or "failed" in result.stdout.lower():
        sys.exit(f"migrations failed:\n{result.stdout}\n{result.stderr}")


async def ensure_organiser(username: str = "organiser", reset: bool = False) -> str | None:
    """Create (or with reset, re-key) an organiser with a fresh random password; return it once."""
    from piccolo.apps.user.tables import BaseUser

    from accounts.tables import UserRole

    existing = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    if existing and not reset:
        return None
    password = secrets.token_urlsafe(12)
    if existing:
        await BaseUser.update_password(username, password)
        user_id = existing["id"]
    else:
        user = await BaseUser.create_user(username=username, password=password, email=f"{username}@showcase.invalid", active=True)
        user_id = user.id
    if not await UserRole.exists().where((UserRole.user == user_id) & (UserRole.role == "organiser")):
        await UserRole.insert(UserRole(user=user_id, role="organiser"))
    return password


async def create_user(username: str, password: str, *roles: str, iterations: int | None = None) -> int:
    """A user with roles (organiser, staff, ...). ``iterations`` lowers PBKDF2's cost for tests."""
    from piccolo.apps.user.tables import BaseUser

    from accounts.tables import UserRole

    if iterations:
        BaseUser._pbkdf2_iteration_count = iterations
    user = await BaseUser.create_user(username=username, password=password, email=f"{username}@showcase.invalid", active=True)
    for role in roles:
        await UserRole.insert(UserRole(user=user.id, role=role))
    return user.id


async def setup(demo: bool = True) -> None:
    from demo import load_demo

    loaded = await load_demo() if demo else False
    password = await ensure_organiser()
    if loaded:
        print("Loaded the demo showcase day 税心向党·书记说 (/e/shuixin-2026).")
    if password:
        print(f"Organiser login: username 'organiser', password '{password}' (shown once; "
              "`python manage.py reset-password organiser` makes a new one).")


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "setup"
    if command == "migrate":
        migrate()
    elif command == "setup":
        migrate()
        asyncio.run(setup(demo="--no-demo" not in argv))
    elif command == "reset-password":
        name = argv[2] if len(argv) > 2 else "organiser"
        print(f"New password for {name}: {asyncio.run(ensure_organiser(name, reset=True))}")
    elif command in ("backup", "restore"):
        run_backup_command(command, argv[2:])
    else:
        sys.exit(f"unknown command {command!r}: use setup, migrate, reset-password, backup or restore")


def run_backup_command(command: str, args: list[str]) -> None:
    """`backup PATH.tar.gz`, `restore PATH.tar.gz [--force]` (see backup.py)."""
    import backup
    from settings import get_settings

    paths = [a for a in args if not a.startswith("--")]
    if len(paths) != 1:
        sys.exit(f"usage: python manage.py {command} PATH.tar.gz" + (" [--force]" if command == "restore" else ""))
    settings = get_settings()
    try:
        if command == "backup":
            manifest = backup.backup(settings, Path(paths[0]))
            print(f"Backed up the {manifest['engine']} database, {manifest['files']} uploaded files"
                  f"{' and the secret key' if manifest['secret_key'] else ''} to {paths[0]}.")
            if manifest["secret_key_from_environment"]:
                print("SHOWCASE_SECRET_KEY is set: keep it with the backup (it is not in the archive).")
        else:
            manifest = backup.restore(settings, Path(paths[0]), force="--force" in args)
            migrate()  # a backup of an older version gets the newer tables
            print(f"Restored the {manifest['engine']} database of {manifest['created_at']}, {manifest['files']} uploaded files"
                  f"{' and the secret key' if manifest['secret_key'] else ''}. Restart the app processes.")
    except backup.BackupError as exc:
        sys.exit(f"{command} failed: {exc}")


if __name__ == "__main__":
    main(sys.argv)
