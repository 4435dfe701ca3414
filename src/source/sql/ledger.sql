-- Finance's booked cost lines for the window's months (exact match on the month key).
--
-- $1 date[]  the first day of each month of the window.
--
-- Summed per (month, category): the contract's primary key makes this a no-op, but a
-- team's view may return a category in several lines. A NaN or ±Infinity amount is left
-- out of its line's sum and counted (NaN sorts above Infinity).
SELECT
    l.month AS month,
    l.category::text AS category,
    coalesce(sum(l.amount) FILTER (WHERE l.amount::numeric < 'Infinity'::numeric
                                     AND l.amount::numeric > '-Infinity'::numeric), 0)::numeric AS amount,
    count(*) FILTER (WHERE NOT (l.amount::numeric < 'Infinity'::numeric
                                AND l.amount::numeric > '-Infinity'::numeric)) AS non_finite_amounts
FROM /*SCHEMA*/cost_ledger l
WHERE l.month = ANY($1::date[])
GROUP BY l.month, l.category
