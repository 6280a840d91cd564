// Users & roles: the administrator creates an account with a grant on an
// area (and sees field errors of the API under the inputs); the new account
// can sign in with that role; a grid worker has no access.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts, settled, PASSWORD } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

const zh = texts.zh

test('the administrator creates a grid worker account, which then signs in with its grant', async () => {
  const grid = (await env.api('admin', 'GET', '/api/v1/areas?level=grid&limit=3')).items[2]
  const page = await env.page()
  await env.login(page, 'admin')
  await page.locator('[data-test="nav-users"]').click()
  await page.locator('[data-test="user-row"]').first().waitFor()
  const before = await page.locator('[data-test="user-row"]').count()
  assert.ok(before >= 12, `the demo accounts are listed (${before})`)

  await page.locator('[data-test="new-user"]').click()
  const form = page.locator('[data-test="user-form"]')
  await form.locator('input[name="username"]').fill('wang.grid3')
  await form.locator('input[name="display_name"]').fill('王网格')
  await form.locator('input[name="password"]').fill('short')
  await form.locator('[data-test="role-select-0"]').selectOption('grid_worker')
  await form.locator('[data-test="area-search-0"]').fill(grid.code)
  await form.locator(`[data-test="area-select-0"] option[value="${grid.id}"]`).waitFor({ state: 'attached' })
  await form.locator('[data-test="area-select-0"]').selectOption(String(grid.id))

  // A too short password: the server's message shows under the password input.
  await form.locator('[data-test="save-user"]').click()
  await form.locator('[data-test="error-password"]').waitFor()
  assert.ok((await form.locator('[data-test="error-password"]').innerText()).length > 0)
  await env.shot(page, 'users-form-error')

  await form.locator('input[name="password"]').fill('Grid3-passw0rd')
  await form.locator('[data-test="save-user"]').click()
  await form.waitFor({ state: 'detached' })
  const row = page.locator('[data-test="user-row"][data-username="wang.grid3"]')
  await row.waitFor()
  const text = await row.innerText()
  assert.ok(text.includes(zh.role.grid_worker) && text.includes(grid.name), `new row shows the grant: ${text}`)
  assert.equal(await page.locator('[data-test="user-row"]').count(), before + 1)
  await env.shot(page, 'users')

  // A duplicate username is refused on the username field.
  await page.locator('[data-test="new-user"]').click()
  await form.locator('input[name="username"]').fill('wang.grid3')
  await form.locator('input[name="password"]').fill('Another-passw0rd')
  await form.locator('[data-test="area-search-0"]').fill(grid.code)
  await form.locator(`[data-test="area-select-0"] option[value="${grid.id}"]`).waitFor({ state: 'attached' })
  await form.locator('[data-test="area-select-0"]').selectOption(String(grid.id))
  await form.locator('[data-test="save-user"]').click()
  await form.locator('[data-test="error-username"]').waitFor()
  await page.context().close()

  // The new account works and carries its grant.
  const other = await env.page()
  await env.login(other, 'wang.grid3', { password: 'Grid3-passw0rd' })
  const who = await other.locator('[data-test="who"]').innerText()
  assert.ok(who.includes(zh.role.grid_worker) && who.includes(grid.name), who)
  await other.context().close()
})

test('the administrator disables an account, which can no longer sign in', async () => {
  const page = await env.page()
  await env.login(page, 'admin')
  await page.goto(env.url('/users'))
  const row = page.locator('[data-test="user-row"][data-username="expert"]')
  await row.locator('[data-test="toggle-user"]').click()
  await row.locator('[data-test="user-status"]', { hasText: zh.admin.users.disabled }).waitFor()
  await page.context().close()

  const res = await fetch(env.url('/api/v1/auth/login'), {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'expert', password: PASSWORD }),
  })
  assert.equal(res.status, 401)
})

test('a grid worker has no users page in the nav and is refused when opening it', async () => {
  const page = await env.page()
  await env.login(page, 'grid1')
  await page.locator('[data-test="nav-map"]').waitFor()
  assert.equal(await page.locator('[data-test="nav-users"]').count(), 0)
  assert.equal(await page.locator('[data-test="nav-audit"]').count(), 0)
  await page.goto(env.url('/users'))
  await page.locator('[data-test="forbidden"]').waitFor()
  assert.equal(await page.locator('[data-test="user-row"]').count(), 0)
  await page.goto(env.url('/audit'))
  await page.locator('[data-test="forbidden"]').waitFor()
  await settled(page)
  await page.context().close()
})

test('users and audit pages fit a 390x844 phone', async () => {
  const page = await env.page({ phone: true })
  await env.login(page, 'admin')
  for (const [path, ready, name] of [
    ['/users', '[data-test="user-row"]', 'users-phone'],
    ['/audit', '[data-test="audit-row"]', 'audit-phone'],
  ]) {
    await page.goto(env.url(path))
    await page.locator(ready).first().waitFor()
    const width = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(width <= 390, `${path} is ${width}px wide`)
    await env.shot(page, name)
  }
  await page.goto(env.url('/users'))
  await page.locator('[data-test="new-user"]').click()
  await page.locator('[data-test="user-form"]').waitFor()
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390)
  const form = await page.locator('[data-test="user-form"]').boundingBox()
  const grants = await page.locator('[data-test="user-form"] fieldset').boundingBox()
  assert.ok(grants.x + grants.width <= form.x + form.width, 'the role grants stay inside the form')
  await env.shot(page, 'users-form-phone')
  await page.context().close()
})
