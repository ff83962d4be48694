CREATE TABLE "import_errors" (
	"import_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"code" text NOT NULL,
	"errors" jsonb NOT NULL,
	CONSTRAINT "import_errors_pkey" PRIMARY KEY("import_id","line")
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"id" uuid PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"key_id" uuid,
	"agency_id" uuid,
	"enterprise_id" uuid,
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
	CONSTRAINT "imports_status_known" CHECK (status in ('receiving', 'completed', 'interrupted')),
	CONSTRAINT "imports_kind_known" CHECK (kind in ('licences'))
);
--> statement-breakpoint
ALTER TABLE "import_errors" ADD CONSTRAINT "import_errors_import_id_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."imports"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "imports_key_unique" ON "imports" USING btree ("key_id","kind","idempotency_key");--> statement-breakpoint
CREATE INDEX "imports_agency_idx" ON "imports" USING btree ("kind","agency_id","id");--> statement-breakpoint
CREATE INDEX "imports_enterprise_idx" ON "imports" USING btree ("kind","enterprise_id","id") WHERE "imports"."enterprise_id" is not null;--> statement-breakpoint
-- The licence register's imports become imports of kind 'licences', with their refused lines.
INSERT INTO "imports" ("id", "kind", "key_id", "agency_id", "idempotency_key", "body_hash", "committed_bytes", "committed_lines", "committed_digest", "status", "attempts", "lines", "applied", "rejected", "started_at", "updated_at", "finished_at")
SELECT "id", 'licences', "key_id", "agency_id", "idempotency_key", "body_hash", "committed_bytes", "committed_lines", "committed_digest", "status", "attempts", "lines", "applied", "rejected", "started_at", "updated_at", "finished_at" FROM "licence_imports";--> statement-breakpoint
INSERT INTO "import_errors" ("import_id", "line", "code", "errors") SELECT "import_id", "line", "code", "errors" FROM "licence_import_errors";--> statement-breakpoint
DROP TABLE "licence_import_errors" CASCADE;--> statement-breakpoint
DROP TABLE "licence_imports" CASCADE;
