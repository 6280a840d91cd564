// The resident portal at phone size: only the resident's own household, the
// resident's own record unmasked and the others masked; language switch.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

test('at 390x844 the resident sees only their household, other members masked', async () => {
  const me = await env.api('resident', 'GET', '/api/v1/me')
  const [household] = (await env.api('admin', 'GET', `/api/v1/households?limit=1`)).items
  const page = await env.page({ phone: true })
  await env.login(page, 'resident', { portal: true })
  const card = page.locator('[data-test="portal-household"]')
  await card.waitFor()
  const members = page.locator('[data-test="portal-member"]')
  await members.first().waitFor()

  // The household is the one of the resident record linked to the account.
  const own = await env.api('admin', 'GET', `/api/v1/residents/${me.resident_id}?reveal=false`)
  const theirs = await env.api('admin', 'GET', `/api/v1/households/${own.household_id}`)
  assert.ok((await card.innerText()).includes(theirs.address))
  assert.equal(await members.count(), theirs.member_count)
  if (household.id !== theirs.id) assert.ok(!(await page.content()).includes(household.address))

  // Their own record unmasked, everyone else masked.
  const rows = await members.evaluateAll((els) => els.map((el) => ({
    masked: el.getAttribute('data-masked'),
    text: el.innerText,
    id: el.querySelector('[data-test="portal-id-number"]')?.textContent?.trim() ?? '',
  })))
  const mine = rows.filter((r) => r.text.includes(own.name))
  assert.equal(mine.length, 1)
  assert.equal(mine[0].masked, 'false')
  assert.match(mine[0].id, /^\d{17}[\dX]$/)
  for (const r of rows.filter((r) => !r.text.includes(own.name))) {
    assert.equal(r.masked, 'true')
    assert.match(r.id, /\*/)
  }

  // Phone-first: nothing wider than the screen.
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 390, `page is ${width}px wide`)
  await env.shot(page, 'portal-phone', { fullPage: true })

  // Switch to English; the choice stays after a reload.
  await page.locator('[data-test="language"]').selectOption('en')
  await page.locator('h2', { hasText: texts.en.portal.my_household }).waitFor()
  await page.reload()
  await page.locator('h2', { hasText: texts.en.portal.my_household }).waitFor()
  await env.shot(page, 'portal-phone-en', { fullPage: true })
  await page.context().close()
})

test('the portal at desktop size', async () => {
  const page = await env.page()
  await env.login(page, 'resident', { portal: true })
  await page.locator('[data-test="portal-member"]').first().waitFor()
  await env.shot(page, 'portal')
  await page.context().close()
})

test('the portal login says when the password is wrong', async () => {
  const page = await env.page({ phone: true })
  await page.goto(env.url('/m/'))
  await page.locator('[data-test="portal-login"] input[name="username"]').fill('resident')
  await page.locator('[data-test="portal-login"] input[name="password"]').fill('wrong-password')
  await page.locator('[data-test="portal-login"] button[type="submit"]').click()
  await page.locator('[data-test="login-error"]').waitFor()
  assert.equal(await page.locator('[data-test="portal-household"]').count(), 0)
  await env.shot(page, 'portal-login-phone')
  await page.context().close()
})
