-- aikpi check: the latest started_at of all conversations, asked only when the report
-- window has none (to name the nearest data, as the report's empty-month error does).
SELECT pg_catalog.max(c.started_at) FROM conversations AS c
