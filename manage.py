"""Set-up commands: `python manage.py setup` migrates, loads the demo day and makes the first
logins (an organiser and an admin); `create-admin NAME` and `reset-password NAME` are the
way back in; `backup PATH` and `restore PATH` keep and bring back everything (backup.py)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

from settings import ROOT


def migrate() -> None:
    piccolo = Path(sys.executable).parent / "piccolo"
    result = subprocess.run(
        [str(piccolo), "migrations", "forwards", "all"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0 or "failed" in result.stdout.lower():
        sys.exit(f"migrations failed:\n{result.stdout}\n{result.stderr}")


async def ensure_organiser(username: str = "organiser") -> str | None:
    """The first organiser, with a fresh random password returned once; None when the name exists."""
    from piccolo.apps.user.tables import BaseUser  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    if await BaseUser.exists().where(BaseUser.username == username):
        return None
    return await create_account(username, "organiser")


async def ensure_admin(username: str = "admin") -> str | None:
    """A way in for the organisation: when nobody holds the admin role, an ``admin`` account
    with that role only, its password returned once. None when there is an admin already
    (or the name is taken: then ``create-admin`` with another name)."""
    from piccolo.apps.user.tables import BaseUser  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    if await _has_admin() or await BaseUser.exists().where(BaseUser.username == username):
        return None
    return await create_account(username, "admin")


async def _has_admin() -> bool:
    from accounts.tables import UserRole  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    return await UserRole.exists().where(UserRole.role == "admin")


async def create_account(username: str, *roles: str) -> str | None:
    """A new account with ``roles`` and a generated password, returned once; None when the name is taken."""
    from piccolo.apps.user.tables import BaseUser  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    from accounts.queries import new_password  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    if await BaseUser.exists().where(BaseUser.username == username):
        return None
    password = new_password()
    await create_user(username, password, *roles)
    return password


async def reset_password(username: str) -> str | None:
    """A new generated password for an existing account, returned once; its roles stay as
    they are, and every login of it (and every scanner token issued from one) ends. None for
    an unknown name: nothing is created."""
    from piccolo.apps.user.tables import BaseUser  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    from accounts.queries import end_sessions_of, new_password  # noqa: PLC0415 -- each command loads only what it uses, after the settings
    from core.db.transactions import write_transaction  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    user = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first()
    if user is None:
        return None
    password = new_password()
    digest = BaseUser.hash_password(password)
    async with write_transaction():
        await BaseUser.update({BaseUser.password: digest}).where(BaseUser.id == user["id"])
        await end_sessions_of(user["id"])
    return password


async def create_user(username: str, password: str, *roles: str, iterations: int | None = None) -> int:
    """A user with roles (organiser, staff, ...). ``iterations`` lowers PBKDF2's cost for tests."""
    from piccolo.apps.user.tables import BaseUser  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    from accounts.tables import UserRole  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    if iterations:
        BaseUser._pbkdf2_iteration_count = iterations
    user = await BaseUser.create_user(
        username=username, password=password, email=f"{username}@showcase.invalid", active=True
    )
    for role in roles:
        # "screener@12": the role at unit 12 (and its subtree); a bare role: everywhere
        name, _, unit = role.partition("@")
        await UserRole.insert(UserRole(user=user.id, role=name, unit=int(unit) if unit else None))
    return user.id


async def purge_deleted() -> int:
    """Remove for good the events deleted more than 30 days ago (ids stay taken)."""
    from events.days import purge_deleted_events  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    return await purge_deleted_events()


async def setup(demo: bool = True) -> None:
    from demo import load_demo  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    purged = await purge_deleted()
    if purged:
        print(f"Removed for good {purged} event(s) deleted more than 30 days ago.")
    loaded = await load_demo() if demo else False
    password = await ensure_organiser()
    admin_password = await ensure_admin()
    if loaded:
        print("Loaded the demo showcase day 税心向党·书记说 (/e/shuixin-2026).")
    if password:
        print(
            f"Organiser login: username 'organiser', password '{password}' (shown once; "
            "`python manage.py reset-password organiser` makes a new one)."
        )
    if admin_password:
        print(
            f"Admin login (users and roles, /admin/users/): username 'admin', password '{admin_password}' (shown once; "
            "`python manage.py reset-password admin` makes a new one)."
        )
    elif not await _has_admin():
        print("Nobody is admin and the name 'admin' is taken: `python manage.py create-admin NAME` makes one.")


USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")  # as on the admin's user page
USAGE = (
    "commands: setup [--no-demo] | migrate | create-admin NAME | reset-password NAME | purge-deleted"
    " | backup PATH.tar.gz | restore PATH.tar.gz [--force]"
)


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "setup"
    name = argv[2] if len(argv) > 2 else ""
    if command == "migrate":
        migrate()
    elif command == "setup":
        migrate()
        asyncio.run(setup(demo="--no-demo" not in argv))
    elif command == "create-admin":
        if not USERNAME.match(name):
            sys.exit(f"create-admin needs a user name of 3–40 letters, digits, dots, hyphens or underscores; {USAGE}")
        password = asyncio.run(create_account(name, "admin"))
        if password is None:
            sys.exit(f"the user name {name!r} is taken: choose another, or `reset-password {name}`")
        print(f"Admin login: username '{name}', password '{password}' (shown once).")
    elif command == "purge-deleted":
        print(f"Removed for good {asyncio.run(purge_deleted())} event(s) deleted more than 30 days ago.")
    elif command == "reset-password":
        if not name:
            sys.exit(f"reset-password needs a user name; {USAGE}")
        password = asyncio.run(reset_password(name))
        if password is None:
            sys.exit(f"no user named {name!r}: nothing changed (create-admin makes an admin)")
        print(f"New password for {name}: {password}")
        print("Its roles are unchanged; every login of this user has ended.")
    elif command in ("backup", "restore"):
        run_backup_command(command, argv[2:])
    else:
        sys.exit(f"unknown command {command!r}; {USAGE}")


def run_backup_command(command: str, args: list[str]) -> None:
    """`backup PATH.tar.gz`, `restore PATH.tar.gz [--force]` (see backup.py)."""
    import backup  # noqa: PLC0415 -- each command loads only what it uses, after the settings
    from settings import get_settings  # noqa: PLC0415 -- each command loads only what it uses, after the settings

    paths = [a for a in args if not a.startswith("--")]
    if len(paths) != 1:
        sys.exit(f"usage: python manage.py {command} PATH.tar.gz" + (" [--force]" if command == "restore" else ""))
    settings = get_settings()
    try:
        if command == "backup":
            manifest = backup.backup(settings, Path(paths[0]))
            print(
                f"Backed up the {manifest['engine']} database, {manifest['files']} uploaded files"
                f"{' and the secret key' if manifest['secret_key'] else ''} to {paths[0]}."
            )
            if manifest["secret_key_from_environment"]:
                print("SHOWCASE_SECRET_KEY is set: keep it with the backup (it is not in the archive).")
        else:
            manifest = backup.restore(settings, Path(paths[0]), force="--force" in args)
            migrate()  # a backup of an older version gets the newer tables
            print(
                f"Restored the {manifest['engine']} database of {manifest['created_at']}, {manifest['files']} uploaded files"
                f"{' and the secret key' if manifest['secret_key'] else ''}. Restart the app processes."
            )
    except backup.BackupError as exc:
        sys.exit(f"{command} failed: {exc}")


if __name__ == "__main__":
    main(sys.argv)
