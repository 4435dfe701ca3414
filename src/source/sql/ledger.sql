-- Finance's booked cost lines for the window's months (exact match on the month key).
--
-- $1 date[]  the first day of each month of the window.
--
-- One row per (month, category). The contract's primary key makes that one line, but a
-- team's view may return a key in several lines (README "Data quality"):
-- * identical lines (same month, category and amount: a view that unions a source twice)
--   are booked once;
-- * different amounts of one key are added up (a booking split in parts, as `aikpi
--   check` suggests);
-- * `lines` counts every line read, so the caller counts the lines that repeat a key
--   (`lines` - 1, as `aikpi check` does).
-- A NaN or ±Infinity amount is left out of its line's sum and counted (NaN sorts above
-- Infinity), a NULL amount likewise; a NULL category is returned as one NULL row for the
-- caller to leave out and count.
SELECT
    d.month AS month,
    d.category AS category,
    coalesce(sum(d.amount) FILTER (WHERE d.amount < 'Infinity'::numeric
                                     AND d.amount > '-Infinity'::numeric), 0)::numeric AS amount,
    coalesce(sum(d.copies) FILTER (WHERE NOT (d.amount < 'Infinity'::numeric
                                              AND d.amount > '-Infinity'::numeric)), 0)::int8 AS non_finite_amounts,
    coalesce(sum(d.copies) FILTER (WHERE d.amount IS NULL), 0)::int8 AS null_amounts,
    sum(d.copies)::int8 AS lines
FROM (
    SELECT l.month, l.category::text AS category, l.amount::numeric AS amount, count(*) AS copies
    FROM /*SCHEMA*/cost_ledger l
    WHERE l.month = ANY($1::date[])
    GROUP BY 1, 2, 3
) d
GROUP BY d.month, d.category
