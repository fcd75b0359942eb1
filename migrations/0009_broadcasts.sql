ALTER TABLE "broadcast" ALTER COLUMN "state" SET DEFAULT 'scheduled';--> statement-breakpoint
ALTER TABLE "customer" ADD COLUMN "news_opted_out_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "broadcast" ADD COLUMN "photo" text;--> statement-breakpoint
ALTER TABLE "broadcast" ADD COLUMN "button" jsonb;--> statement-breakpoint
ALTER TABLE "broadcast" ADD COLUMN "audience" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "broadcast" ADD COLUMN "send_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "broadcast" ADD COLUMN "total" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "broadcast_recipient" ADD COLUMN "language" text DEFAULT 'en' NOT NULL;--> statement-breakpoint
ALTER TABLE "broadcast_recipient" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "broadcast_recipient" ADD COLUMN "available_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "broadcast_recipient" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "broadcast_recipient" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "broadcast_due_idx" ON "broadcast" USING btree ("state","send_at");--> statement-breakpoint
CREATE INDEX "broadcast_recipient_pending_idx" ON "broadcast_recipient" USING btree ("broadcast_id","available_at") WHERE "broadcast_recipient"."state" = 'pending';--> statement-breakpoint
ALTER TABLE "broadcast" ADD CONSTRAINT "broadcast_state_check" CHECK ("broadcast"."state" in ('scheduled', 'sending', 'paused', 'done', 'cancelled'));