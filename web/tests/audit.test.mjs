// The audit log: newest first, filtered by action, paged with "load more";
// a district official sees it too.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

const zh = texts.zh

test('the administrator filters the audit log by action and loads more pages', async () => {
  // Produce more than one page (50) of failed sign-ins, under 11 names: a
  // name is refused (unaudited) after 5 failures in 15 minutes.
  for (let i = 0; i < 55; i++) {
    const r = await fetch(env.url('/api/v1/auth/login'), {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: `guesser-${i % 11}`, password: `wrong-${i}-password` }),
    })
    assert.equal(r.status, 401)
  }
  const page = await env.page()
  await env.login(page, 'admin')
  await page.locator('[data-test="nav-audit"]').click()
  const rows = page.locator('[data-test="audit-row"]')
  await rows.first().waitFor()
  // Newest first: the admin's own sign-in is on top.
  assert.equal(await rows.first().getAttribute('data-action'), 'login')
  assert.ok((await rows.first().innerText()).includes('admin'))
  await env.shot(page, 'audit')

  await page.locator('[data-test="audit-filter-action"]').selectOption('login_failed')
  await page.waitForURL(/action=login_failed/)
  await page.locator('[data-test="audit-row"][data-action="login_failed"]').first().waitFor()
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-test="audit-row"]')].every((r) => r.getAttribute('data-action') === 'login_failed'))
  assert.equal(await rows.count(), 50)
  assert.ok((await rows.first().innerText()).includes(zh.admin.audit.actions.login_failed))
  await page.locator('[data-test="load-more"]').click()
  await page.locator('[data-test="audit-end"]').waitFor()
  assert.equal(await rows.count(), 55)
  const ids = await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-action')))
  assert.ok(ids.every((a) => a === 'login_failed'))

  // The filter survives a reload (it lives in the address).
  await page.reload()
  await rows.first().waitFor()
  assert.equal(await page.locator('[data-test="audit-filter-action"]').inputValue(), 'login_failed')
  await page.context().close()
})

test('a district official reads the audit log of their district', async () => {
  const page = await env.page()
  await env.login(page, 'district')
  await page.goto(env.url('/audit'))
  // The demo's own entry lies in the district.
  await page.locator('[data-test="audit-row"]').first().waitFor()
  assert.equal(await page.locator('[data-test="forbidden"]').count(), 0)
  assert.equal(await page.locator('[data-state="error"]').count(), 0)
  await page.context().close()
})
