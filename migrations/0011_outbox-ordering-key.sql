ALTER TABLE "outbox" ADD COLUMN "ordering_key" text;--> statement-breakpoint
CREATE INDEX "outbox_key_pending_idx" ON "outbox" USING btree ("ordering_key","id") WHERE "outbox"."done_at" is null and "outbox"."ordering_key" is not null;--> statement-breakpoint
-- rows still to do at the upgrade get the key the writer now sets (decision 0062)
UPDATE "outbox" SET "ordering_key" = CASE
  WHEN jsonb_typeof("payload"->'telegramId') IN ('number', 'string') THEN 'chat:' || ("payload"->>'telegramId')
  WHEN jsonb_typeof("payload"->'chatId') IN ('number', 'string') THEN 'chat:' || ("payload"->>'chatId')
  WHEN "topic" = 'admin.notify' THEN 'admin'
  WHEN "payload"->>'orderId' ~ '^[0-9]{1,18}$' THEN (SELECT 'chat:' || "customer_telegram_id" FROM "shop_order" WHERE "shop_order"."id" = ("outbox"."payload"->>'orderId')::bigint)
END WHERE "done_at" IS NULL;
