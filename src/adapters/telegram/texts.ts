/**
 * Every text the bot sends, in en, ru and uz (HTML parse mode). `{name}` placeholders are
 * filled by {@link t}, which escapes each value unless it is passed through {@link html}; so
 * product titles, names and addresses can never break the markup (specs/telegram.md §4).
 */
import type { Language } from '../../config.js'
import { escapeHtml } from './html.js'

const en = {
  welcome: '👋 Welcome to the shop, {name}!\n\n/catalog — browse products\n/orders — your orders\n/language — change language\n/help — help',
  help: '<b>How to buy</b>\n1. /catalog — pick a product\n2. Choose the quantity (and for physical goods, share a phone number and an address)\n3. Choose how to pay and follow the link\n\n/orders — your orders and their state\n/language — change language\n/cancel — leave the current step\n/support — write to the shop\n/paysupport — help with a payment',
  paySupport: 'For help with a payment write /support and mention your order number. Telegram support cannot help with purchases made in this bot.',
  catalogEmpty: 'The catalog is empty for now. Please come back later.',
  categoriesTitle: '🗂 <b>Catalog</b>\nChoose a section:',
  allProducts: 'All products',
  otherProducts: 'Other',
  productsTitle: '🛍 <b>{category}</b> (page {page} of {pages})\nChoose a product:',
  prev: '◀ Back',
  next: 'Next ▶',
  backToCatalog: '⬅ Catalog',
  productNotFound: 'This product is not available any more.',
  price: 'Price: <b>{price}</b>',
  inStock: 'In stock: {count}',
  outOfStock: 'Out of stock',
  payWith: 'Payment: {providers}',
  noPayment: 'This product cannot be paid for right now.',
  digitalNote: 'Digital product: delivered here right after payment.',
  buy: '🛒 Buy',
  askQuantity: 'How many would you like? Press a button or type a number from 1 to {max}.',
  quantityInvalid: 'Please type a whole number from 1 to {max}.',
  notEnoughStock: 'Only {count} left. Please choose a smaller quantity.',
  askContact: 'Please share your phone number with the button below, or type it (for example +998 90 123 45 67).',
  shareContact: '📱 Share my phone number',
  contactInvalid: 'That does not look like a phone number. Use the button below or type a number like +998 90 123 45 67.',
  askAddress: 'Please type the delivery address (city, street, house, apartment).',
  addressInvalid: 'Please type the address as text, between 5 and 300 characters.',
  chooseProvider: '<b>{title}</b> × {quantity}\nTotal: <b>{total}</b>\n\nHow would you like to pay?',
  orderCreated: '✅ Order <b>#{orderId}</b> is created: <b>{total}</b>.\nPay within {minutes} minutes with the button below.',
  payButton: 'Pay with {provider}',
  starsInvoiceTitle: 'Order #{orderId}',
  starsInvoiceDescription: '{title} × {quantity}',
  ordersEmpty: 'You have no orders yet. Open /catalog to choose something.',
  ordersTitle: '📦 <b>Your orders</b>',
  orderLine: '#{orderId} · {total} · {state}',
  state_pending: 'awaiting payment',
  state_paid: 'paid',
  state_fulfilled: 'completed',
  state_cancelled: 'cancelled',
  state_expired: 'expired',
  state_refunded: 'refunded',
  payOrder: 'Pay #{orderId} ({provider})',
  languagePrompt: 'Choose your language:',
  languageSet: 'Language set: English.',
  cancelled: 'Cancelled. Open /catalog whenever you like.',
  nothingToCancel: 'There is nothing to cancel. Open /catalog to browse products.',
  supportPrompt: 'Write your question in one message and we will forward it to the shop. /cancel to leave.',
  supportSent: 'Your message was sent to the shop. The answer will arrive here.',
  supportUnavailable: 'Support chat is not set up in this shop yet. Please try again later.',
  supportReply: '💬 <b>Reply from the shop:</b>\n{text}',
  supportNeedsText: 'Please send your question as a text message.',
  staleButton: 'This button is out of date.',
  orderNotPayable: 'Order #{orderId} can no longer be paid ({state}).',
  slowDown: '⏳ Too many messages. Please wait {seconds} s and try again.',
  tryAgainLater: '⚠️ Something is temporarily unavailable. Please try again in a moment.',
  apology: '😔 Sorry, something went wrong. Please try again.',
  sessionReset: 'Your previous checkout could not be continued after an update. Please start again with /catalog.',
  unexpectedQuantity: 'Please choose the quantity with the buttons or type a number. /cancel to stop.',
  unexpectedContact: 'Please share a phone number to continue. /cancel to stop.',
  unexpectedAddress: 'Please type the delivery address to continue. /cancel to stop.',
  unexpectedProvider: 'Please choose a payment method with the buttons above. /cancel to stop.',
  unknownInput: 'I did not understand that. Open /catalog to browse products or /help for help.',
  checkoutLimited: 'Too many checkout attempts. Please try again in {seconds} s.',
  paymentReceived: '✅ Payment received for order <b>#{orderId}</b>: {total}. Thank you!',
  digitalGoods: '🎁 <b>{title}</b> (order #{orderId}):\n{payload}',
  orderRefunded: '↩️ Order <b>#{orderId}</b>: {amount} has been refunded.',
  orderNeedsShipping: 'We will contact you about delivery soon.',
  precheckoutNotPayable: 'This order can no longer be paid. Please place a new order.',
  precheckoutMismatch: 'The invoice does not match the order any more. Please place a new order.',
  precheckoutStock: 'Sorry, this product has just run out.',
  precheckoutBusy: 'We could not confirm the order in time. Please try again.',
  cmd_start: 'Start',
  cmd_catalog: 'Browse the catalog',
  cmd_orders: 'My orders',
  cmd_language: 'Change language',
  cmd_help: 'Help',
  cmd_cancel: 'Cancel the current step',
  cmd_support: 'Write to the shop',
  cmd_paysupport: 'Help with a payment',
  provider_payme: 'Payme',
  provider_click: 'Click',
  provider_stripe: 'card (Stripe)',
  provider_stars: 'Telegram Stars'
} as const

