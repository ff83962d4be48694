-- The new indexes are built first: building takes a lock that lets the register be read (not
-- written); the old ones are dropped last, so the lock that stops reads is held only from there
-- to the commit.
CREATE INDEX "licences_plate_id_idx" ON "licences" USING btree ("plate","id") WHERE "licences"."plate" is not null;--> statement-breakpoint
CREATE INDEX "licences_driver_id_idx" ON "licences" USING btree ("driver_id_hash","id") WHERE "licences"."driver_id_hash" is not null;--> statement-breakpoint
DROP INDEX "licences_plate_idx";--> statement-breakpoint
DROP INDEX "licences_driver_idx";--> statement-breakpoint
-- The primary key (enterprise_id, order_id, matched_at) already finds an order id whatever its
-- match time: a second index of its first two columns only cost every insert.
DROP INDEX "orders_order_idx";
