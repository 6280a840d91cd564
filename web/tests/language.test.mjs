// Switching the language: English texts appear at once, a reload keeps them,
// and the choice follows the account to another browser.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

test('community staff switch to English; reload and a new sign-in keep it', async () => {
  const page = await env.page()
  await env.login(page, 'community')
  const nav = page.locator('[data-test="nav-residents"]')
  assert.equal((await nav.innerText()).trim(), texts.zh.nav.residents)
  await page.locator('[data-test="language"]').selectOption('en')
  await page.locator('[data-test="nav-residents"]', { hasText: texts.en.nav.residents }).waitFor()
  assert.ok((await page.locator('[data-test="who"]').innerText()).includes(texts.en.role.community_staff))
  await page.reload()
  await page.locator('[data-test="nav-residents"]', { hasText: texts.en.nav.residents }).waitFor()
  assert.equal(await page.locator('[data-test="language"]').inputValue(), 'en')
  await page.context().close()

  // The language is kept on the account: another browser signs in in English.
  const other = await env.page()
  await env.login(other, 'community')
  await other.locator('[data-test="nav-residents"]', { hasText: texts.en.nav.residents }).waitFor()
  await other.goto(env.url('/residents'))
  await other.locator('[data-test="nav-residents"]', { hasText: texts.en.nav.residents }).waitFor()
  await env.shot(other, 'residents-en')
  // And back to Chinese.
  await other.locator('[data-test="language"]').selectOption('zh-CN')
  await other.locator('[data-test="nav-residents"]', { hasText: texts.zh.nav.residents }).waitFor()
  await other.context().close()
})
