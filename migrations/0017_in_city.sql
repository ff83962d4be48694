-- Whether a division is the city or within it, by its code alone (GB/T 2260: a district's first
-- four digits are its city's; every code of a municipality starts with its two): the same answer
-- as city_divisions (test/city-divisions.test.ts holds them equal over the whole register), as a
-- plain expression the planner inlines, so that judging an order does not run a set-returning
-- function for each licence it looks at.
CREATE FUNCTION "in_city"(p_code char(6), p_city char(6)) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	select case
		when p_city like '__0000' then left(p_code, 2) = left(p_city, 2)
		when p_city like '____00' then left(p_code, 4) = left(p_city, 4)
		else p_code = p_city
	end
$$;
--> statement-breakpoint
-- A month's partition of orders spans that month in UTC, as the import names it, whatever the
-- session's TimeZone: under Asia/Shanghai the bounds were local midnights, an order of the last
-- eight hours of a month fell into the default partition, and the next month's could not be made.
CREATE OR REPLACE FUNCTION "order_partition"(p_month date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	name text := 'orders_' || to_char(p_month, 'YYYY_MM');
	-- The month's arithmetic on timestamps without a zone, then read as UTC: a month added in the
	-- session's zone would be a month of local days (27 days and 23 hours under America/New_York in March).
	starts timestamptz := date_trunc('month', p_month)::timestamp AT TIME ZONE 'UTC';
	ends timestamptz := (date_trunc('month', p_month)::timestamp + interval '1 month') AT TIME ZONE 'UTC';
BEGIN
	IF to_regclass(name) IS NULL THEN
		EXECUTE format('CREATE TABLE %I PARTITION OF orders FOR VALUES FROM (%L) TO (%L)', name, starts, ends);
	END IF;
EXCEPTION WHEN duplicate_table THEN
	NULL;
END $$;
