CREATE TABLE "analytics_ledger_day" (
	"day" date PRIMARY KEY NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics_product_day" (
	"day" date NOT NULL,
	"sandbox" boolean NOT NULL,
	"product_id" text NOT NULL,
	"currency" text NOT NULL,
	"lines" integer NOT NULL,
	"units" bigint NOT NULL,
	"revenue" bigint NOT NULL,
	"title" text,
	CONSTRAINT "analytics_product_day_pkey" PRIMARY KEY("day","sandbox","product_id","currency")
);
--> statement-breakpoint
CREATE TABLE "analytics_sales_day" (
	"day" date NOT NULL,
	"sandbox" boolean NOT NULL,
	"currency" text NOT NULL,
	"orders" integer NOT NULL,
	"gross" bigint NOT NULL,
	"refunded" bigint NOT NULL,
	CONSTRAINT "analytics_sales_day_pkey" PRIMARY KEY("day","sandbox","currency")
);
--> statement-breakpoint
CREATE INDEX "analytics_ledger_day_starts_idx" ON "analytics_ledger_day" USING btree ("starts_at");--> statement-breakpoint
-- Kept exact by row triggers on the ledger (decision 0063): a change to an order paid on a rolled
-- day (a refund made any later day, a state change to or from 'refunded', an erased sandbox
-- order) moves its old contribution out of that day and its new one in, in the same transaction.
-- The analytics job rolls a day under an exclusive advisory lock; the triggers take it shared, so
-- a change is either seen by the job's sums or applied by the trigger to the new day row.
CREATE FUNCTION analytics_ledger_day_of(paid timestamptz) RETURNS date LANGUAGE plpgsql AS $$
DECLARE d date;
BEGIN
  PERFORM pg_advisory_xact_lock_shared(hashtext('bozor:analytics-ledger'));
  SELECT l.day INTO d FROM analytics_ledger_day l WHERE l.starts_at <= paid AND l.ends_at > paid ORDER BY l.starts_at DESC LIMIT 1;
  RETURN d;
END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_ledger_items(d date, o shop_order, item_order bigint, product text, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO analytics_product_day AS t (day, sandbox, product_id, currency, lines, units, revenue, title)
  SELECT d, o.sandbox, i.product_id, i.currency, sign * count(*), sign * sum(i.quantity), sign * sum(i.quantity::bigint * i.unit_amount), min(i.title->>'en')
  FROM order_item i WHERE i.order_id = item_order AND (product IS NULL OR i.product_id = product) GROUP BY i.product_id, i.currency
  ON CONFLICT (day, sandbox, product_id, currency) DO UPDATE SET lines = t.lines + excluded.lines, units = t.units + excluded.units,
    revenue = t.revenue + excluded.revenue, title = least(t.title, excluded.title);
END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_ledger_order(o shop_order, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE d date;
BEGIN
  IF o.paid_at IS NULL THEN RETURN; END IF;
  d := analytics_ledger_day_of(o.paid_at);
  IF d IS NULL THEN RETURN; END IF;
  INSERT INTO analytics_sales_day AS t (day, sandbox, currency, orders, gross, refunded)
  VALUES (d, o.sandbox, o.currency, sign, sign * o.total_amount, sign * o.refunded_amount)
  ON CONFLICT (day, sandbox, currency) DO UPDATE SET orders = t.orders + excluded.orders, gross = t.gross + excluded.gross, refunded = t.refunded + excluded.refunded;
  IF o.state <> 'refunded' THEN PERFORM analytics_ledger_items(d, o, o.id, NULL, sign); END IF;
END
$$;
--> statement-breakpoint
CREATE FUNCTION analytics_shop_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM analytics_ledger_order(OLD, -1); END IF;
  IF TG_OP <> 'DELETE' THEN PERFORM analytics_ledger_order(NEW, 1); RETURN NEW; END IF;
  RETURN OLD;
END
$$;
--> statement-breakpoint
-- an item row of an order paid on a rolled day (the order read as it is now; in a cascade from
-- the order's delete it is gone already and the order's own trigger, BEFORE DELETE, counted it)
CREATE FUNCTION analytics_order_item_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE o shop_order; d date;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    SELECT * INTO o FROM shop_order WHERE id = OLD.order_id;
    IF FOUND AND o.paid_at IS NOT NULL AND o.state <> 'refunded' THEN
      d := analytics_ledger_day_of(o.paid_at);
      IF d IS NOT NULL THEN
        INSERT INTO analytics_product_day AS t (day, sandbox, product_id, currency, lines, units, revenue, title)
        VALUES (d, o.sandbox, OLD.product_id, OLD.currency, -1, -OLD.quantity, -(OLD.quantity::bigint * OLD.unit_amount), OLD.title->>'en')
        ON CONFLICT (day, sandbox, product_id, currency) DO UPDATE SET lines = t.lines + excluded.lines, units = t.units + excluded.units, revenue = t.revenue + excluded.revenue;
      END IF;
    END IF;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    SELECT * INTO o FROM shop_order WHERE id = NEW.order_id;
    IF FOUND AND o.paid_at IS NOT NULL AND o.state <> 'refunded' THEN
      d := analytics_ledger_day_of(o.paid_at);
      IF d IS NOT NULL THEN PERFORM analytics_ledger_items(d, o, NEW.order_id, NEW.product_id, 1); END IF;
    END IF;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER analytics_shop_order_insert AFTER INSERT ON shop_order FOR EACH ROW WHEN (NEW.paid_at IS NOT NULL) EXECUTE FUNCTION analytics_shop_order_changed();
--> statement-breakpoint
CREATE TRIGGER analytics_shop_order_update AFTER UPDATE ON shop_order FOR EACH ROW
  WHEN (OLD.paid_at IS DISTINCT FROM NEW.paid_at OR (OLD.state = 'refunded') <> (NEW.state = 'refunded') OR OLD.total_amount <> NEW.total_amount
        OR OLD.refunded_amount <> NEW.refunded_amount OR OLD.currency <> NEW.currency OR OLD.sandbox <> NEW.sandbox)
  EXECUTE FUNCTION analytics_shop_order_changed();
--> statement-breakpoint
CREATE TRIGGER analytics_shop_order_delete BEFORE DELETE ON shop_order FOR EACH ROW WHEN (OLD.paid_at IS NOT NULL) EXECUTE FUNCTION analytics_shop_order_changed();
--> statement-breakpoint
CREATE TRIGGER analytics_order_item_change AFTER INSERT OR UPDATE OR DELETE ON order_item FOR EACH ROW EXECUTE FUNCTION analytics_order_item_changed();
