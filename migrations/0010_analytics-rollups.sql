CREATE TABLE "analytics_customer_year" (
	"customer_telegram_id" bigint NOT NULL,
	"year" smallint NOT NULL,
	"sandbox" boolean NOT NULL,
	"active" bit(366) NOT NULL,
	"started" bit(366) NOT NULL,
	"catalog" bit(366) NOT NULL,
	"product" bit(366) NOT NULL,
	"checkout" bit(366) NOT NULL,
	"paid" bit(366) DEFAULT B'0'::bit(366) NOT NULL,
	CONSTRAINT "analytics_customer_year_pkey" PRIMARY KEY("year","sandbox","customer_telegram_id")
);
--> statement-breakpoint
CREATE TABLE "analytics_day_active" (
	"day" date NOT NULL,
	"sandbox" boolean NOT NULL,
	"customers" integer NOT NULL,
	CONSTRAINT "analytics_day_active_pkey" PRIMARY KEY("day","sandbox")
);

--> statement-breakpoint
-- Kept in step with analytics_customer_day by statement triggers (decision 0059): every writer
-- (the bot's batches, sandbox clear, a customer's erasure, a bulk load) keeps the rollups exact.
CREATE FUNCTION analytics_year_bits(d date, steps integer, mask integer) RETURNS bit(366) LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN mask = 0 OR steps & mask <> 0
    THEN set_bit(B'0'::bit(366), d - make_date(extract(year FROM d)::int, 1, 1), 1)
    ELSE B'0'::bit(366) END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_customer_day_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_customer_year AS t (customer_telegram_id, year, sandbox, active, started, catalog, product, checkout)
  SELECT a.customer_telegram_id, extract(year FROM a.day)::smallint, a.sandbox,
         bit_or(analytics_year_bits(a.day, a.steps, 0)), bit_or(analytics_year_bits(a.day, a.steps, 1)), bit_or(analytics_year_bits(a.day, a.steps, 2)),
         bit_or(analytics_year_bits(a.day, a.steps, 4)), bit_or(analytics_year_bits(a.day, a.steps, 8))
  FROM added a GROUP BY 1, 2, 3
  ON CONFLICT (year, sandbox, customer_telegram_id) DO UPDATE SET active = t.active | excluded.active, started = t.started | excluded.started,
    catalog = t.catalog | excluded.catalog, product = t.product | excluded.product, checkout = t.checkout | excluded.checkout;
  INSERT INTO analytics_day_active AS t (day, sandbox, customers)
  SELECT a.day, a.sandbox, count(*) FROM added a GROUP BY 1, 2
  ON CONFLICT (day, sandbox) DO UPDATE SET customers = t.customers + excluded.customers;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- an update or a delete rebuilds the day bits of the customer-years it touched from
