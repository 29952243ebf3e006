from credit.identity import identity_hash, mask, parse_identity
from gansu_mall.core.crypto import keyed_hash
from vendors.tests.factories import make_id_number, make_uscc


def test_codes_vendors_accept_are_parsed_with_their_kind():
    uscc = make_uscc()
    id_number = make_id_number()
    assert parse_identity(uscc).kind == "uscc"
    assert parse_identity(f" {id_number.lower()} ").kind == "id_number"
    assert parse_identity(uscc[:-1] + ("0" if uscc[-1] != "0" else "1")) is None
    assert parse_identity(id_number[:-1] + ("0" if id_number[-1] != "0" else "1")) is None
    assert parse_identity("") is None


def test_hash_is_the_one_vendors_store_and_the_mask_hides_the_middle(db):
    code = make_uscc()
    assert identity_hash(code) == keyed_hash(code, purpose="identity")
    assert mask("91620100MA01234567") == "9162************67"
