/**
 * `GET /api/v1/settings`: how this Bozor runs (DESIGN.md): sandbox or live, which providers are
 * configured, which storage, the version, and the shop's own words. Never a secret: every field is
 * a name, a boolean or the merchant's own text. `PATCH /api/v1/settings {"shop": {...}}` changes
 * the shop's words (name, welcome, help, support contact, terms; each en/ru/uz; `null` removes
 * one), used by the bot at its next update (decision 0022).
 */
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from 'typebox'
import { updateShopWords, type ShopWords, type ShopWordsStore } from '../../../usecases/shop-words.js'
import { ADMIN_PROBLEMS } from '../../schemas/admin.js'

const Text = (maxLength: number) => Type.Object({
  en: Type.Optional(Type.String({ maxLength })),
  ru: Type.Optional(Type.String({ maxLength })),
  uz: Type.Optional(Type.String({ maxLength }))
}, { additionalProperties: false })

const TextPatch = (maxLength: number) => Type.Union([Type.Null(), Type.Object({
  en: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength })])),
  ru: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength })])),
  uz: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength })]))
}, { additionalProperties: false })])

const LIMITS = { name: 64, welcome: 2000, help: 3000, supportContact: 200, terms: 3500 } as const

export const ShopWordsSchema = Type.Object({
  name: Type.Optional(Text(LIMITS.name)),
  welcome: Type.Optional(Text(LIMITS.welcome)),
  help: Type.Optional(Text(LIMITS.help)),
  supportContact: Type.Optional(Text(LIMITS.supportContact)),
  terms: Type.Optional(Text(LIMITS.terms))
}, { additionalProperties: false, description: 'the shop\'s own words; the bot uses its own where one is missing' })

export const SettingsPatchBody = Type.Object({
  shop: Type.Object({
    name: Type.Optional(TextPatch(LIMITS.name)),
    welcome: Type.Optional(TextPatch(LIMITS.welcome)),
    help: Type.Optional(TextPatch(LIMITS.help)),
    supportContact: Type.Optional(TextPatch(LIMITS.supportContact)),
    terms: Type.Optional(TextPatch(LIMITS.terms))
  }, { additionalProperties: false, minProperties: 1 })
}, { additionalProperties: false })

export const Settings = Type.Object({
  mode: Type.Union([Type.Literal('sandbox'), Type.Literal('live')]),
  providers: Type.Object({ payme: Type.Boolean(), click: Type.Boolean(), stripe: Type.Boolean(), stars: Type.Boolean() }),
  storage: Type.Object({
    database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
    kv: Type.Union([Type.Literal('memory'), Type.Literal('redis'), Type.Literal('redis-cluster')])
  }),
  version: Type.String(),
  shop: ShopWordsSchema
})

export type SettingsInfo = Omit<Static<typeof Settings>, 'shop'>

export interface SettingsRoutesOptions {
  info: SettingsInfo
  words: ShopWordsStore
}

export async function settingsRoutes (app: FastifyInstance, options: SettingsRoutesOptions): Promise<void> {
  const render = (words: ShopWords): Static<typeof Settings> => ({ ...options.info, shop: words })

  app.get('/settings', {
    schema: { operationId: 'getSettings', tags: ['settings'], summary: 'How this Bozor runs (mode, providers, storage, version) and the shop\'s own words; never a secret', response: { 200: Settings, ...ADMIN_PROBLEMS } }
  }, async () => render((await options.words.read()).words))

  app.patch('/settings', {
    schema: { operationId: 'updateSettings', tags: ['settings'], summary: 'Change the shop\'s own words (each en/ru/uz; null removes one); the bot uses them at once', body: SettingsPatchBody, response: { 200: Settings, ...ADMIN_PROBLEMS } },
    config: { audit: { target: 'settings', action: 'settings.updated' } }
  }, async (request) => {
    const body = request.body as Static<typeof SettingsPatchBody>
    const { words } = await updateShopWords({ store: options.words }, body.shop)
    return render(words)
  })
}
