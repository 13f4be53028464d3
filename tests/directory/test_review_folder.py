"""Review of issue 17: the sync folder reads only files dropped in it. A symlink there
(an SFTP account can make one) would have the worker read any file it can, and the
refused file's errors.json written back into the folder quotes the cells it read."""

import pytest

from directory.models import DirectorySync
from directory.services import directory_sync_folder

pytestmark = pytest.mark.django_db


def test_a_symlink_in_the_folder_is_not_read(tmp_path, hr):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("email\nroot:x:0:0:root:/root:/bin/bash\n")
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "people.csv").symlink_to(secret)

    run = directory_sync_folder(folder=folder)

    assert run.applied == run.held == []
    assert not DirectorySync.objects.exists()
    written = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    assert not any("root:x:0:0" in p.read_text() for p in written)
