"""The render cache holds every template's files: only this user may open or change it."""

import os

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from testamur.credentials.rendering.engine import (
    CACHE_DIR_NOT_PRIVATE,
    RenderCacheNotPrivate,
    Renderer,
)


def test_a_new_cache_dir_is_made_private_to_this_user(tmp_path):
    Renderer(cache_dir=tmp_path / "cache")

    info = (tmp_path / "cache").stat()
    assert info.st_mode & 0o777 == 0o700
    assert info.st_uid == os.getuid()


def test_a_cache_dir_others_can_open_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)

    with pytest.raises(RenderCacheNotPrivate) as refused:
        Renderer(cache_dir=shared)
    assert str(refused.value) == CACHE_DIR_NOT_PRIVATE.format(path=shared)


def test_a_cache_dir_that_is_a_link_is_refused(tmp_path):
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(target)

    with pytest.raises(RenderCacheNotPrivate):
        Renderer(cache_dir=tmp_path / "link")


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a directory to another user")
def test_a_cache_dir_owned_by_someone_else_is_refused(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)

    with pytest.raises(RenderCacheNotPrivate):
        Renderer(cache_dir=theirs)


def test_the_system_check_stops_a_server_whose_cache_dir_is_not_private(settings, tmp_path):
    settings.RENDER_CACHE_DIR = tmp_path
    tmp_path.chmod(0o777)

    with pytest.raises(SystemCheckError, match=r"credentials\.E001"):
        call_command("check")
