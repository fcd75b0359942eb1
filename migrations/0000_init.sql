CREATE SEQUENCE "public"."order_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1001 CACHE 1;--> statement-breakpoint
CREATE TABLE "customer" (
	"telegram_id" bigint PRIMARY KEY NOT NULL,
	"language" text DEFAULT 'en' NOT NULL,
	"username" text,
	"first_name" text,
	"blocked_at" timestamp with time zone,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"referral_source" text
);
--> statement-breakpoint
CREATE TABLE "support_thread" (
	"admin_message_id" bigint PRIMARY KEY NOT NULL,
	"customer_telegram_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "category" (
	"id" text PRIMARY KEY NOT NULL,
	"title" jsonb NOT NULL,
	"position" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "product" (
	"id" text PRIMARY KEY NOT NULL,
	"category_id" text,
	"title" jsonb NOT NULL,
	"description" jsonb,
	"price_amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"kind" text NOT NULL,
	"payload" text,
	"photo_url" text,
	"stock" integer,
	"reserved" integer DEFAULT 0 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"refundable" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "product_kind_check" CHECK ("product"."kind" in ('digital', 'physical')),
	CONSTRAINT "product_price_amount_check" CHECK ("product"."price_amount" >= 0),
	CONSTRAINT "product_currency_check" CHECK ("product"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "product_stock_check" CHECK ("product"."stock" is null or "product"."stock" >= 0),
	CONSTRAINT "product_reserved_check" CHECK ("product"."reserved" >= 0)
);
--> statement-breakpoint
CREATE TABLE "order_item" (
	"order_id" bigint NOT NULL,
	"product_id" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"title" jsonb NOT NULL,
	CONSTRAINT "order_item_pkey" PRIMARY KEY("order_id","product_id"),
	CONSTRAINT "order_item_quantity_check" CHECK ("order_item"."quantity" > 0),
	CONSTRAINT "order_item_unit_amount_check" CHECK ("order_item"."unit_amount" >= 0),
	CONSTRAINT "order_item_currency_check" CHECK ("order_item"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "order_transition" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"order_id" bigint NOT NULL,
	"from_state" text,
	"to_state" text NOT NULL,
	"reason" text,
	"actor" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shop_order" (
	"id" bigint PRIMARY KEY DEFAULT nextval('order_id_seq') NOT NULL,
	"customer_telegram_id" bigint NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"currency" text NOT NULL,
	"total_amount" bigint NOT NULL,
	"refunded_amount" bigint DEFAULT 0 NOT NULL,
	"flags" text[] DEFAULT '{}'::text[] NOT NULL,
	"provider" text,
	"contact" jsonb,
	"shipping_address" jsonb,
	"expires_at" timestamp with time zone NOT NULL,
	"paid_at" timestamp with time zone,
	"fulfilled_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"expired_at" timestamp with time zone,
	"refunded_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"version" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "shop_order_state_check" CHECK ("shop_order"."state" in ('pending', 'paid', 'fulfilled', 'cancelled', 'expired', 'refunded')),
	CONSTRAINT "shop_order_currency_check" CHECK ("shop_order"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "shop_order_total_amount_check" CHECK ("shop_order"."total_amount" >= 0),
	CONSTRAINT "shop_order_refunded_amount_check" CHECK ("shop_order"."refunded_amount" >= 0 and "shop_order"."refunded_amount" <= "shop_order"."total_amount")
);
--> statement-breakpoint
CREATE TABLE "payment_transaction" (
	"id" text PRIMARY KEY NOT NULL,
	"order_id" bigint NOT NULL,
	"provider" text NOT NULL,
	"provider_transaction_id" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"provider_state" integer,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"refunded_amount" bigint DEFAULT 0 NOT NULL,
	"reason" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"performed_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone,
	"provider_created_at" bigint,
	"raw" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payment_transaction_state_check" CHECK ("payment_transaction"."state" in ('pending', 'succeeded', 'failed', 'cancelled', 'refunded')),
	CONSTRAINT "payment_transaction_amount_check" CHECK ("payment_transaction"."amount" >= 0),
	CONSTRAINT "payment_transaction_refunded_amount_check" CHECK ("payment_transaction"."refunded_amount" >= 0 and "payment_transaction"."refunded_amount" <= "payment_transaction"."amount"),
	CONSTRAINT "payment_transaction_currency_check" CHECK ("payment_transaction"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "provider_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"provider" text NOT NULL,
	"direction" text NOT NULL,
	"endpoint" text NOT NULL,
	"order_id" bigint,
	"request" jsonb,
	"response" jsonb,
	"status" integer,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_audit_direction_check" CHECK ("provider_audit"."direction" in ('inbound', 'outbound'))
);
--> statement-breakpoint
CREATE TABLE "provider_event" (
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"payload" jsonb,
	"result" jsonb,
	CONSTRAINT "provider_event_pkey" PRIMARY KEY("provider","event_id")
);
--> statement-breakpoint
CREATE TABLE "admin_token" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "admin_token_scope_check" CHECK ("admin_token"."scope" in ('read', 'write'))
);
--> statement-breakpoint
CREATE TABLE "analytics_event" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"customer_telegram_id" bigint,
	"order_id" bigint,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "broadcast" (
	"id" text PRIMARY KEY NOT NULL,
	"text" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "broadcast_recipient" (
	"broadcast_id" text NOT NULL,
	"telegram_id" bigint NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"sent_at" timestamp with time zone,
	"error" text,
	CONSTRAINT "broadcast_recipient_pkey" PRIMARY KEY("broadcast_id","telegram_id")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"done_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "product" ADD CONSTRAINT "product_category_id_category_id_fk" FOREIGN KEY ("category_id") REFERENCES "public"."category"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_item" ADD CONSTRAINT "order_item_order_id_shop_order_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."shop_order"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_item" ADD CONSTRAINT "order_item_product_id_product_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."product"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_transition" ADD CONSTRAINT "order_transition_order_id_shop_order_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."shop_order"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payment_transaction" ADD CONSTRAINT "payment_transaction_order_id_shop_order_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."shop_order"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "broadcast_recipient" ADD CONSTRAINT "broadcast_recipient_broadcast_id_broadcast_id_fk" FOREIGN KEY ("broadcast_id") REFERENCES "public"."broadcast"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_last_seen_idx" ON "customer" USING btree ("last_seen_at");--> statement-breakpoint
CREATE INDEX "customer_first_seen_idx" ON "customer" USING btree ("first_seen_at");--> statement-breakpoint
CREATE INDEX "support_thread_customer_idx" ON "support_thread" USING btree ("customer_telegram_id");--> statement-breakpoint
CREATE INDEX "category_position_idx" ON "category" USING btree ("position","id");--> statement-breakpoint
CREATE INDEX "product_category_idx" ON "product" USING btree ("category_id");--> statement-breakpoint
CREATE INDEX "product_active_created_idx" ON "product" USING btree ("active","created_at","id");--> statement-breakpoint
CREATE INDEX "order_item_product_idx" ON "order_item" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "order_transition_order_idx" ON "order_transition" USING btree ("order_id","id");--> statement-breakpoint
CREATE INDEX "shop_order_customer_idx" ON "shop_order" USING btree ("customer_telegram_id","created_at");--> statement-breakpoint
CREATE INDEX "shop_order_created_idx" ON "shop_order" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "shop_order_paid_idx" ON "shop_order" USING btree ("paid_at");--> statement-breakpoint
CREATE INDEX "shop_order_pending_expires_idx" ON "shop_order" USING btree ("expires_at") WHERE "shop_order"."state" = 'pending';--> statement-breakpoint
CREATE UNIQUE INDEX "payment_transaction_provider_id_key" ON "payment_transaction" USING btree ("provider","provider_transaction_id");--> statement-breakpoint
CREATE INDEX "payment_transaction_order_idx" ON "payment_transaction" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "payment_transaction_provider_created_idx" ON "payment_transaction" USING btree ("provider","provider_created_at");--> statement-breakpoint
CREATE INDEX "provider_audit_at_idx" ON "provider_audit" USING btree ("at");--> statement-breakpoint
CREATE INDEX "provider_audit_order_idx" ON "provider_audit" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "provider_event_received_idx" ON "provider_event" USING btree ("received_at");--> statement-breakpoint
CREATE UNIQUE INDEX "admin_token_hash_key" ON "admin_token" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "analytics_event_name_at_idx" ON "analytics_event" USING btree ("name","at");--> statement-breakpoint
CREATE INDEX "analytics_event_customer_at_idx" ON "analytics_event" USING btree ("customer_telegram_id","at");--> statement-breakpoint
CREATE INDEX "analytics_event_at_idx" ON "analytics_event" USING btree ("at");--> statement-breakpoint
CREATE INDEX "broadcast_created_idx" ON "broadcast" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "broadcast_recipient_state_idx" ON "broadcast_recipient" USING btree ("broadcast_id","state");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("available_at","id") WHERE "outbox"."done_at" is null;