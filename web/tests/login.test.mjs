// Each role signs in and sees who they are: role and area in the header
// (console) or their household (resident portal).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts } from './support.mjs'

let env
before(async () => { env = await setup() })
after(async () => { await env?.close() })

const zh = texts.zh

for (const user of ['admin', 'district', 'community', 'grid1']) {
  test(`${user} signs in and sees their role and area in the header`, async () => {
    const me = await env.api(user, 'GET', '/api/v1/me')
    const grant = me.roles[0]
    const page = await env.page()
    await env.login(page, user)
    const who = await page.locator('[data-test="who"]').innerText()
    assert.match(who, new RegExp(zh.role[grant.role]), `header shows the role: ${who}`)
    if (grant.area_name) assert.ok(who.includes(grant.area_name), `header shows the area ${grant.area_name}: ${who}`)
    else assert.equal(user, 'admin')
    // Only the administrator manages users; the audit log is for admin and district.
    assert.equal(await page.locator('[data-test="nav-users"]').count(), user === 'admin' ? 1 : 0)
    assert.equal(await page.locator('[data-test="nav-audit"]').count(), ['admin', 'district'].includes(user) ? 1 : 0)
    await page.context().close()
  })
}

test('a wrong password is refused with a message and no session', async () => {
  const page = await env.page()
  await page.goto(env.url('/login'))
  await page.locator('input[name="username"]').fill('admin')
  await page.locator('input[name="password"]').fill('not-the-password')
  await page.locator('[data-test="login-form"] button[type="submit"]').click()
  await page.locator('[data-test="login-error"]').waitFor()
  assert.equal(await page.locator('[data-test="login-error"]').innerText(), zh.auth.failed)
  assert.equal(await page.locator('[data-test="who"]').count(), 0)
  // A page that needs a session sends the visitor back to the login.
  await page.goto(env.url('/users'))
  await page.locator('[data-test="login-form"]').waitFor()
  await page.context().close()
})

test('after five failed sign-ins a username is refused for a while, with the wait in the message', async () => {
  const page = await env.page()
  await page.goto(env.url('/login'))
  await page.locator('input[name="username"]').fill('guessed-name')
  const submit = async () => {
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'))
    await page.locator('input[name="password"]').fill(`guess-${Math.random()}`)
    await page.locator('[data-test="login-form"] button[type="submit"]').click()
    return (await answer).status()
  }
  for (let i = 0; i < 5; i++) assert.equal(await submit(), 401)
  assert.equal(await submit(), 429)
  await page.waitForFunction(() => /分钟后再试/.test(document.querySelector('[data-test="login-error"]')?.textContent ?? ''))
  assert.match(await page.locator('[data-test="login-error"]').innerText(), /登录失败次数过多，请 15 分钟后再试/)
  await page.context().close()
})

test('the resident signs in on /m/ and sees their own household', async () => {
  const page = await env.page({ phone: true })
  await env.login(page, 'resident', { portal: true })
  const household = (await env.api('resident', 'GET', '/api/v1/households')).items[0]
  assert.ok(household, 'the demo resident has a household')
  await page.locator('[data-test="portal-member"]').first().waitFor()
  assert.ok((await page.locator('[data-test="portal-household"]').innerText()).includes(household.address))
  // The resident account cannot use the console: it has no permission there.
  await page.locator('[data-test="logout"]').click()
  await page.locator('[data-test="portal-login"]').waitFor()
  assert.equal(await page.evaluate(() => localStorage.getItem('firstline.token')), null)
  await page.context().close()
})

test('a staff account opening the portal is pointed to the console', async () => {
  const page = await env.page({ phone: true })
  await env.login(page, 'community', { portal: true })
  const note = page.locator('[data-test="portal-staff"]')
  await note.waitFor()
  assert.ok((await note.innerText()).includes(zh.role.community_staff))
  assert.equal(await page.locator('[data-test="portal-household"]').count(), 0)
  await page.locator('[data-test="to-console"]').click()
  // Same origin, same token: the console opens signed in (the header's
  // "who" is hidden at phone width, so wait for it in the DOM).
  await page.waitForURL((url) => !url.pathname.startsWith('/m'), { waitUntil: 'commit' })
  await page.locator('[data-test="who"]').waitFor({ state: 'attached' })
  await page.context().close()
})
