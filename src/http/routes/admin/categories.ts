/**
 * Categories of the admin API: `GET|POST /api/v1/categories`, `GET|PATCH|DELETE
 * /api/v1/categories/:id`. Deleting a category that still has products or sections is 409
 * `ERR_CATEGORY_NOT_EMPTY`; every change invalidates the bot's section list and the category's
 * pages.
 */
import type { FastifyInstance } from 'fastify'
import type { Static } from 'typebox'
import { createCategory, deleteCategory, getCategory, listCategories, updateCategory } from '../../../usecases/categories.js'
import type { Category as CategoryModel } from '../../../usecases/ports-catalog.js'
import { ADMIN_PROBLEMS, Category, CategoryCreateBody, CategoryParams, CategoryPatchBody, List, ListQuery } from '../../schemas/admin.js'
import type { AdminRoutesOptions } from './options.js'

export function renderCategory (c: CategoryModel): Static<typeof Category> {
  return { id: c.id, title: c.title, parentId: c.parentId, position: c.position, createdAt: new Date(c.createdAt).toISOString() }
}

export async function categoryRoutes (app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const invalidate = async (tags: readonly string[]): Promise<void> => {
    for (const tag of tags) await options.cache?.invalidateTag(tag)
  }
  const deps = () => ({ store: options.catalog, now: options.clock.now(), invalidate })

  app.get('/categories', {
    schema: { operationId: 'listCategories', tags: ['categories'], summary: 'List categories, oldest first', querystring: ListQuery, response: { 200: List(Category), ...ADMIN_PROBLEMS } }
  }, async (request) => {
    const page = await listCategories(deps(), request.query as Static<typeof ListQuery>)
    return { items: page.items.map(renderCategory), nextCursor: page.nextCursor }
  })

  app.post('/categories', {
    schema: { operationId: 'createCategory', tags: ['categories'], summary: 'Create a category', body: CategoryCreateBody, response: { 201: Category, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'category', action: 'category.created' } }
  }, async (request, reply) => {
    return reply.code(201).send(renderCategory(await createCategory(deps(), request.body as Static<typeof CategoryCreateBody>)))
  })

  app.get('/categories/:id', {
    schema: { operationId: 'getCategory', tags: ['categories'], summary: 'One category', params: CategoryParams, response: { 200: Category, ...ADMIN_PROBLEMS } }
  }, async (request) => {
    return renderCategory(await getCategory(deps(), (request.params as Static<typeof CategoryParams>).id))
  })

  app.patch('/categories/:id', {
    schema: { operationId: 'updateCategory', tags: ['categories'], summary: 'Change a category', params: CategoryParams, body: CategoryPatchBody, response: { 200: Category, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'category', action: 'category.updated' } }
  }, async (request) => {
    const { id } = request.params as Static<typeof CategoryParams>
    return renderCategory(await updateCategory(deps(), id, request.body as Static<typeof CategoryPatchBody>))
  })

  app.delete('/categories/:id', {
    schema: { operationId: 'deleteCategory', tags: ['categories'], summary: 'Delete an empty category', params: CategoryParams, response: { 204: { type: 'null', description: 'deleted' }, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'category', action: 'category.deleted' } }
  }, async (request, reply) => {
    await deleteCategory(deps(), (request.params as Static<typeof CategoryParams>).id)
    return await reply.code(204).send()
  })
}
