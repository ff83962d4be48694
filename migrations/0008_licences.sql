CREATE TABLE "licence_import_errors" (
	"import_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"code" text NOT NULL,
	"errors" jsonb NOT NULL,
	CONSTRAINT "licence_import_errors_pkey" PRIMARY KEY("import_id","line")
);
--> statement-breakpoint
CREATE TABLE "licence_imports" (
	"id" uuid PRIMARY KEY NOT NULL,
	"key_id" uuid,
	"agency_id" uuid,
	"idempotency_key" text,
	"body_hash" text,
	"committed_bytes" bigint DEFAULT 0 NOT NULL,
	"committed_lines" integer DEFAULT 0 NOT NULL,
	"committed_digest" text,
	"status" text DEFAULT 'receiving' NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"lines" integer DEFAULT 0 NOT NULL,
	"applied" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "licence_imports_status_known" CHECK (status in ('receiving', 'completed', 'interrupted'))
);
--> statement-breakpoint
CREATE TABLE "licence_transitions" (
	"jurisdiction_code" char(6) NOT NULL,
	"id" uuid NOT NULL,
	"licence_id" uuid NOT NULL,
	"action" text NOT NULL,
	"from_status" text NOT NULL,
	"to_status" text NOT NULL,
	"valid_until_before" date NOT NULL,
	"valid_until_after" date NOT NULL,
	"reason" text NOT NULL,
	"licence_version" integer NOT NULL,
	"by_key_id" uuid,
	"by_agency_id" uuid,
	"request_id" text,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "licence_transitions_pkey" PRIMARY KEY("jurisdiction_code","id"),
	CONSTRAINT "licence_transitions_action_known" CHECK (action in ('suspend', 'reinstate', 'revoke', 'renew'))
);
--> statement-breakpoint
CREATE TABLE "licences" (
	"jurisdiction_code" char(6) NOT NULL,
	"id" uuid NOT NULL,
	"type" text NOT NULL,
	"number" text NOT NULL,
	"issuing_agency_id" uuid NOT NULL,
	"enterprise_id" uuid,
	"valid_from" date NOT NULL,
	"valid_until" date NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"plate" text,
	"plate_colour" text,
	"vin" char(17),
	"driver_id_hash" text,
	"driver_id_masked" text,
	"version" integer DEFAULT 1 NOT NULL,
	"issued_by_key_id" uuid,
	"import_id" uuid,
	"import_line" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "licences_pkey" PRIMARY KEY("jurisdiction_code","id"),
	CONSTRAINT "licences_type_known" CHECK (type in ('platform_permit', 'vehicle_certificate', 'driver_certificate', 'car_share_filing')),
	CONSTRAINT "licences_status_known" CHECK (status in ('active', 'suspended', 'revoked')),
	CONSTRAINT "licences_plate_colour_known" CHECK (plate_colour is null or plate_colour in ('blue', 'yellow', 'black', 'white', 'green', 'yellow_green', 'other')),
	CONSTRAINT "licences_validity_order" CHECK ("licences"."valid_until" >= "licences"."valid_from"),
	CONSTRAINT "licences_holder_fields" CHECK (case "licences"."type"
    when 'vehicle_certificate' then "licences"."plate" is not null and "licences"."plate_colour" is not null and "licences"."vin" is not null and "licences"."driver_id_hash" is null
    when 'driver_certificate' then "licences"."driver_id_hash" is not null and "licences"."driver_id_masked" is not null and "licences"."plate" is null
    else "licences"."enterprise_id" is not null and "licences"."plate" is null and "licences"."driver_id_hash" is null end)
);
--> statement-breakpoint
ALTER TABLE "licence_import_errors" ADD CONSTRAINT "licence_import_errors_import_id_licence_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."licence_imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licence_transitions" ADD CONSTRAINT "licence_transitions_licence_fk" FOREIGN KEY ("jurisdiction_code","licence_id") REFERENCES "public"."licences"("jurisdiction_code","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licences" ADD CONSTRAINT "licences_jurisdiction_code_jurisdictions_code_fk" FOREIGN KEY ("jurisdiction_code") REFERENCES "public"."jurisdictions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licences" ADD CONSTRAINT "licences_issuing_agency_id_agencies_id_fk" FOREIGN KEY ("issuing_agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licences" ADD CONSTRAINT "licences_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "licence_imports_key_unique" ON "licence_imports" USING btree ("key_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "licence_imports_agency_idx" ON "licence_imports" USING btree ("agency_id","id");--> statement-breakpoint
CREATE INDEX "licence_transitions_licence_idx" ON "licence_transitions" USING btree ("jurisdiction_code","licence_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "licences_number_unique" ON "licences" USING btree ("jurisdiction_code","type","number");--> statement-breakpoint
CREATE INDEX "licences_id_idx" ON "licences" USING btree ("id");--> statement-breakpoint
CREATE INDEX "licences_number_idx" ON "licences" USING btree ("number");--> statement-breakpoint
CREATE INDEX "licences_plate_idx" ON "licences" USING btree ("plate") WHERE "licences"."plate" is not null;--> statement-breakpoint
CREATE INDEX "licences_driver_idx" ON "licences" USING btree ("driver_id_hash") WHERE "licences"."driver_id_hash" is not null;--> statement-breakpoint
CREATE INDEX "licences_enterprise_idx" ON "licences" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "licences_valid_until_idx" ON "licences" USING btree ("valid_until");--> statement-breakpoint
CREATE INDEX "licences_not_active_idx" ON "licences" USING btree ("jurisdiction_code","status","id") WHERE "licences"."status" <> 'active';