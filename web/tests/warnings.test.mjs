// Warnings: community staff issue a red warning for grid 1 through the form
// (an empty headline first shows its field error), grid1 sees it arrive live
// in the inbox, acknowledges and handles it with notes, the staff close it;
// the history names the four steps and who took them, and the CAP view shows
// the document (Actual; Exercise for a drill). A step someone else took first
// shows its 409 plainly. A grid worker has no issue form. Everything the
// tests rely on is created here.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { setup, texts, settled } from './support.mjs'

let env
let gridId
let staffName, gridName
const stamp = Date.now().toString(36)
const width = (page) => page.evaluate(() => document.documentElement.scrollWidth)

before(async () => {
  env = await setup()
  const g = await env.api('grid1', 'GET', '/api/v1/me')
  gridId = g.roles[0].area_id
  gridName = g.display_name || g.username
  const s = await env.api('community', 'GET', '/api/v1/me')
  staffName = s.display_name || s.username
})
after(async () => { await env?.close() })

/** Fills the issue form on the inbox (already open) and submits it. */
async function fillForm(page, { level, headline, exercise = false }) {
  const form = page.locator('[data-test="warning-form"]')
  await form.locator('[data-test="warning-area"]').selectOption(String(gridId))
  await form.locator(`[data-test="warning-level-${level}"]`).check()
  await form.locator('[data-test="warning-event"]').fill('疫情风险')
  await form.locator('[data-test="warning-headline"]').fill(headline)
  await form.locator('[data-test="warning-description"]').fill('12号楼发现一例确诊病例，密接人员正在排查。')
  await form.locator('[data-test="warning-instruction"]').fill('减少外出，配合核酸检测，出现发热及时上报。')
  if (exercise) await form.locator('[data-test="warning-exercise-box"]').check()
  await form.locator('[data-test="warning-submit"]').click()
}

test('staff issue a red warning through the form, grid1 gets it live, acknowledges and handles it, staff close it; history and CAP', async () => {
  // grid1 watches the inbox; a grid worker has no issue form.
  const worker = await env.page()
  await env.login(worker, 'grid1')
  await worker.locator('[data-test="nav-warnings"]').click()
  await worker.waitForURL((u) => u.pathname === '/warnings')
  assert.equal(await worker.locator('[data-test="nav-warnings"]').innerText(), texts.zh.warnings.nav)
  await worker.locator('[data-test="warnings-live"][data-live="true"]').waitFor()
  await worker.locator('[data-test="warnings-empty"], [data-test="warning-row"]').first().waitFor()
  assert.equal(await worker.locator('[data-test="warnings-new"]').count(), 0)
  assert.equal(await worker.locator('[data-test="warning-form"]').count(), 0)
  await worker.evaluate(() => { window.__notReloaded = true })

  // The staff fill in the form: without a headline first.
  const staff = await env.page()
  await env.login(staff, 'community')
  await staff.goto(env.url('/warnings'))
  await staff.locator('[data-test="warnings-new"]').click()
  const headline = `第一网格出现确诊病例 ${stamp}`
  await fillForm(staff, { level: 'red', headline: '' })
  const err = staff.locator('[data-test="warning-error-headline"]')
  await err.waitFor()
  assert.ok((await err.innerText()).includes(texts.zh.field.headline), await err.innerText())
  await staff.locator('[data-test="warning-headline"]').fill(headline)
  await staff.locator('[data-test="warning-submit"]').click()
  const issued = staff.locator('[data-test="warning-issued"]')
  await issued.waitFor()
  const id = Number(await issued.getAttribute('data-id'))
  assert.ok(id > 0)
  await staff.locator(`[data-test="warning-row"][data-id="${id}"]`).waitFor()

  // It arrives in grid1's inbox without a reload, red, awaiting acknowledgement.
  const row = worker.locator(`[data-test="warning-row"][data-id="${id}"]`)
  await row.waitFor()
  assert.equal(await worker.evaluate(() => window.__notReloaded), true, 'the inbox was not reloaded')
  assert.equal(await row.getAttribute('data-level'), 'red')
  assert.equal(await row.getAttribute('data-status'), 'issued')
  assert.equal(await row.getAttribute('data-escalated'), 'false')
  assert.equal(await row.locator('[data-test="warning-level"]').innerText(), texts.zh.warnings.level.red)
  await row.locator('[data-test="warning-ack-due"]').waitFor()
  await settled(worker)
  await env.shot(worker, 'warnings-inbox')

  // grid1 acknowledges and handles it, with notes; no close or cancel for a grid worker.
  await row.locator('[data-test="warning-link"]').click()
  await worker.waitForURL((u) => u.pathname === `/warnings/${id}`)
  await worker.locator('[data-test="warning-headline"]', { hasText: headline }).waitFor()
  await worker.locator('[data-test="warning-action-acknowledge"]').waitFor()
  for (const step of ['close', 'cancel', 'handle', 'release']) assert.equal(await worker.locator(`[data-test="warning-action-${step}"]`).count(), 0, step)
  await worker.locator('[data-test="warning-note"]').fill('已通知楼长')
  await worker.locator('[data-test="warning-action-acknowledge"]').click()
  await worker.locator('[data-test="warning-head"][data-status="acknowledged"]').waitFor()
  await worker.locator('[data-test="warning-note"]').fill('已上门核查，密接已居家')
  await worker.locator('[data-test="warning-action-handle"]').click()
  await worker.locator('[data-test="warning-head"][data-status="handled"]').waitFor()
  await worker.locator('[data-test="warning-no-actions"]').waitFor()

  // The staff's inbox shows it handled (live); they open it and close it.
  const staffRow = staff.locator(`[data-test="warning-row"][data-id="${id}"][data-status="handled"]`)
  await staffRow.waitFor()
  await staffRow.locator('[data-test="warning-link"]').click()
  await staff.waitForURL((u) => u.pathname === `/warnings/${id}`)
  await staff.locator('[data-test="warning-note"]').fill('风险已排除，解除预警')
  await staff.locator('[data-test="warning-action-close"]').click()
  await staff.locator('[data-test="warning-head"][data-status="closed"]').waitFor()

  // The history: four steps, each with who took it, and the notes.
  const rows = staff.locator('[data-test="history-row"]')
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action'))), ['issued', 'acknowledged', 'handled', 'closed'])
  const by = await staff.locator('[data-test="history-by"]').allInnerTexts()
  assert.deepEqual(by, [staffName, gridName, gridName, staffName])
  const notes = await staff.locator('[data-test="history-note"]').allInnerTexts()
  assert.deepEqual(notes.map((n) => n.replace(/[“”]/g, '')), ['已通知楼长', '已上门核查，密接已居家', '风险已排除，解除预警'])
  assert.equal(await rows.nth(1).locator('[data-test="history-action"]').innerText(), texts.zh.warnings.action.acknowledged)
  const api = await env.api('community', 'GET', `/api/v1/warnings/${id}`)
  assert.equal(api.status, 'closed')
  assert.deepEqual(api.history.map((h) => h.by_name), [staffName, gridName, gridName, staffName])

  // The CAP view: the document, pretty-printed, with its status and headline.
  const xml = staff.locator('[data-test="cap-xml"]')
  await xml.waitFor()
  const cap = await xml.innerText()
  assert.match(cap, /<status>Actual<\/status>/)
  assert.ok(cap.includes(`<headline>${headline}</headline>`), cap)
  assert.match(cap, /<msgType>Update<\/msgType>/, 'a closed warning is an all-clear Update')
  assert.match(cap, /\n {2}<info>/, 'indented')
  const [download] = await Promise.all([staff.waitForEvent('download'), staff.locator('[data-test="cap-download"]').click()])
  const saved = await readFile(await download.path(), 'utf8')
  assert.ok(saved.includes(api.identifier) && saved.includes('urn:oasis:names:tc:emergency:cap:1.2'))
  assert.equal(await staff.locator('[data-test="feed-link"]').getAttribute('href'), '/api/v1/warnings/feed')
  await settled(staff)
  await staff.evaluate(() => window.scrollTo(0, 0))
  await env.shot(staff, 'warnings-detail')
  await xml.scrollIntoViewIfNeeded()
  await env.shot(staff, 'warnings-cap')

  // English.
  await staff.locator('[data-test="language"]').selectOption('en')
  await staff.locator('[data-test="nav-warnings"]', { hasText: texts.en.warnings.nav }).waitFor()
  await staff.locator('[data-test="history-action"]', { hasText: texts.en.warnings.action.closed }).waitFor()
  await staff.locator('[data-test="language"]').selectOption('zh-CN')

  assert.deepEqual(worker.errors, [])
  assert.deepEqual(staff.errors, [])
  await worker.context().close()
  await staff.context().close()
})

