CREATE TABLE "roster_changes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"entry_type" text NOT NULL,
	"entry_id" uuid NOT NULL,
	"action" text NOT NULL,
	"entry" jsonb NOT NULL,
	"import_id" uuid,
	"import_line" integer,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roster_changes_entry_type_known" CHECK (entry_type in ('vehicle', 'driver')),
	CONSTRAINT "roster_changes_action_known" CHECK (action in ('added', 'updated', 'removed'))
);
--> statement-breakpoint
CREATE TABLE "roster_drivers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"enterprise_id" uuid NOT NULL,
	"jurisdiction_code" char(6) NOT NULL,
	"driver_id_hash" text NOT NULL,
	"driver_id_masked" text NOT NULL,
	"certificate_number" text NOT NULL,
	"service_from" date NOT NULL,
	"service_until" date,
	"removed_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"import_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roster_drivers_service_order" CHECK ("roster_drivers"."service_until" is null or "roster_drivers"."service_until" >= "roster_drivers"."service_from")
);
--> statement-breakpoint
CREATE TABLE "roster_vehicles" (
	"id" uuid PRIMARY KEY NOT NULL,
	"enterprise_id" uuid NOT NULL,
	"jurisdiction_code" char(6) NOT NULL,
	"plate" text NOT NULL,
	"plate_colour" text NOT NULL,
	"vin" char(17) NOT NULL,
	"certificate_number" text NOT NULL,
	"service_from" date NOT NULL,
	"service_until" date,
	"removed_at" timestamp with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"import_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "roster_vehicles_plate_colour_known" CHECK (plate_colour in ('blue', 'yellow', 'black', 'white', 'green', 'yellow_green', 'other')),
	CONSTRAINT "roster_vehicles_service_order" CHECK ("roster_vehicles"."service_until" is null or "roster_vehicles"."service_until" >= "roster_vehicles"."service_from")
);
--> statement-breakpoint
ALTER TABLE "imports" DROP CONSTRAINT "imports_kind_known";--> statement-breakpoint
ALTER TABLE "roster_drivers" ADD CONSTRAINT "roster_drivers_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roster_drivers" ADD CONSTRAINT "roster_drivers_jurisdiction_code_jurisdictions_code_fk" FOREIGN KEY ("jurisdiction_code") REFERENCES "public"."jurisdictions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roster_vehicles" ADD CONSTRAINT "roster_vehicles_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roster_vehicles" ADD CONSTRAINT "roster_vehicles_jurisdiction_code_jurisdictions_code_fk" FOREIGN KEY ("jurisdiction_code") REFERENCES "public"."jurisdictions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "roster_changes_entry_idx" ON "roster_changes" USING btree ("entry_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "roster_drivers_current_unique" ON "roster_drivers" USING btree ("enterprise_id","jurisdiction_code","driver_id_hash") WHERE "roster_drivers"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "roster_drivers_city_idx" ON "roster_drivers" USING btree ("jurisdiction_code","enterprise_id","id");--> statement-breakpoint
CREATE INDEX "roster_drivers_enterprise_idx" ON "roster_drivers" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "roster_drivers_id_idx" ON "roster_drivers" USING btree ("driver_id_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "roster_vehicles_current_unique" ON "roster_vehicles" USING btree ("enterprise_id","jurisdiction_code","plate") WHERE "roster_vehicles"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "roster_vehicles_city_idx" ON "roster_vehicles" USING btree ("jurisdiction_code","enterprise_id","id");--> statement-breakpoint
CREATE INDEX "roster_vehicles_enterprise_idx" ON "roster_vehicles" USING btree ("enterprise_id","id");--> statement-breakpoint
CREATE INDEX "roster_vehicles_plate_idx" ON "roster_vehicles" USING btree ("plate");--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_kind_known" CHECK (kind in ('licences', 'roster'));