export type TextKey = keyof typeof en
type Catalog = Record<TextKey, string>

const ru: Catalog = {
  welcome: '👋 Добро пожаловать в магазин, {name}!\n\n/catalog — каталог товаров\n/orders — ваши заказы\n/language — сменить язык\n/help — помощь',
  help: '<b>Как купить</b>\n1. /catalog — выберите товар\n2. Укажите количество (для физических товаров — телефон и адрес)\n3. Выберите способ оплаты и перейдите по ссылке\n\n/orders — ваши заказы и их статус\n/language — сменить язык\n/cancel — выйти из текущего шага\n/support — написать магазину\n/paysupport — помощь с оплатой',
  paySupport: 'Чтобы получить помощь с оплатой, напишите /support и укажите номер заказа. Поддержка Telegram не помогает с покупками в этом боте.',
  catalogEmpty: 'Каталог пока пуст. Загляните позже.',
  categoriesTitle: '🗂 <b>Каталог</b>\nВыберите раздел:',
  allProducts: 'Все товары',
  otherProducts: 'Другое',
  productsTitle: '🛍 <b>{category}</b> (страница {page} из {pages})\nВыберите товар:',
  prev: '◀ Назад',
  next: 'Далее ▶',
  backToCatalog: '⬅ Каталог',
  productNotFound: 'Этот товар больше недоступен.',
  price: 'Цена: <b>{price}</b>',
  inStock: 'В наличии: {count}',
  outOfStock: 'Нет в наличии',
  payWith: 'Оплата: {providers}',
  noPayment: 'Этот товар сейчас нельзя оплатить.',
  digitalNote: 'Цифровой товар: придёт сюда сразу после оплаты.',
  buy: '🛒 Купить',
  askQuantity: 'Сколько штук? Нажмите кнопку или напишите число от 1 до {max}.',
  quantityInvalid: 'Напишите целое число от 1 до {max}.',
  notEnoughStock: 'Осталось только {count}. Выберите меньшее количество.',
  askContact: 'Поделитесь номером телефона кнопкой ниже или напишите его (например, +998 90 123 45 67).',
  shareContact: '📱 Поделиться номером',
  contactInvalid: 'Это не похоже на номер телефона. Нажмите кнопку ниже или напишите номер вида +998 90 123 45 67.',
  askAddress: 'Напишите адрес доставки (город, улица, дом, квартира).',
  addressInvalid: 'Напишите адрес текстом, от 5 до 300 символов.',
  chooseProvider: '<b>{title}</b> × {quantity}\nИтого: <b>{total}</b>\n\nКак вы хотите оплатить?',
  orderCreated: '✅ Заказ <b>#{orderId}</b> создан: <b>{total}</b>.\nОплатите в течение {minutes} минут кнопкой ниже.',
  payButton: 'Оплатить через {provider}',
  starsInvoiceTitle: 'Заказ #{orderId}',
  starsInvoiceDescription: '{title} × {quantity}',
  ordersEmpty: 'У вас пока нет заказов. Откройте /catalog, чтобы что-нибудь выбрать.',
  ordersTitle: '📦 <b>Ваши заказы</b>',
  orderLine: '#{orderId} · {total} · {state}',
  state_pending: 'ожидает оплаты',
  state_paid: 'оплачен',
  state_fulfilled: 'выполнен',
  state_cancelled: 'отменён',
  state_expired: 'истёк',
  state_refunded: 'возвращён',
  payOrder: 'Оплатить #{orderId} ({provider})',
  languagePrompt: 'Выберите язык:',
  languageSet: 'Язык: русский.',
  cancelled: 'Отменено. Откройте /catalog, когда захотите.',
  nothingToCancel: 'Отменять нечего. Откройте /catalog, чтобы посмотреть товары.',
  supportPrompt: 'Напишите вопрос одним сообщением, и мы передадим его магазину. /cancel — выйти.',
  supportSent: 'Ваше сообщение отправлено магазину. Ответ придёт сюда.',
  supportUnavailable: 'Чат поддержки в этом магазине ещё не настроен. Попробуйте позже.',
  supportReply: '💬 <b>Ответ магазина:</b>\n{text}',
  supportNeedsText: 'Пожалуйста, отправьте вопрос текстом.',
  staleButton: 'Эта кнопка устарела.',
  orderNotPayable: 'Заказ #{orderId} больше нельзя оплатить ({state}).',
  slowDown: '⏳ Слишком много сообщений. Подождите {seconds} с и попробуйте снова.',
  tryAgainLater: '⚠️ Сервис временно недоступен. Попробуйте ещё раз через минуту.',
  apology: '😔 Извините, что-то пошло не так. Попробуйте ещё раз.',
  sessionReset: 'Предыдущее оформление заказа нельзя продолжить после обновления. Начните заново: /catalog.',
  unexpectedQuantity: 'Выберите количество кнопкой или напишите число. /cancel — отменить.',
  unexpectedContact: 'Чтобы продолжить, поделитесь номером телефона. /cancel — отменить.',
  unexpectedAddress: 'Чтобы продолжить, напишите адрес доставки. /cancel — отменить.',
  unexpectedProvider: 'Выберите способ оплаты кнопками выше. /cancel — отменить.',
  unknownInput: 'Я не понял. Откройте /catalog, чтобы посмотреть товары, или /help.',
  checkoutLimited: 'Слишком много попыток оформить заказ. Попробуйте через {seconds} с.',
  paymentReceived: '✅ Оплата заказа <b>#{orderId}</b> получена: {total}. Спасибо!',
  digitalGoods: '🎁 <b>{title}</b> (заказ #{orderId}):\n{payload}',
  orderRefunded: '↩️ Заказ <b>#{orderId}</b>: возвращено {amount}.',
  orderNeedsShipping: 'Мы скоро свяжемся с вами по поводу доставки.',
  precheckoutNotPayable: 'Этот заказ больше нельзя оплатить. Оформите новый заказ.',
  precheckoutMismatch: 'Счёт больше не совпадает с заказом. Оформите новый заказ.',
  precheckoutStock: 'Извините, товар только что закончился.',
  precheckoutBusy: 'Не удалось вовремя подтвердить заказ. Попробуйте ещё раз.',
  cmd_start: 'Начать',
  cmd_catalog: 'Каталог',
  cmd_orders: 'Мои заказы',
  cmd_language: 'Сменить язык',
  cmd_help: 'Помощь',
  cmd_cancel: 'Отменить текущий шаг',
  cmd_support: 'Написать магазину',
  cmd_paysupport: 'Помощь с оплатой',
  provider_payme: 'Payme',
  provider_click: 'Click',
  provider_stripe: 'карту (Stripe)',
  provider_stars: 'Telegram Stars'
}

