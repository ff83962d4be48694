-- Ride-hailing orders as platforms submit them, judged on arrival against the licence register as
-- it stood at each order's match time. Partitioned by month of the match time (UTC months: the
-- partitions are storage, never a boundary a figure is cut at), so a city's year of orders is
-- twelve partitions, and an old month can be detached whole when its retention ends. The default
-- partition only catches what no month's partition was made for; it is meant to stay empty.
CREATE TABLE "orders" (
	"enterprise_id" uuid NOT NULL REFERENCES "enterprises"("id"),
	"order_id" text NOT NULL,
	"matched_at" timestamp with time zone NOT NULL,
	"city_code" char(6) NOT NULL REFERENCES "jurisdictions"("code"),
	"origin_code" char(6) NOT NULL,
	"match_day" date NOT NULL,
	"driver_id_hash" text NOT NULL,
	"plate" text NOT NULL,
	"departed_at" timestamp with time zone,
	"arrived_at" timestamp with time zone,
	"distance_m" integer,
	"duration_s" integer,
	"fare_fen" bigint,
	"pickup_district" char(6),
	"verdict" text NOT NULL,
	"driver_licence_id" uuid,
	"vehicle_licence_id" uuid,
	"import_id" uuid,
	"import_line" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_pkey" PRIMARY KEY ("enterprise_id", "order_id", "matched_at"),
	CONSTRAINT "orders_verdict_known" CHECK (verdict in ('compliant', 'driver_unlicensed', 'vehicle_unlicensed', 'both_unlicensed')),
	CONSTRAINT "orders_times_in_order" CHECK (arrived_at is null or departed_at is null or arrived_at >= departed_at),
	CONSTRAINT "orders_figures_not_negative" CHECK (coalesce(distance_m, 0) >= 0 and coalesce(duration_s, 0) >= 0 and coalesce(fare_fen, 0) >= 0)
) PARTITION BY RANGE ("matched_at");--> statement-breakpoint
-- An order id found again whatever its match time (a resend, or one that conflicts).
CREATE INDEX "orders_order_idx" ON "orders" USING btree ("enterprise_id", "order_id");--> statement-breakpoint
-- A city's (or a platform's) orders of a day range, in the order they are paged.
CREATE INDEX "orders_city_day_idx" ON "orders" USING btree ("city_code", "match_day", "enterprise_id", "order_id");--> statement-breakpoint
CREATE TABLE "orders_default" PARTITION OF "orders" DEFAULT;--> statement-breakpoint
-- A month's partition, made when its first orders arrive (src/modules/orders/import.ts): while the
-- default partition stays empty, attaching one is instant. Two writers making the same one at once
-- is not an error.
CREATE FUNCTION "order_partition"(p_month date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	name text := 'orders_' || to_char(p_month, 'YYYY_MM');
BEGIN
	IF to_regclass(name) IS NULL THEN
		EXECUTE format('CREATE TABLE %I PARTITION OF orders FOR VALUES FROM (%L) TO (%L)', name, date_trunc('month', p_month)::timestamptz, (date_trunc('month', p_month) + interval '1 month')::timestamptz);
	END IF;
EXCEPTION WHEN duplicate_table THEN
	NULL;
END $$;--> statement-breakpoint
-- The compliance figures, kept as orders arrive: a month of a city is at most 31 rows a platform.
CREATE TABLE "order_compliance_daily" (
	"city_code" char(6) NOT NULL REFERENCES "jurisdictions"("code"),
	"day" date NOT NULL,
	"enterprise_id" uuid NOT NULL REFERENCES "enterprises"("id"),
	"orders" integer DEFAULT 0 NOT NULL,
	"compliant" integer DEFAULT 0 NOT NULL,
	"driver_unlicensed" integer DEFAULT 0 NOT NULL,
	"vehicle_unlicensed" integer DEFAULT 0 NOT NULL,
	"both_unlicensed" integer DEFAULT 0 NOT NULL,
	-- Data quality: completed with a ride time of 0 and under 100 m (the Ministry's spot checks found these in real data).
	"zero_ride" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "order_compliance_daily_pkey" PRIMARY KEY ("city_code", "day", "enterprise_id")
);--> statement-breakpoint
CREATE INDEX "order_compliance_daily_enterprise_idx" ON "order_compliance_daily" USING btree ("enterprise_id", "day");
--> statement-breakpoint
-- The divisions of a city: itself, its districts and counties, and those under a municipality's prefecture-level codes.
CREATE FUNCTION "city_divisions"(p_city char(6)) RETURNS SETOF char(6) LANGUAGE sql STABLE AS $$
	select j.code from jurisdictions j
	where j.code = p_city or j.parent_code = p_city or j.parent_code in (select p.code from jurisdictions p where p.parent_code = p_city)
$$;--> statement-breakpoint
-- Whether a licence was in force at an instant (and on that day where it was issued), by its
-- history: its status and last valid day as they stood then, not as they are now. A licence at
-- version 1 has no transition: what it holds now is what it held then.
CREATE FUNCTION "licence_in_force_at"(p_code char(6), p_id uuid, p_version int, p_status text, p_valid_from date, p_valid_until date, p_at timestamptz, p_day date) RETURNS boolean LANGUAGE sql STABLE AS $$
	select p_valid_from <= p_day and case when p_version = 1 then p_valid_until >= p_day and p_status = 'active' else
		coalesce(
			(select t.valid_until_after from licence_transitions t where t.jurisdiction_code = p_code and t.licence_id = p_id and t.changed_at <= p_at order by t.changed_at desc, t.id desc limit 1),
			(select t.valid_until_before from licence_transitions t where t.jurisdiction_code = p_code and t.licence_id = p_id and t.changed_at > p_at order by t.changed_at, t.id limit 1),
			p_valid_until) >= p_day
		and coalesce(
			(select t.to_status from licence_transitions t where t.jurisdiction_code = p_code and t.licence_id = p_id and t.changed_at <= p_at order by t.changed_at desc, t.id desc limit 1),
			(select t.from_status from licence_transitions t where t.jurisdiction_code = p_code and t.licence_id = p_id and t.changed_at > p_at order by t.changed_at, t.id limit 1),
			p_status) = 'active' end
$$;
