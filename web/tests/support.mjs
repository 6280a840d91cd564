// Shared setup of the browser tests: the real server started from the built
// binary on a fresh demo database, and a headless Chromium driven by
// playwright-core.
//
//   const env = await setup()       // in before()
//   const page = await env.page()   // a fresh browser context (own storage)
//   await env.login(page, 'grid1')
//   await env.shot(page, 'map')     // -> <repo>/build/screenshots/map.png
//   await env.close()               // in after()
//
// Environment:
//   FIRSTLINE_WEB_DIST  built web UI to serve (default <repo>/web/dist)
//   FIRSTLINE_BIN       server binary (default <repo>/build/firstline)
//   CHROMIUM            browser executable (default /usr/bin/chromium)
import { spawn } from 'node:child_process'
import { mkdtemp, mkdir, rm, readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const webDist = process.env.FIRSTLINE_WEB_DIST || join(repo, 'web', 'dist')
export const binary = process.env.FIRSTLINE_BIN || join(repo, 'build', 'firstline')
export const screenshotDir = join(repo, 'build', 'screenshots')
export const PASSWORD = 'demo-Passw0rd!'

export const DESKTOP = { width: 1366, height: 900 }
export const PHONE = { width: 390, height: 844 }

/** Texts of the UI, to assert on what a user reads: texts.zh.role.admin, texts.en.nav.residents. */
export const texts = { zh: await loadTexts('zh-CN'), en: await loadTexts('en') }

async function loadTexts(lang) {
  const dir = join(repo, 'web', 'src', 'locales')
  const out = {}
  const { readdir } = await import('node:fs/promises')
  for (const f of await readdir(dir)) {
    if (!f.endsWith(`.${lang}.json`)) continue
    deepMerge(out, JSON.parse(await readFile(join(dir, f), 'utf8')))
  }
  return out
}
function deepMerge(into, from) {
  for (const [k, v] of Object.entries(from)) {
    if (v && typeof v === 'object' && into[k] && typeof into[k] === 'object') deepMerge(into[k], v)
    else into[k] = v
  }
  return into
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolvePort(port))
    })
  })
}

/** Starts `firstline demo` on a fresh data folder and waits for /healthz. */
export async function startServer() {
  if (!existsSync(binary)) throw new Error(`no server binary at ${binary}: build it first (make)`)
  if (!existsSync(join(webDist, 'index.html'))) throw new Error(`no built web UI in ${webDist}: run npm --prefix web run build`)
  const dataDir = await mkdtemp(join(tmpdir(), 'firstline-webtest-'))
  const port = await freePort()
  const args = ['demo', '--scale', 'community', '--data', dataDir, '--port', String(port),
    '--admin-password', PASSWORD, '--web', webDist, '--threads', '2']
  const child = spawn(binary, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => { output += d })
  child.stderr.on('data', (d) => { output += d })
  let exited = null
  const exit = new Promise((r) => child.once('exit', (code, signal) => { exited = { code, signal }; r() }))
  const killOnExit = () => { try { child.kill('SIGKILL') } catch { /* gone */ } }
  process.once('exit', killOnExit)

  const base = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (exited) throw new Error(`server exited (${JSON.stringify(exited)}) before it was healthy:\n${output}`)
    try {
      const res = await fetch(`${base}/healthz`)
      if (res.status === 200) break
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`server not healthy within 60 s:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }

  return {
    base,
    port,
    dataDir,
    get output() { return output },
    async stop() {
      process.removeListener('exit', killOnExit)
      if (!exited) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL') }, 5000)
        await exit
        clearTimeout(timer)
      }
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** Launches headless Chromium with a fresh profile. */
export async function startBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  })
}

/** Direct API calls as a demo user, to look things up for a test. */
export function apiClient(base) {
  const tokens = new Map()
  async function token(user) {
    if (!tokens.has(user)) {
      const res = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: user, password: PASSWORD }),
      })
      if (!res.ok) throw new Error(`login ${user}: ${res.status} ${await res.text()}`)
      tokens.set(user, (await res.json()).token)
    }
    return tokens.get(user)
  }
  return async function call(user, method, path, body) {
    const headers = { Authorization: `Bearer ${await token(user)}` }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    let json = null
    try { json = JSON.parse(text) } catch { /* not JSON */ }
    if (!res.ok) throw new Error(`${method} ${path} as ${user}: ${res.status} ${text}`)
    return json
  }
}

/** Server + browser for one test file. */
export async function setup() {
  const server = await startServer()
  let browser
  try {
    browser = await startBrowser()
  } catch (e) {
    await server.stop()
    throw e
  }
  await mkdir(screenshotDir, { recursive: true })
  const contexts = []
  const env = {
    server,
    base: server.base,
    browser,
    api: apiClient(server.base),
    /** A page in a fresh context (own localStorage); `phone: true` for 390x844 touch. */
    async page({ phone = false } = {}) {
      const context = await browser.newContext(phone
        ? { viewport: PHONE, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'zh-CN' }
        : { viewport: DESKTOP, locale: 'zh-CN' })
      context.setDefaultTimeout(10_000)
      context.setDefaultNavigationTimeout(15_000)
      contexts.push(context)
      const page = await context.newPage()
      page.errors = []
      page.on('pageerror', (err) => page.errors.push(String(err)))
      return page
    },
    url(path) { return server.base + path },
    login: (page, user, opts) => login(env, page, user, opts),
    shot: (page, name, opts) => shot(page, name, opts),
    async close() {
      for (const c of contexts) await c.close().catch(() => {})
      await browser.close().catch(() => {})
      await server.stop()
    },
  }
  return env
}

/**
 * Signs a demo user in through the UI. Console users land on the console
 * with the header's role shown; `portal: true` signs in on /m/.
 */
export async function login(env, page, user, { portal = false, password = PASSWORD } = {}) {
  if (portal) {
    await page.goto(env.url('/m/'))
    const form = page.locator('[data-test="portal-login"]')
    await form.locator('input[name="username"]').fill(user)
    await form.locator('input[name="password"]').fill(password)
    await form.locator('button[type="submit"]').click()
    await page.locator('[data-test="portal-household"], [data-test="portal-staff"], [data-test="portal-empty"]').first().waitFor()
    return
  }
  await page.goto(env.url('/login'))
  const form = page.locator('[data-test="login-form"]')
  await form.locator('input[name="username"]').fill(user)
  await form.locator('input[name="password"]').fill(password)
  await form.locator('button[type="submit"]').click()
  await page.locator('[data-test="who"]').waitFor({ state: 'attached' })
  // The login page then routes on (to ?next or the map); wait for it, so a
  // test's next click is not overtaken by that redirect.
  await page.waitForURL((u) => u.pathname !== '/login')
}

/** Screenshot to <repo>/build/screenshots/<name>.png. */
export async function shot(page, name, { fullPage = false } = {}) {
  await mkdir(screenshotDir, { recursive: true })
  const path = join(screenshotDir, `${name}.png`)
  await page.screenshot({ path, fullPage })
  return path
}

/** Waits until no `[data-state="loading"]` is visible in the page. */
export async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('[data-state="loading"]'), null, { timeout: 10_000 })
}