-- analytics_customer_day (the paid bits, the analytics job's, stay)
CREATE FUNCTION analytics_customer_year_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE analytics_customer_year t SET active = B'0'::bit(366), started = B'0'::bit(366), catalog = B'0'::bit(366), product = B'0'::bit(366), checkout = B'0'::bit(366)
  FROM analytics_touched k WHERE t.customer_telegram_id = k.customer_telegram_id AND t.year = k.year AND t.sandbox = k.sandbox;
  INSERT INTO analytics_customer_year AS t (customer_telegram_id, year, sandbox, active, started, catalog, product, checkout)
  SELECT d.customer_telegram_id, k.year, d.sandbox,
         bit_or(analytics_year_bits(d.day, d.steps, 0)), bit_or(analytics_year_bits(d.day, d.steps, 1)), bit_or(analytics_year_bits(d.day, d.steps, 2)),
         bit_or(analytics_year_bits(d.day, d.steps, 4)), bit_or(analytics_year_bits(d.day, d.steps, 8))
  FROM analytics_touched k JOIN analytics_customer_day d ON d.customer_telegram_id = k.customer_telegram_id AND d.sandbox = k.sandbox
    AND d.day >= make_date(k.year, 1, 1) AND d.day < make_date(k.year + 1, 1, 1)
  GROUP BY 1, 2, 3
  ON CONFLICT (year, sandbox, customer_telegram_id) DO UPDATE SET active = excluded.active, started = excluded.started,
    catalog = excluded.catalog, product = excluded.product, checkout = excluded.checkout;
  DELETE FROM analytics_customer_year t USING analytics_touched k
  WHERE t.customer_telegram_id = k.customer_telegram_id AND t.year = k.year AND t.sandbox = k.sandbox
    AND t.active = B'0'::bit(366) AND t.paid = B'0'::bit(366);
  DROP TABLE analytics_touched;
END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_customer_day_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_day_active AS t (day, sandbox, customers)
  SELECT day, sandbox, sum(n) FROM (SELECT day, sandbox, 1 AS n FROM added UNION ALL SELECT day, sandbox, -1 FROM removed) c GROUP BY 1, 2
  ON CONFLICT (day, sandbox) DO UPDATE SET customers = t.customers + excluded.customers;
  -- a steps-only change (the bot's batches): the bits only grow
  IF NOT EXISTS (SELECT 1 FROM removed r LEFT JOIN added a ON a.customer_telegram_id = r.customer_telegram_id AND a.day = r.day AND a.sandbox = r.sandbox AND a.steps & r.steps = r.steps WHERE a.day IS NULL) THEN
    UPDATE analytics_customer_year t SET started = t.started | u.started, catalog = t.catalog | u.catalog, product = t.product | u.product, checkout = t.checkout | u.checkout
    FROM (SELECT a.customer_telegram_id, extract(year FROM a.day)::smallint AS year, a.sandbox,
                 bit_or(analytics_year_bits(a.day, a.steps, 1)) AS started, bit_or(analytics_year_bits(a.day, a.steps, 2)) AS catalog,
                 bit_or(analytics_year_bits(a.day, a.steps, 4)) AS product, bit_or(analytics_year_bits(a.day, a.steps, 8)) AS checkout
          FROM added a GROUP BY 1, 2, 3) u
    WHERE t.customer_telegram_id = u.customer_telegram_id AND t.year = u.year AND t.sandbox = u.sandbox;
    RETURN NULL;
  END IF;
  CREATE TEMP TABLE analytics_touched ON COMMIT DROP AS
    SELECT DISTINCT customer_telegram_id, extract(year FROM day)::int AS year, sandbox FROM (SELECT * FROM added UNION ALL SELECT * FROM removed) c;
  PERFORM analytics_customer_year_rebuild();
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_customer_day_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE analytics_day_active t SET customers = t.customers - c.n
  FROM (SELECT day, sandbox, count(*) AS n FROM removed GROUP BY 1, 2) c WHERE t.day = c.day AND t.sandbox = c.sandbox;
  DELETE FROM analytics_day_active WHERE customers <= 0;
  CREATE TEMP TABLE analytics_touched ON COMMIT DROP AS
    SELECT DISTINCT customer_telegram_id, extract(year FROM day)::int AS year, sandbox FROM removed;
  PERFORM analytics_customer_year_rebuild();
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER analytics_customer_day_insert AFTER INSERT ON analytics_customer_day REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION analytics_customer_day_added();
--> statement-breakpoint
CREATE TRIGGER analytics_customer_day_update AFTER UPDATE ON analytics_customer_day REFERENCING OLD TABLE AS removed NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION analytics_customer_day_changed();
--> statement-breakpoint
CREATE TRIGGER analytics_customer_day_delete AFTER DELETE ON analytics_customer_day REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION analytics_customer_day_removed();
--> statement-breakpoint
-- the rows written before this migration
INSERT INTO analytics_customer_year (customer_telegram_id, year, sandbox, active, started, catalog, product, checkout)
SELECT d.customer_telegram_id, extract(year FROM d.day)::smallint, d.sandbox,
       bit_or(analytics_year_bits(d.day, d.steps, 0)), bit_or(analytics_year_bits(d.day, d.steps, 1)), bit_or(analytics_year_bits(d.day, d.steps, 2)),
       bit_or(analytics_year_bits(d.day, d.steps, 4)), bit_or(analytics_year_bits(d.day, d.steps, 8))
FROM analytics_customer_day d GROUP BY 1, 2, 3;
--> statement-breakpoint
INSERT INTO analytics_day_active (day, sandbox, customers) SELECT day, sandbox, count(*) FROM analytics_customer_day GROUP BY 1, 2;
