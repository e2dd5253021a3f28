"""core/pending.py: what a preview read, kept on disk under a token for its owner only,
gone once used or after an hour, and never a path outside its folder."""

from __future__ import annotations

import os
import time

from core import pending


def test_kept_for_its_owner_only_until_discarded(tmp_path):
    token = pending.keep(tmp_path, "attendees:1:7:login", b'{"rows": 3}')
    assert pending.well_formed(token)
    assert pending.take(tmp_path, token, "attendees:2:7:login") is None  # another event
    assert pending.take(tmp_path, token, "attendees:1:8:login") is None  # another person
    assert pending.take(tmp_path, token, "attendees:1:7:login") == b'{"rows": 3}'
    kept = list(pending.folder(tmp_path).iterdir())
    assert len(kept) == 1 and kept[0].stat().st_mode & 0o077 == 0  # personal data: the server's alone
    assert b"login" not in kept[0].read_bytes()  # the owner is kept as a digest
    pending.discard(tmp_path, token)
    assert pending.take(tmp_path, token, "attendees:1:7:login") is None


def test_a_token_names_no_file_outside_its_folder(tmp_path):
    (tmp_path / "secret_key").write_text("s")
    pending.folder(tmp_path).mkdir()
    for token in ("../secret_key", "..", "/etc/passwd", "a" * 42, "a" * 44, "a/" * 21 + "a", "a" * 42 + "\x00", ""):
        assert not pending.well_formed(token), token
        assert pending.take(tmp_path, token, "x") is None
        pending.discard(tmp_path, token)
    assert (tmp_path / "secret_key").read_text() == "s"


def test_an_hour_old_preview_is_refused_and_swept_with_abandoned_parts(tmp_path):
    old = pending.keep(tmp_path, "me", b"old")
    young = pending.keep(tmp_path, "me", b"young")
    folder = pending.folder(tmp_path)
    (folder / ".abandoned.123.part").write_bytes(b"half")
    (folder / "README").write_text("not ours")
    hour_ago = time.time() - 3700
    for name in (old + ".pending", ".abandoned.123.part", "README"):
        os.utime(folder / name, (hour_ago, hour_ago))
    assert pending.take(tmp_path, old, "me") is None and not (folder / (old + ".pending")).exists()
    pending.keep(tmp_path, "me", b"new")  # sweeps
    assert sorted(p.name for p in folder.iterdir() if not p.name.endswith(".pending")) == ["README"]
    assert pending.take(tmp_path, young, "me") == b"young"
