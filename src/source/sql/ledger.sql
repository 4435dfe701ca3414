-- Finance's booked cost lines for the window's months (exact match on the month key).
--
-- $1 date[]  the first day of each month of the window.
--
-- Summed per (month, category): the contract's primary key makes this a no-op, but a
-- team's view may return a category in several lines.
SELECT
    l.month AS month,
    l.category::text AS category,
    sum(l.amount)::numeric AS amount
FROM /*SCHEMA*/cost_ledger l
WHERE l.month = ANY($1::date[])
GROUP BY l.month, l.category
