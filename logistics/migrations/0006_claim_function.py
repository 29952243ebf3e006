"""The claim as one PostgreSQL function, ``gansu_claim``: the next queued task (FOR UPDATE SKIP LOCKED), its
picks first expiry first out, the hold on the stock rows, the claim and its event — in one statement, so
that the locks it takes are released when the statement ends, with no round trip to the application while
they are held (logistics.fulfillment calls it; other databases take the portable claim in Python).

The order of the picks is the same as ``logistics.fulfillment._plan``: lots by best-before, then harvest,
stock without a lot after every lot, then the bin's code, then the row. A task short of stock is answered
with the SKUs it lacks and nothing is written. The claim commits asynchronously (see task_claim)."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION gansu_claim(
    p_code text, p_worker bigint, p_now timestamptz, p_expires timestamptz, p_today date
) RETURNS TABLE (
    task_id bigint, warehouse_id bigint, order_ref bigint, order_number text, vendor_id bigint,
    priority integer, deadline timestamptz, claims integer, short_skus bigint[]
) LANGUAGE plpgsql AS $fn$
DECLARE
    v_task record;
    v_line record;
    v_row record;
    v_wanted integer;
    v_free integer;
    v_take integer;
    v_short bigint[] := '{}';
    v_line_ids bigint[] := '{}';
    v_stock_ids bigint[] := '{}';
    v_bin_ids bigint[] := '{}';
    v_batch_ids bigint[] := '{}';
    v_takes integer[] := '{}';
    i integer;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT t.id, t.warehouse_id, t.order_ref, t.order_number, t.vendor_id, t.priority, t.deadline, t.claims
      INTO v_task
      FROM logistics_fulfillmenttask t
     WHERE t.warehouse_id = (SELECT w.id FROM logistics_warehouse w WHERE w.code = p_code)
       AND t.status = 'queued'
     ORDER BY t.priority, t.deadline, t.id
     LIMIT 1
       FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- The stock rows of the task's SKUs, locked in id order (every claim locks them in this order).
    PERFORM 1
       FROM logistics_hubstock s
      WHERE s.warehouse_id = v_task.warehouse_id
        AND s.sku_id IN (SELECT l.sku_id FROM logistics_taskline l WHERE l.task_id = v_task.id)
      ORDER BY s.id
        FOR UPDATE;
    FOR v_line IN
        SELECT l.id, l.sku_id, l.quantity FROM logistics_taskline l WHERE l.task_id = v_task.id
         ORDER BY l.sku_id, l.id
    LOOP
        v_wanted := v_line.quantity;
        FOR v_row IN
            SELECT s.id, s.bin_id, s.batch_id, s.quantity - s.allocated AS free
              FROM logistics_hubstock s
              JOIN logistics_bin b ON b.id = s.bin_id
              LEFT JOIN catalog_batch lot ON lot.id = s.batch_id
             WHERE s.warehouse_id = v_task.warehouse_id
               AND s.sku_id = v_line.sku_id
               AND s.quantity > s.allocated
               AND (s.batch_id IS NULL
                    OR (NOT lot.blocked AND (lot.expires_on IS NULL OR lot.expires_on > p_today)))
             ORDER BY (s.batch_id IS NULL), lot.expires_on NULLS LAST, lot.harvested_on NULLS LAST, b.code, s.id
        LOOP
            EXIT WHEN v_wanted = 0;
            v_free := v_row.free;
            FOR i IN 1 .. coalesce(array_length(v_stock_ids, 1), 0) LOOP  -- taken by an earlier line
                IF v_stock_ids[i] = v_row.id THEN
                    v_free := v_free - v_takes[i];
                END IF;
            END LOOP;
            v_take := least(v_free, v_wanted);
            IF v_take > 0 THEN
                v_line_ids := v_line_ids || v_line.id;
                v_stock_ids := v_stock_ids || v_row.id;
                v_bin_ids := v_bin_ids || v_row.bin_id;
                v_batch_ids := v_batch_ids || v_row.batch_id;
                v_takes := v_takes || v_take;
                v_wanted := v_wanted - v_take;
            END IF;
        END LOOP;
        IF v_wanted > 0 THEN
            v_short := v_short || v_line.sku_id;
        END IF;
    END LOOP;
    IF cardinality(v_short) > 0 OR cardinality(v_takes) = 0 THEN
        RETURN QUERY SELECT v_task.id::bigint, v_task.warehouse_id::bigint, v_task.order_ref::bigint,
            v_task.order_number::text, v_task.vendor_id::bigint, v_task.priority::integer, v_task.deadline,
            v_task.claims::integer, v_short;
        RETURN;
    END IF;
    UPDATE logistics_hubstock s SET allocated = s.allocated + h.units
      FROM (SELECT u.id, sum(u.units)::integer AS units
              FROM unnest(v_stock_ids, v_takes) AS u(id, units) GROUP BY u.id) h
     WHERE s.id = h.id;
    INSERT INTO logistics_pick (line_id, stock_id, bin_id, batch_id, quantity)
    SELECT * FROM unnest(v_line_ids, v_stock_ids, v_bin_ids, v_batch_ids, v_takes);
    UPDATE logistics_fulfillmenttask t
       SET status = 'claimed', claimed_by_id = p_worker, claimed_at = p_now, claim_expires_at = p_expires,
           claims = t.claims + 1, updated_at = p_now
     WHERE t.id = v_task.id;
    INSERT INTO logistics_taskevent (task_id, from_status, to_status, actor_id, note, created_at)
    VALUES (v_task.id, 'queued', 'claimed', p_worker, '', p_now);
    RETURN QUERY SELECT v_task.id::bigint, v_task.warehouse_id::bigint, v_task.order_ref::bigint,
        v_task.order_number::text, v_task.vendor_id::bigint, v_task.priority::integer, v_task.deadline,
        (v_task.claims + 1)::integer, NULL::bigint[];
END
$fn$;
"""
DROP = "DROP FUNCTION IF EXISTS gansu_claim(text, bigint, timestamptz, timestamptz, date);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("logistics", "0005_fewer_claim_indexes")]

    operations = [migrations.RunPython(create, drop)]
