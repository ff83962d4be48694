-- Identifiers compare byte by byte: an order id, a plate, a driver's keyed hash are names, not
-- words, and have no linguistic order. Under the database's own collation (C.UTF-8 here,
-- en_US.UTF-8 on many servers) every comparison of them went through strcoll, and judging one
-- order compares them some two hundred times (each descent of a primary key, a licence index, an
-- order's known id); and a list paged by order id was in the server's locale's order, which on an
-- en_US server is not PGlite's (its collation is C). With "C" it is memcmp, and the same everywhere.
-- Changing a text column's collation rewrites no table, only the indexes that hold the column.
ALTER TABLE "orders" ALTER COLUMN "order_id" TYPE text COLLATE "C", ALTER COLUMN "driver_id_hash" TYPE text COLLATE "C", ALTER COLUMN "plate" TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "order_complaints" ALTER COLUMN "order_id" TYPE text COLLATE "C";--> statement-breakpoint
ALTER TABLE "licences" ALTER COLUMN "plate" TYPE text COLLATE "C", ALTER COLUMN "driver_id_hash" TYPE text COLLATE "C";
