// The dashboard's words in English, Russian and Uzbek (Latin), one module a language
// (i18n/<lang>.js). A key missing in ru or uz falls back to en (lib.js `t`).
import en from './i18n/en.js'
import ru from './i18n/ru.js'
import uz from './i18n/uz.js'

export const TEXTS = { en, ru, uz }
