CREATE TABLE "jurisdictions" (
	"code" char(6) PRIMARY KEY NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"level" text NOT NULL,
	"parent_code" char(6),
	"effective_from" date,
	"effective_to" date,
	"successor_code" char(6),
	"time_zone" text DEFAULT 'Asia/Shanghai' NOT NULL,
	CONSTRAINT "jurisdictions_code_digits" CHECK ("jurisdictions"."code" ~ '^[0-9]{6}$'),
	CONSTRAINT "jurisdictions_level_known" CHECK ("jurisdictions"."level" in ('province', 'prefecture', 'district', 'county')),
	CONSTRAINT "jurisdictions_abolished_has_successor" CHECK (("jurisdictions"."effective_to" is null) = ("jurisdictions"."successor_code" is null))
);
--> statement-breakpoint
CREATE TABLE "agencies" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text,
	"kind" text NOT NULL,
	"jurisdiction_code" char(6) NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "agencies_kind_known" CHECK (kind in ('transport', 'market_regulation', 'cyberspace', 'development_reform', 'public_security', 'commerce', 'industry_information', 'human_resources', 'big_data', 'finance', 'taxation', 'urban_management', 'other'))
);
--> statement-breakpoint
CREATE TABLE "enterprise_status_changes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"enterprise_id" uuid NOT NULL,
	"from_status" text,
	"to_status" text NOT NULL,
	"reason" text NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "enterprises" (
	"id" uuid PRIMARY KEY NOT NULL,
	"uscc" char(18) NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text,
	"sectors" text[] NOT NULL,
	"jurisdiction_codes" text[] NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "enterprises_status_known" CHECK ("enterprises"."status" in ('active', 'suspended', 'exited')),
	CONSTRAINT "enterprises_sectors_known" CHECK ("enterprises"."sectors" <@ array['ride_hailing', 'bike_share', 'car_share']::text[] and cardinality("enterprises"."sectors") > 0),
	CONSTRAINT "enterprises_operates_somewhere" CHECK (cardinality("enterprises"."jurisdiction_codes") > 0)
);
--> statement-breakpoint
CREATE TABLE "idempotency_records" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer NOT NULL,
	"headers" jsonb NOT NULL,
	"body" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_records_scope_key_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "seed_runs" (
	"name" text PRIMARY KEY NOT NULL,
	"applied_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agencies" ADD CONSTRAINT "agencies_jurisdiction_code_jurisdictions_code_fk" FOREIGN KEY ("jurisdiction_code") REFERENCES "public"."jurisdictions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "enterprise_status_changes" ADD CONSTRAINT "enterprise_status_changes_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jurisdictions_parent_idx" ON "jurisdictions" USING btree ("parent_code");--> statement-breakpoint
CREATE UNIQUE INDEX "agencies_name_per_jurisdiction" ON "agencies" USING btree ("jurisdiction_code","name_zh");--> statement-breakpoint
CREATE INDEX "agencies_kind_idx" ON "agencies" USING btree ("kind","id");--> statement-breakpoint
CREATE INDEX "enterprise_status_changes_enterprise_idx" ON "enterprise_status_changes" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "enterprises_uscc_unique" ON "enterprises" USING btree ("uscc");--> statement-breakpoint
CREATE INDEX "enterprises_sectors_gin" ON "enterprises" USING gin ("sectors");--> statement-breakpoint
CREATE INDEX "enterprises_jurisdictions_gin" ON "enterprises" USING gin ("jurisdiction_codes");--> statement-breakpoint
CREATE INDEX "enterprises_status_idx" ON "enterprises" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "idempotency_records_expiry_idx" ON "idempotency_records" USING btree ("expires_at");