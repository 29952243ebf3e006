import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def private_files(settings):
    """Every file under the private media root, as paths relative to it."""

    def list_files() -> list[str]:
        root = settings.PRIVATE_MEDIA_ROOT
        return (
            sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
        )

    return list_files


@pytest.fixture
def province_bureau(db):
    from gansu_mall.accounts.tests.factories import UserFactory

    return UserFactory(username="bureau_province", roles=["bureau"])


@pytest.fixture
def county_bureau(db):
    from gansu_mall.accounts.tests.factories import UserFactory

    return UserFactory(username="bureau_longnan", roles=["bureau"], roles__scope=["621200"])


@pytest.fixture
def officer(db):
    from gansu_mall.accounts.tests.factories import UserFactory

    return UserFactory(username="officer_chengxian", roles=["info_officer"], roles__scope=["621221"])
