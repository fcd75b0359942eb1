import { relations } from 'drizzle-orm'
import { category, product } from './catalog.js'
import { orderItem, orderTransition, shopOrder } from './orders.js'
import { paymentTransaction } from './payments.js'
import { broadcast, broadcastRecipient } from './broadcasts.js'

// Relations for drizzle's relational queries (`db.query.shopOrder.findFirst({ with: { items: true } })`).

export const categoryRelations = relations(category, ({ many }) => ({
  products: many(product)
}))

export const productRelations = relations(product, ({ one }) => ({
  category: one(category, { fields: [product.categoryId], references: [category.id] })
}))

export const shopOrderRelations = relations(shopOrder, ({ many }) => ({
  items: many(orderItem),
  transitions: many(orderTransition),
  transactions: many(paymentTransaction)
}))

export const orderItemRelations = relations(orderItem, ({ one }) => ({
  order: one(shopOrder, { fields: [orderItem.orderId], references: [shopOrder.id] }),
  product: one(product, { fields: [orderItem.productId], references: [product.id] })
}))

export const orderTransitionRelations = relations(orderTransition, ({ one }) => ({
  order: one(shopOrder, { fields: [orderTransition.orderId], references: [shopOrder.id] })
}))

export const paymentTransactionRelations = relations(paymentTransaction, ({ one }) => ({
  order: one(shopOrder, { fields: [paymentTransaction.orderId], references: [shopOrder.id] })
}))

export const broadcastRelations = relations(broadcast, ({ many }) => ({
  recipients: many(broadcastRecipient)
}))

export const broadcastRecipientRelations = relations(broadcastRecipient, ({ one }) => ({
  broadcast: one(broadcast, { fields: [broadcastRecipient.broadcastId], references: [broadcast.id] })
}))