const uz: Catalog = {
  welcome: '👋 Do‘konga xush kelibsiz, {name}!\n\n/catalog — mahsulotlar katalogi\n/orders — buyurtmalaringiz\n/language — tilni o‘zgartirish\n/help — yordam',
  help: '<b>Qanday xarid qilinadi</b>\n1. /catalog — mahsulotni tanlang\n2. Miqdorni tanlang (jismoniy mahsulot uchun telefon raqami va manzil)\n3. To‘lov usulini tanlang va havolaga o‘ting\n\n/orders — buyurtmalaringiz va holati\n/language — tilni o‘zgartirish\n/cancel — joriy qadamdan chiqish\n/support — do‘konga yozish\n/paysupport — to‘lov bo‘yicha yordam',
  paySupport: 'To‘lov bo‘yicha yordam uchun /support yozing va buyurtma raqamini ko‘rsating. Telegram qo‘llab-quvvatlash xizmati bu botdagi xaridlarga yordam bera olmaydi.',
  catalogEmpty: 'Katalog hozircha bo‘sh. Keyinroq qaytib keling.',
  categoriesTitle: '🗂 <b>Katalog</b>\nBo‘limni tanlang:',
  allProducts: 'Barcha mahsulotlar',
  otherProducts: 'Boshqa',
  productsTitle: '🛍 <b>{category}</b> ({page}/{pages}-sahifa)\nMahsulotni tanlang:',
  prev: '◀ Orqaga',
  next: 'Keyingi ▶',
  backToCatalog: '⬅ Katalog',
  productNotFound: 'Bu mahsulot endi mavjud emas.',
  price: 'Narxi: <b>{price}</b>',
  inStock: 'Omborda: {count}',
  outOfStock: 'Omborda yo‘q',
  payWith: 'To‘lov: {providers}',
  noPayment: 'Bu mahsulotni hozir to‘lab bo‘lmaydi.',
  digitalNote: 'Raqamli mahsulot: to‘lovdan so‘ng darhol shu yerga yuboriladi.',
  buy: '🛒 Sotib olish',
  askQuantity: 'Nechta kerak? Tugmani bosing yoki 1 dan {max} gacha son yozing.',
  quantityInvalid: '1 dan {max} gacha butun son yozing.',
  notEnoughStock: 'Faqat {count} ta qoldi. Kamroq miqdorni tanlang.',
  askContact: 'Quyidagi tugma orqali telefon raqamingizni yuboring yoki yozing (masalan, +998 90 123 45 67).',
  shareContact: '📱 Raqamni yuborish',
  contactInvalid: 'Bu telefon raqamiga o‘xshamaydi. Quyidagi tugmani bosing yoki +998 90 123 45 67 ko‘rinishida yozing.',
  askAddress: 'Yetkazib berish manzilini yozing (shahar, ko‘cha, uy, xonadon).',
  addressInvalid: 'Manzilni 5 dan 300 belgigacha matn bilan yozing.',
  chooseProvider: '<b>{title}</b> × {quantity}\nJami: <b>{total}</b>\n\nQanday to‘lamoqchisiz?',
  orderCreated: '✅ <b>#{orderId}</b> buyurtma yaratildi: <b>{total}</b>.\n{minutes} daqiqa ichida quyidagi tugma orqali to‘lang.',
  payButton: '{provider} orqali to‘lash',
  starsInvoiceTitle: 'Buyurtma #{orderId}',
  starsInvoiceDescription: '{title} × {quantity}',
  ordersEmpty: 'Sizda hali buyurtmalar yo‘q. Biror narsa tanlash uchun /catalog ni oching.',
  ordersTitle: '📦 <b>Buyurtmalaringiz</b>',
  orderLine: '#{orderId} · {total} · {state}',
  state_pending: 'to‘lov kutilmoqda',
  state_paid: 'to‘langan',
  state_fulfilled: 'bajarilgan',
  state_cancelled: 'bekor qilingan',
  state_expired: 'muddati o‘tgan',
  state_refunded: 'qaytarilgan',
  payOrder: '#{orderId} ni to‘lash ({provider})',
  languagePrompt: 'Tilni tanlang:',
  languageSet: 'Til: o‘zbekcha.',
  cancelled: 'Bekor qilindi. Xohlagan vaqtda /catalog ni oching.',
  nothingToCancel: 'Bekor qiladigan narsa yo‘q. Mahsulotlarni ko‘rish uchun /catalog ni oching.',
  supportPrompt: 'Savolingizni bitta xabarda yozing, biz uni do‘konga yuboramiz. /cancel — chiqish.',
  supportSent: 'Xabaringiz do‘konga yuborildi. Javob shu yerga keladi.',
  supportUnavailable: 'Bu do‘konda qo‘llab-quvvatlash chati hali sozlanmagan. Keyinroq urinib ko‘ring.',
  supportReply: '💬 <b>Do‘kon javobi:</b>\n{text}',
  supportNeedsText: 'Iltimos, savolingizni matn bilan yuboring.',
  staleButton: 'Bu tugma eskirgan.',
  orderNotPayable: '#{orderId} buyurtmani endi to‘lab bo‘lmaydi ({state}).',
  slowDown: '⏳ Juda ko‘p xabar. {seconds} soniya kuting va qayta urinib ko‘ring.',
  tryAgainLater: '⚠️ Xizmat vaqtincha ishlamayapti. Birozdan keyin qayta urinib ko‘ring.',
  apology: '😔 Kechirasiz, xatolik yuz berdi. Qayta urinib ko‘ring.',
  sessionReset: 'Avvalgi buyurtmani yangilanishdan keyin davom ettirib bo‘lmaydi. /catalog orqali qaytadan boshlang.',
  unexpectedQuantity: 'Miqdorni tugmalar bilan tanlang yoki son yozing. /cancel — bekor qilish.',
  unexpectedContact: 'Davom etish uchun telefon raqamingizni yuboring. /cancel — bekor qilish.',
  unexpectedAddress: 'Davom etish uchun yetkazib berish manzilini yozing. /cancel — bekor qilish.',
  unexpectedProvider: 'Yuqoridagi tugmalar orqali to‘lov usulini tanlang. /cancel — bekor qilish.',
  unknownInput: 'Tushunmadim. Mahsulotlar uchun /catalog yoki yordam uchun /help ni oching.',
  checkoutLimited: 'Buyurtma berishga juda ko‘p urinish. {seconds} soniyadan keyin qayta urinib ko‘ring.',
  paymentReceived: '✅ <b>#{orderId}</b> buyurtma uchun to‘lov qabul qilindi: {total}. Rahmat!',
  digitalGoods: '🎁 <b>{title}</b> (buyurtma #{orderId}):\n{payload}',
  orderRefunded: '↩️ <b>#{orderId}</b> buyurtma: {amount} qaytarildi.',
  orderNeedsShipping: 'Yetkazib berish bo‘yicha tez orada siz bilan bog‘lanamiz.',
  precheckoutNotPayable: 'Bu buyurtmani endi to‘lab bo‘lmaydi. Yangi buyurtma bering.',
  precheckoutMismatch: 'Hisob buyurtmaga endi mos kelmaydi. Yangi buyurtma bering.',
  precheckoutStock: 'Kechirasiz, mahsulot hozirgina tugadi.',
  precheckoutBusy: 'Buyurtmani o‘z vaqtida tasdiqlab bo‘lmadi. Qayta urinib ko‘ring.',
  cmd_start: 'Boshlash',
  cmd_catalog: 'Katalog',
  cmd_orders: 'Buyurtmalarim',
  cmd_language: 'Tilni o‘zgartirish',
  cmd_help: 'Yordam',
  cmd_cancel: 'Joriy qadamni bekor qilish',
  cmd_support: 'Do‘konga yozish',
  cmd_paysupport: 'To‘lov bo‘yicha yordam',
  provider_payme: 'Payme',
  provider_click: 'Click',
  provider_stripe: 'karta (Stripe)',
  provider_stars: 'Telegram Stars'
}

