CREATE TABLE "dashboard_login_code" (
	"code_hash" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"token_id" text,
	"issued_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	CONSTRAINT "dashboard_login_code_scope_check" CHECK ("dashboard_login_code"."scope" in ('read', 'write'))
);
--> statement-breakpoint
CREATE TABLE "dashboard_session" (
	"id_hash" text PRIMARY KEY NOT NULL,
	"scope" text NOT NULL,
	"token_id" text,
	"opened_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	CONSTRAINT "dashboard_session_scope_check" CHECK ("dashboard_session"."scope" in ('read', 'write'))
);
--> statement-breakpoint
ALTER TABLE "dashboard_login_code" ADD CONSTRAINT "dashboard_login_code_token_id_admin_token_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."admin_token"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dashboard_session" ADD CONSTRAINT "dashboard_session_token_id_admin_token_id_fk" FOREIGN KEY ("token_id") REFERENCES "public"."admin_token"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dashboard_login_code_expires_idx" ON "dashboard_login_code" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "dashboard_session_token_idx" ON "dashboard_session" USING btree ("token_id");