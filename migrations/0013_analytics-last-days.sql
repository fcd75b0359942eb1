CREATE TABLE "analytics_customer_last" (
	"customer_telegram_id" bigint NOT NULL,
	"sandbox" boolean NOT NULL,
	"active" date,
	"started" date,
	"catalog" date,
	"product" date,
	"checkout" date,
	"paid" date,
	CONSTRAINT "analytics_customer_last_pkey" PRIMARY KEY("sandbox","customer_telegram_id")
);

--> statement-breakpoint
-- Kept in step with analytics_customer_day by statement triggers of its own (decision 0072), as
-- analytics_customer_year is (migration analytics-rollups): inserts and step-only growth move the
-- last days forward; any other update or a delete rebuilds the touched customers from
-- analytics_customer_day (the paid day, the analytics job's, stays).
CREATE FUNCTION analytics_customer_last_grow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_customer_last AS t (customer_telegram_id, sandbox, active, started, catalog, product, checkout)
  SELECT a.customer_telegram_id, a.sandbox, max(a.day), max(a.day) FILTER (WHERE a.steps & 1 <> 0), max(a.day) FILTER (WHERE a.steps & 2 <> 0),
         max(a.day) FILTER (WHERE a.steps & 4 <> 0), max(a.day) FILTER (WHERE a.steps & 8 <> 0)
  FROM added a GROUP BY 1, 2
  ON CONFLICT (sandbox, customer_telegram_id) DO UPDATE SET active = greatest(t.active, excluded.active), started = greatest(t.started, excluded.started),
    catalog = greatest(t.catalog, excluded.catalog), product = greatest(t.product, excluded.product), checkout = greatest(t.checkout, excluded.checkout);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_customer_last_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- a steps-only change (the bot's batches): the last days only move forward
  IF NOT EXISTS (SELECT 1 FROM removed r LEFT JOIN added a ON a.customer_telegram_id = r.customer_telegram_id AND a.day = r.day AND a.sandbox = r.sandbox AND a.steps & r.steps = r.steps WHERE a.day IS NULL) THEN
    INSERT INTO analytics_customer_last AS t (customer_telegram_id, sandbox, active, started, catalog, product, checkout)
    SELECT a.customer_telegram_id, a.sandbox, max(a.day), max(a.day) FILTER (WHERE a.steps & 1 <> 0), max(a.day) FILTER (WHERE a.steps & 2 <> 0),
           max(a.day) FILTER (WHERE a.steps & 4 <> 0), max(a.day) FILTER (WHERE a.steps & 8 <> 0)
    FROM added a GROUP BY 1, 2
    ON CONFLICT (sandbox, customer_telegram_id) DO UPDATE SET active = greatest(t.active, excluded.active), started = greatest(t.started, excluded.started),
      catalog = greatest(t.catalog, excluded.catalog), product = greatest(t.product, excluded.product), checkout = greatest(t.checkout, excluded.checkout);
    RETURN NULL;
  END IF;
  CREATE TEMP TABLE analytics_last_touched ON COMMIT DROP AS
    SELECT DISTINCT customer_telegram_id, sandbox FROM (SELECT customer_telegram_id, sandbox FROM added UNION ALL SELECT customer_telegram_id, sandbox FROM removed) c;
  PERFORM analytics_customer_last_rebuild();
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_customer_last_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE analytics_customer_last t SET active = NULL, started = NULL, catalog = NULL, product = NULL, checkout = NULL
  FROM analytics_last_touched k WHERE t.customer_telegram_id = k.customer_telegram_id AND t.sandbox = k.sandbox;
  INSERT INTO analytics_customer_last AS t (customer_telegram_id, sandbox, active, started, catalog, product, checkout)
  SELECT d.customer_telegram_id, d.sandbox, max(d.day), max(d.day) FILTER (WHERE d.steps & 1 <> 0), max(d.day) FILTER (WHERE d.steps & 2 <> 0),
         max(d.day) FILTER (WHERE d.steps & 4 <> 0), max(d.day) FILTER (WHERE d.steps & 8 <> 0)
  FROM analytics_last_touched k JOIN analytics_customer_day d ON d.customer_telegram_id = k.customer_telegram_id AND d.sandbox = k.sandbox
  GROUP BY 1, 2
  ON CONFLICT (sandbox, customer_telegram_id) DO UPDATE SET active = excluded.active, started = excluded.started,
    catalog = excluded.catalog, product = excluded.product, checkout = excluded.checkout;
  DELETE FROM analytics_customer_last t USING analytics_last_touched k
  WHERE t.customer_telegram_id = k.customer_telegram_id AND t.sandbox = k.sandbox AND t.active IS NULL AND t.paid IS NULL;
  DROP TABLE analytics_last_touched;
END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_customer_last_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  CREATE TEMP TABLE analytics_last_touched ON COMMIT DROP AS SELECT DISTINCT customer_telegram_id, sandbox FROM removed;
  PERFORM analytics_customer_last_rebuild();
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER analytics_customer_last_insert AFTER INSERT ON analytics_customer_day REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION analytics_customer_last_grow();
--> statement-breakpoint
CREATE TRIGGER analytics_customer_last_update AFTER UPDATE ON analytics_customer_day REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION analytics_customer_last_changed();
--> statement-breakpoint
CREATE TRIGGER analytics_customer_last_delete AFTER DELETE ON analytics_customer_day REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION analytics_customer_last_removed();
--> statement-breakpoint
-- the rows written before this migration: the days from analytics_customer_day, the last paid day
-- from the paid bits the analytics job wrote (the last set bit of the latest year that has one)
INSERT INTO analytics_customer_last (customer_telegram_id, sandbox, active, started, catalog, product, checkout)
SELECT d.customer_telegram_id, d.sandbox, max(d.day), max(d.day) FILTER (WHERE d.steps & 1 <> 0), max(d.day) FILTER (WHERE d.steps & 2 <> 0),
       max(d.day) FILTER (WHERE d.steps & 4 <> 0), max(d.day) FILTER (WHERE d.steps & 8 <> 0)
FROM analytics_customer_day d GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO analytics_customer_last AS t (customer_telegram_id, sandbox, paid)
SELECT DISTINCT ON (y.customer_telegram_id, y.sandbox) y.customer_telegram_id, y.sandbox, make_date(y.year, 1, 1) + length(rtrim(y.paid::text, '0')) - 1
FROM analytics_customer_year y WHERE y.paid <> B'0'::bit(366) ORDER BY y.customer_telegram_id, y.sandbox, y.year DESC
ON CONFLICT (sandbox, customer_telegram_id) DO UPDATE SET paid = excluded.paid;