/** The catalogs by language; a test checks every key is translated and uses the same placeholders. */
export const TEXTS: Readonly<Record<Language, Catalog>> = { en, ru, uz }

/** A value inserted as markup, not escaped (only for HTML this module's callers built themselves). */
export interface RawHtml { html: string }

/** Marks already-safe HTML for {@link t}. */
export function html (markup: string): RawHtml {
  return { html: markup }
}

export type TextParams = Record<string, string | number | RawHtml>

/**
 * The text `key` in `language` with `{name}` placeholders filled; every value is HTML-escaped
 * unless wrapped with {@link html}.
 *
 * @example
 * t('ru', 'welcome', { name: '<Ali>' }) // '👋 Добро пожаловать в магазин, &lt;Ali&gt;!…'
 */
export function t (language: Language, key: TextKey, params: TextParams = {}): string {
  const template = TEXTS[language][key] ?? TEXTS.en[key]
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name]
    if (value === undefined) return whole
    return typeof value === 'object' ? value.html : escapeHtml(String(value))
  })
}

/** Like {@link t} but for plain-text fields (invoice title and description): nothing is escaped. */
export function plain (language: Language, key: TextKey, params: Record<string, string | number> = {}): string {
  const template = TEXTS[language][key] ?? TEXTS.en[key]
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => params[name] === undefined ? whole : String(params[name]))
}

/** Telegram's `language_code` mapped to a supported language, or undefined. */
export function languageFromCode (code: string | undefined): Language | undefined {
  const base = code?.toLowerCase().split('-')[0]
  return base === 'en' || base === 'ru' || base === 'uz' ? base : undefined
}
