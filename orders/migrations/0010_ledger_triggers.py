"""The ledger's rules in the database (PostgreSQL; the SQLite demo relies on the code's checks):

- every journal entry balances: a deferred constraint trigger, run at commit for each new posting and each
  new entry, refuses an entry whose postings do not add up to zero or that has fewer than two postings;
- entries and postings are append-only: UPDATE and DELETE are refused by row triggers.

TRUNCATE is not refused: it is an administrator's act (and the way test databases are emptied)."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION orders_ledger_entry_check(p_entry bigint) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    v_sum numeric;
    v_count integer;
BEGIN
    SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO v_sum, v_count
      FROM orders_posting WHERE entry_id = p_entry;
    IF v_count < 2 OR v_sum <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance: % postings adding up to %', p_entry, v_count, v_sum
            USING ERRCODE = 'check_violation';
    END IF;
END
$fn$;

CREATE OR REPLACE FUNCTION orders_ledger_posting_balanced() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM orders_ledger_entry_check(NEW.entry_id);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION orders_ledger_entry_balanced() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    PERFORM orders_ledger_entry_check(NEW.id);
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION orders_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$fn$;

CREATE CONSTRAINT TRIGGER orders_posting_balanced AFTER INSERT ON orders_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION orders_ledger_posting_balanced();
CREATE CONSTRAINT TRIGGER orders_journalentry_balanced AFTER INSERT ON orders_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION orders_ledger_entry_balanced();
CREATE TRIGGER orders_posting_append_only BEFORE UPDATE OR DELETE ON orders_posting
    FOR EACH ROW EXECUTE FUNCTION orders_ledger_append_only();
CREATE TRIGGER orders_journalentry_append_only BEFORE UPDATE OR DELETE ON orders_journalentry
    FOR EACH ROW EXECUTE FUNCTION orders_ledger_append_only();
"""

DROP = r"""
DROP TRIGGER IF EXISTS orders_journalentry_append_only ON orders_journalentry;
DROP TRIGGER IF EXISTS orders_posting_append_only ON orders_posting;
DROP TRIGGER IF EXISTS orders_journalentry_balanced ON orders_journalentry;
DROP TRIGGER IF EXISTS orders_posting_balanced ON orders_posting;
DROP FUNCTION IF EXISTS orders_ledger_append_only();
DROP FUNCTION IF EXISTS orders_ledger_entry_balanced();
DROP FUNCTION IF EXISTS orders_ledger_posting_balanced();
DROP FUNCTION IF EXISTS orders_ledger_entry_check(bigint);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("orders", "0009_settlement_ledger")]

    operations = [migrations.RunPython(create, drop)]
