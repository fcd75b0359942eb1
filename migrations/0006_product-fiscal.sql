ALTER TABLE "product" ADD COLUMN "fiscal_code" text;--> statement-breakpoint
ALTER TABLE "product" ADD COLUMN "package_code" text;--> statement-breakpoint
ALTER TABLE "product" ADD COLUMN "vat_percent" integer;--> statement-breakpoint
ALTER TABLE "product" ADD CONSTRAINT "product_fiscal_check" CHECK (("product"."fiscal_code" is null and "product"."package_code" is null and "product"."vat_percent" is null) or ("product"."fiscal_code" ~ '^[0-9]{17}$' and "product"."package_code" ~ '^[0-9]{1,20}$' and "product"."vat_percent" between 0 and 100));