DROP INDEX "licences_valid_until_idx";--> statement-breakpoint
CREATE INDEX "licences_valid_until_id_idx" ON "licences" USING btree ("valid_until","id");--> statement-breakpoint
CREATE INDEX "licences_import_idx" ON "licences" USING btree ("import_id","id") WHERE "licences"."import_id" is not null;