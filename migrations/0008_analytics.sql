CREATE TABLE "analytics_customer_day" (
	"day" date NOT NULL,
	"customer_telegram_id" bigint NOT NULL,
	"steps" integer DEFAULT 0 NOT NULL,
	"sandbox" boolean DEFAULT false NOT NULL,
	CONSTRAINT "analytics_customer_day_pkey" PRIMARY KEY("day","customer_telegram_id")
);
--> statement-breakpoint
CREATE TABLE "analytics_daily_event" (
	"day" date NOT NULL,
	"name" text NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"sandbox" boolean DEFAULT false NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "analytics_daily_event_pkey" PRIMARY KEY("day","name","provider","reason","sandbox")
);
--> statement-breakpoint
CREATE TABLE "analytics_rolled_day" (
	"day" date PRIMARY KEY NOT NULL,
	"rolled_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "analytics_customer_day_customer_idx" ON "analytics_customer_day" USING btree ("customer_telegram_id");--> statement-breakpoint
CREATE INDEX "analytics_customer_day_live_idx" ON "analytics_customer_day" USING btree ("day","customer_telegram_id","steps") WHERE "analytics_customer_day"."sandbox" = false;--> statement-breakpoint
CREATE INDEX "analytics_daily_event_name_day_idx" ON "analytics_daily_event" USING btree ("name","day");