test('a drill\'s CAP says Exercise; a step someone else took first shows its 409; the pages fit a phone', async () => {
  const staff = await env.page()
  await env.login(staff, 'community')
  await staff.goto(env.url('/warnings'))
  await staff.locator('[data-test="warnings-new"]').click()
  const headline = `演练：燃气泄漏疏散 ${stamp}`
  await fillForm(staff, { level: 'blue', headline, exercise: true })
  await staff.locator('[data-test="warning-issued"]').waitFor()
  const id = Number(await staff.locator('[data-test="warning-issued"]').getAttribute('data-id'))
  const row = staff.locator(`[data-test="warning-row"][data-id="${id}"]`)
  await row.waitFor()
  assert.equal(await row.getAttribute('data-exercise'), 'true')
  await row.locator('[data-test="warning-exercise"]').waitFor()
  await staff.goto(env.url(`/warnings/${id}`))
  const cap = await staff.locator('[data-test="cap-xml"]').innerText()
  assert.match(cap, /<status>Exercise<\/status>/)
  assert.ok(cap.includes(headline))
  await staff.context().close()

  // grid1 has the page open without live updates; the staff acknowledge first.
  const phone = await env.page({ phone: true })
  await env.login(phone, 'grid1')
  await phone.route('**/api/v1/events*', (r) => r.abort())
  await phone.goto(env.url(`/warnings/${id}`))
  await phone.locator('[data-test="warning-action-acknowledge"]').waitFor()
  await env.api('community', 'POST', `/api/v1/warnings/${id}/acknowledge`, { note: '社区已确认' })
  await phone.locator('[data-test="warning-action-acknowledge"]').tap()
  const conflict = phone.locator('[data-test="warning-conflict"]')
  await conflict.waitFor()
  assert.ok((await conflict.innerText()).includes(texts.zh.warnings.status.acknowledged), await conflict.innerText())
  await phone.locator('[data-test="warning-head"][data-status="acknowledged"]').waitFor()
  await phone.locator('[data-test="warning-action-handle"]').waitFor()
  assert.equal(await phone.locator('[data-test="warning-action-acknowledge"]').count(), 0)
  await settled(phone)
  assert.ok((await width(phone)) <= 390, 'the detail is no wider than the phone')

  await phone.goto(env.url('/warnings'))
  await phone.locator(`[data-test="warning-row"][data-id="${id}"]`).waitFor()
  await settled(phone)
  assert.ok((await width(phone)) <= 390, 'the inbox is no wider than the phone')
  await env.shot(phone, 'warnings-inbox-phone')
  assert.deepEqual(phone.errors, [])
  await phone.context().close()
})
