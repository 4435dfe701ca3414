-- Transactions in progress now (text xid8s). A writer among them may have read the old
-- horizon and skipped its log row: the rollup waits for all of them to end before it
-- takes the snapshot it reads on, so that snapshot sees what they wrote.
SELECT coalesce(array_agg(x::text), '{}') FROM pg_snapshot_xip(pg_current_snapshot()) AS x
