ALTER TABLE "payment_transaction" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
ALTER TABLE "payment_transaction" ADD COLUMN "payme_time" bigint;--> statement-breakpoint
ALTER TABLE "payment_transaction" ADD COLUMN "fiscal_perform" jsonb;--> statement-breakpoint
ALTER TABLE "payment_transaction" ADD COLUMN "fiscal_cancel" jsonb;--> statement-breakpoint
ALTER TABLE "payment_transaction" ADD COLUMN "click_paydoc_id" text;--> statement-breakpoint
ALTER TABLE "payment_transaction" ADD COLUMN "raw_amount" text;--> statement-breakpoint
ALTER TABLE "payment_transaction" ADD COLUMN "cancelled_after_confirm_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_transaction_seq_key" ON "payment_transaction" USING btree ("seq");--> statement-breakpoint
CREATE UNIQUE INDEX "payment_transaction_payme_live_key" ON "payment_transaction" USING btree ("order_id") WHERE "payment_transaction"."provider" = 'payme' and "payment_transaction"."provider_state" in (1, 2);--> statement-breakpoint
CREATE INDEX "payment_transaction_payme_time_idx" ON "payment_transaction" USING btree ("provider","payme_time");