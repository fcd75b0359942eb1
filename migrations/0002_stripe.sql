CREATE TABLE "payment_refund" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" bigint NOT NULL,
	"transaction_id" text NOT NULL,
	"provider" text NOT NULL,
	"provider_refund_id" text,
	"origin" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"reason" text,
	"last_error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_refund_state_check" CHECK ("payment_refund"."state" in ('pending', 'succeeded', 'failed')),
	CONSTRAINT "payment_refund_origin_check" CHECK ("payment_refund"."origin" in ('admin', 'auto', 'external')),
	CONSTRAINT "payment_refund_amount_check" CHECK ("payment_refund"."amount" > 0),
	CONSTRAINT "payment_refund_currency_check" CHECK ("payment_refund"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "stripe_attempt" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"attempt" integer NOT NULL,
	"idempotency_key" text NOT NULL,
	"status" text DEFAULT 'creating' NOT NULL,
	"session_id" text,
	"payment_intent_id" text,
	"url" text,
	"expires_at" timestamp with time zone,
	"last_error" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stripe_attempt_status_check" CHECK ("stripe_attempt"."status" in ('creating', 'open', 'complete', 'expired', 'failed')),
	CONSTRAINT "stripe_attempt_kind_check" CHECK ("stripe_attempt"."kind" in ('checkout', 'payment_intent'))
);
--> statement-breakpoint
ALTER TABLE "payment_refund" ADD CONSTRAINT "payment_refund_order_id_shop_order_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."shop_order"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "stripe_attempt" ADD CONSTRAINT "stripe_attempt_order_id_shop_order_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."shop_order"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "payment_refund_provider_id_key" ON "payment_refund" USING btree ("provider","provider_refund_id");--> statement-breakpoint
CREATE INDEX "payment_refund_order_idx" ON "payment_refund" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "payment_refund_pending_idx" ON "payment_refund" USING btree ("provider","created_at") WHERE "payment_refund"."state" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "stripe_attempt_order_kind_attempt_key" ON "stripe_attempt" USING btree ("order_id","kind","attempt");--> statement-breakpoint
CREATE UNIQUE INDEX "stripe_attempt_session_key" ON "stripe_attempt" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "stripe_attempt_payment_intent_idx" ON "stripe_attempt" USING btree ("payment_intent_id");--> statement-breakpoint
CREATE INDEX "stripe_attempt_live_idx" ON "stripe_attempt" USING btree ("order_id") WHERE "stripe_attempt"."status" in ('creating', 'open');