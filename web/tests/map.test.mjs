// Finding a resident through the map: grid → panel → resident → detail with
// a masked identity number; revealing it shows all 18 characters to the
// administrator and writes a read_personal entry to the audit log.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

test('the administrator finds a resident on the map and reveals the identity number (audited)', async () => {
  const page = await env.page()
  await env.login(page, 'admin')
  await page.goto(env.url('/map'))
  const grids = page.locator('[data-test="grid-item"]')
  await grids.first().waitFor()
  assert.equal(await grids.count(), 12, 'the community demo has 12 grids')
  await grids.first().click()
  const panel = page.locator('[data-test="grid-panel"]')
  await panel.waitFor()
  const row = panel.locator('[data-test="resident-row"]').first()
  await row.waitFor()
  const residentId = await row.getAttribute('data-resident-id')
  await env.shot(page, 'map')

  const link = row.locator('a').first()
  if (await link.count()) await link.click()
  else await row.click()
  const detail = page.locator('[data-test="resident-detail"]')
  await detail.waitFor()
  const id = detail.locator('[data-test="id-number"]')
  await id.waitFor()
  const masked = (await id.innerText()).trim()
  assert.match(masked, /\*/, `masked first: ${masked}`)
  await page.locator('[data-test="reveal-id"]').click()
  await page.waitForFunction(() => /^\d{17}[\dX]$/.test(document.querySelector('[data-test="id-number"]')?.textContent?.trim() ?? ''))
  const full = (await id.innerText()).trim()
  assert.match(full, /^\d{17}[\dX]$/)
  assert.equal(full.slice(0, 6), masked.slice(0, 6))
  assert.equal(full.slice(-4), masked.slice(-4))
  await env.shot(page, 'resident-detail')

  // The reveal is in the audit log.
  const found = page.url().match(/\/residents\/(\d+)/)
  const rid = residentId ?? found?.[1]
  await page.locator('[data-test="nav-audit"]').click()
  await page.locator('[data-test="audit-filter-action"]').selectOption('read_personal')
  const entry = page.locator(`[data-test="audit-row"][data-action="read_personal"][data-entity-id="${rid}"]`)
  await entry.first().waitFor()
  assert.ok((await entry.first().innerText()).includes('admin'))
  await env.shot(page, 'audit-read-personal')
  await page.context().close()
})
