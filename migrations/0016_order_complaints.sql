-- Passengers' complaints about a platform's orders (the national ratedPassengerComplaint), counted
-- per platform, city and day. Only what the count needs is kept: the order, when, whether handled;
-- never the complaint's text, which may name the passenger.
CREATE TABLE "order_complaints" (
	"enterprise_id" uuid NOT NULL REFERENCES "enterprises"("id"),
	"order_id" text NOT NULL,
	"complained_at" timestamptz NOT NULL,
	"city_code" char(6) NOT NULL REFERENCES "jurisdictions"("code"),
	-- The day of the complaint in the city: the day and month it counts in.
	"complaint_day" date NOT NULL,
	"resolved" boolean NOT NULL DEFAULT false,
	"import_id" uuid,
	"import_line" integer,
	"created_at" timestamptz NOT NULL DEFAULT now(),
	"updated_at" timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT "order_complaints_pkey" PRIMARY KEY ("enterprise_id", "order_id", "complained_at")
);--> statement-breakpoint
CREATE INDEX "order_complaints_city_day_idx" ON "order_complaints" USING btree ("city_code", "complaint_day", "enterprise_id");--> statement-breakpoint
ALTER TABLE "order_compliance_daily" ADD COLUMN "complaints" integer DEFAULT 0 NOT NULL;
