from credit.selectors import ListStatus, subject_blacklist_status


def test_no_identity_is_listed_before_the_registry_exists():
    assert subject_blacklist_status(subject_code="91620100MA01234567") == ListStatus(listed=False, reasons=[])
