// Chinese (default) and English texts. The chosen language is remembered in
// the browser and, once signed in, on the user's account (PATCH /api/v1/me).
import { createI18n } from 'vue-i18n'

// Every locales/<part>.<lang>.json is merged into one message tree per
// language, so each area of the UI keeps its texts in its own file.
type Tree = { [key: string]: string | Tree }
const files = import.meta.glob<Tree>('../locales/*.json', { eager: true, import: 'default' })

function merge(into: Tree, from: Tree): Tree {
  for (const [k, v] of Object.entries(from)) {
    if (typeof v === 'object' && typeof into[k] === 'object') merge(into[k] as Tree, v)
    else into[k] = v
  }
  return into
}

const messages: Record<string, Tree> = { 'zh-CN': {}, en: {} }
for (const [path, tree] of Object.entries(files)) {
  const lang = path.endsWith('.en.json') ? 'en' : 'zh-CN'
  merge(messages[lang], tree)
}

export type Lang = 'zh-CN' | 'en'
const KEY = 'firstline.lang'

export function storedLanguage(): Lang {
  const v = localStorage.getItem(KEY)
  return v === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: storedLanguage(),
  fallbackLocale: 'en',
  messages,
})

export function setLanguage(lang: Lang) {
  i18n.global.locale.value = lang
  localStorage.setItem(KEY, lang)
  document.documentElement.lang = lang
}
