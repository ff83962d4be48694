CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"role" text NOT NULL,
	"agency_id" uuid,
	"enterprise_id" uuid,
	"label" text NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	CONSTRAINT "api_keys_role_known" CHECK ("api_keys"."role" in ('admin', 'regulator', 'platform')),
	CONSTRAINT "api_keys_holder_matches_role" CHECK (("api_keys"."role" = 'regulator') = ("api_keys"."agency_id" is not null) and ("api_keys"."role" = 'platform') = ("api_keys"."enterprise_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint NOT NULL,
	"jurisdiction_code" char(6) NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"actor_key_id" uuid,
	"actor_role" text NOT NULL,
	"actor_agency_id" uuid,
	"actor_enterprise_id" uuid,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"enterprise_id" uuid,
	"jurisdiction_codes" text[] NOT NULL,
	"request_id" text,
	"before" jsonb,
	"after" jsonb,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_events_jurisdiction_code_seq_pk" PRIMARY KEY("jurisdiction_code","seq")
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_agency_id_agencies_id_fk" FOREIGN KEY ("agency_id") REFERENCES "public"."agencies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_enterprise_id_enterprises_id_fk" FOREIGN KEY ("enterprise_id") REFERENCES "public"."enterprises"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_prefix_unique" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "api_keys_agency_idx" ON "api_keys" USING btree ("agency_id");--> statement-breakpoint
CREATE INDEX "api_keys_enterprise_idx" ON "api_keys" USING btree ("enterprise_id");--> statement-breakpoint
CREATE INDEX "audit_events_seq_idx" ON "audit_events" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "audit_events_entity_idx" ON "audit_events" USING btree ("entity_type","entity_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor_key_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_enterprise_idx" ON "audit_events" USING btree ("enterprise_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_jurisdictions_gin" ON "audit_events" USING gin ("jurisdiction_codes");