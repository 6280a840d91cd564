// Risk levels: community staff choose the map's "risk level" colouring and
// every grid with a level is drawn in its level's colour, as the API answers
// it after a recomputation; the area panel shows a grid's level with its
// reasons (both languages) and history; a district official edits the rules
// (a bad threshold named at its input, a good one re-levels at once) and
// recomputes, while a volunteer reads them only.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { setup, texts } from './support.mjs'

let env

before(async () => {
  env = await setup()
  await env.api('admin', 'POST', '/api/v1/levels/recompute')
})
after(async () => { await env?.close() })

test('the risk-level layer colours the grids green, amber or red by the API\'s level', async () => {
  const page = await env.page()
  await env.login(page, 'community')
  await page.goto(env.url('/map'))
  await page.locator('[data-test="grid-item"]').first().waitFor()
  await page.locator('[data-test="map-layer-level"]').click()
  await page.waitForURL((u) => u.searchParams.get('layer') === 'level')
  await page.locator('[data-test="map-legend"][data-level-state="ready"]').waitFor()

  const community = (await env.api('community', 'GET', '/api/v1/me')).roles[0].area_id
  const answer = await env.api('community', 'GET', `/api/v1/levels?area_id=${community}`)
  assert.ok(answer.grids.length > 0, 'the answer lists the grids')
  const colour = { low: 'rgb(46, 125, 50)', medium: 'rgb(249, 168, 37)', high: 'rgb(198, 40, 40)' }
  let seen = 0
  for (const g of answer.grids) {
    const item = page.locator(`[data-test="grid-item"][data-grid-id="${g.area_id}"]`)
    if (!(await item.count())) continue
    seen++
    assert.equal(await item.locator('[data-test="grid-item-level"]').getAttribute('data-level'), g.level, g.name)
    assert.equal(await item.locator('.sw').evaluate((el) => getComputedStyle(el).backgroundColor), colour[g.level], g.name)
  }
  assert.ok(seen > 0, 'the list shows the community\'s grids')
  assert.equal(await page.locator('[data-test="legend-level-rules"]').getAttribute('href'), '/levels/rules')
  await env.shot(page, 'map-levels')
  assert.deepEqual(page.errors, [])
  await page.context().close()
})

test('the map\'s area panel shows the grid\'s level with its reasons in Chinese and English, and its history', async () => {
  const page = await env.page()
  await env.login(page, 'street')
  const street = (await env.api('street', 'GET', '/api/v1/me')).roles[0].area_id
  const answer = await env.api('street', 'GET', `/api/v1/levels?area_id=${street}`)
  const grid = answer.grids.find((g) => g.reasons.length) ?? answer.grids[0]
  await page.goto(env.url(`/map?area=${grid.area_id}`))

  const panel = page.locator(`[data-test="grid-panel"][data-area-id="${grid.area_id}"] [data-test="panel-level"][data-level-state="ready"]`)
  await panel.waitFor()
  assert.equal(await panel.getAttribute('data-level'), grid.level)
  assert.equal((await panel.locator('[data-test="panel-level-chip"]').innerText()).trim(), texts.zh.registry.map['level_' + grid.level])
  const reasons = panel.locator('[data-test="panel-level-reason"]')
  assert.equal(await reasons.count(), grid.reasons.length)
  const reasonTexts = async (lang) => {
    for (const [i, r] of grid.reasons.entries()) {
      const row = reasons.nth(i)
      assert.equal(await row.getAttribute('data-signal'), r.signal)
      assert.equal(await row.getAttribute('data-level'), r.level)
      const text = (await row.innerText()).trim()
      assert.ok(text.includes(texts[lang].registry.map['level_' + r.level]), text)
      if (r.signal !== 'child') {
        assert.ok(text.startsWith(texts[lang].levels.signal[r.signal]), `${text} names ${r.signal} in ${lang}`)
        assert.ok(text.includes('≥'), text)
      }
    }
  }
  await reasonTexts('zh')

  // The history: the changes of the grid's level, newest first.
  const history = (await env.api('street', 'GET', `/api/v1/levels/history?area_id=${grid.area_id}`)).items
  await panel.locator('[data-test="panel-level-history-toggle"]').click()
  await panel.locator('[data-test="panel-level-history"][data-history-state="ready"]').waitFor()
  const changes = panel.locator('[data-test="panel-level-change"]')
  assert.equal(await changes.count(), history.length)
  if (history.length) assert.equal(await changes.first().getAttribute('data-level'), history[0].level)
  await panel.scrollIntoViewIfNeeded()
  await env.shot(page, 'map-level-panel')

  // In English the same reasons read in English.
  await page.locator('[data-test="language"]').selectOption('en')
  await panel.locator('[data-test="panel-level-chip"]', { hasText: texts.en.registry.map['level_' + grid.level] }).waitFor()
  await reasonTexts('en')
  await page.locator('[data-test="language"]').selectOption('zh-CN')
  await panel.locator('[data-test="panel-level-chip"]', { hasText: texts.zh.registry.map['level_' + grid.level] }).waitFor()
  assert.deepEqual(page.errors, [])
  await page.context().close()
})

/**
 * A change of one threshold that moves a grid's level: a grid high by one
 * signal alone drops when that signal's high threshold is turned off; else a
 * grid with a medium reason rises when that signal's high threshold is set
 * to its medium one.
 */
function levelMovingChange(rules, grids) {
  const rule = (s) => rules.find((r) => r.signal === s)
  for (const g of grids) {
    const highs = new Set(g.reasons.filter((r) => r.level === 'high').map((r) => r.signal))
    if (g.level === 'high' && highs.size === 1) {
      const [signal] = highs
      if (signal !== 'child' && rule(signal).high !== null) return { grid: g, key: `${signal}.high`, input: '', value: null, expect: (l) => l !== 'high' }
    }
  }
  for (const g of grids) {
    const r = g.level !== 'high' && g.reasons.find((x) => x.level === 'medium' && x.signal !== 'child')
    if (r) return { grid: g, key: `${r.signal}.high`, input: String(rule(r.signal).medium), value: rule(r.signal).medium, expect: (l) => l === 'high' }
  }
  return null
}

test('a district official edits the level rules: a bad value is named at its input, a good one saves and re-levels; others only read them', async () => {
  const page = await env.page()
  await env.login(page, 'district')
  const nav = page.locator('[data-test="nav-level-rules"]')
  assert.equal((await nav.innerText()).trim(), texts.zh.levels.nav)
  await nav.click()
  await page.waitForURL((u) => u.pathname === '/levels/rules')
  const form = page.locator('[data-test="level-rules"][data-editable="true"]')
  await form.waitFor()
  const rows = form.locator('[data-test="rule-row"]')
  assert.equal(await rows.count(), 7)
  for (const row of await rows.all()) {
    const signal = await row.getAttribute('data-signal')
    assert.equal((await row.locator('[data-test="rule-name"]').innerText()).trim(), texts.zh.levels.signal[signal])
    assert.ok((await row.locator('[data-test="rule-explain"]').innerText()).includes(texts.zh.levels.explain[signal]), signal)
  }
  const before = await env.api('district', 'GET', '/api/v1/levels/rules')
  assert.equal(await form.locator('[data-test="rule-observation.medium"]').inputValue(), String(before.rules.find((r) => r.signal === 'observation').medium))

  // A high threshold below its medium one: the server refuses it, named at the input; nothing is stored.
  await form.locator('[data-test="rule-observation.high"]').fill('1')
  await form.locator('[data-test="rules-save"]').click()
  const error = form.locator('[data-test="rule-error-observation.high"]')
  await error.waitFor()
  assert.equal((await error.innerText()).trim(), texts.zh.errors.msg.rule_order)
  assert.match(await form.locator('[data-test="rule-observation.high"]').getAttribute('class'), /invalid/)
  assert.deepEqual(await env.api('district', 'GET', '/api/v1/levels/rules'), before)
  await form.locator('[data-test="rules-undo"]').click()
  await error.waitFor({ state: 'detached' })

  // A good value saves and re-levels at once.
  const district = (await env.api('district', 'GET', '/api/v1/me')).roles[0].area_id
  const now = await env.api('district', 'GET', `/api/v1/levels?area_id=${district}`)
  const change = levelMovingChange(before.rules, now.grids)
  assert.ok(change, 'the demo has a grid whose level one threshold moves')
  await form.locator(`[data-test="rule-${change.key}"]`).fill(change.input)
  await form.locator('[data-test="rules-changed"]').waitFor()
  await form.locator('[data-test="rules-save"]').click()
  await form.locator('[data-test="rules-saved"]').waitFor()
  const [signal, which] = change.key.split('.')
  const after = await env.api('district', 'GET', '/api/v1/levels/rules')
  assert.equal(after.rules.find((r) => r.signal === signal)[which], change.value)
  const relevelled = await env.api('district', 'GET', `/api/v1/levels?area_id=${district}`)
  const moved = relevelled.grids.find((g) => g.area_id === change.grid.area_id)
  assert.ok(change.expect(moved.level), `${moved.name}: ${change.grid.level} → ${moved.level} after ${change.key} = ${change.input || 'off'}`)
  // The levels now follow.
  const count = (l) => relevelled.grids.filter((g) => g.level === l).length
  await page.locator(`[data-test="levels-now-area"][data-area-id="${district}"][data-high="${count('high')}"][data-medium="${count('medium')}"][data-low="${count('low')}"]`).waitFor()

  // Recompute now: the summary of what it did.
  await page.locator('[data-test="levels-recompute"]').click()
  const summary = page.locator('[data-test="recompute-summary"]')
  await summary.waitFor()
  const areaCount = (await env.api('district', 'GET', '/api/v1/areas?limit=1000')).items.length
  assert.equal(Number(await summary.getAttribute('data-areas')), areaCount)
  await env.shot(page, 'level-rules')
  assert.deepEqual(page.errors, [])
  await page.context().close()

  // Others who may read levels see the rules without inputs or buttons.
  const other = await env.page()
  await env.login(other, 'volunteer')
  await other.locator('[data-test="nav-level-rules"]').click()
  const readOnly = other.locator('[data-test="level-rules"][data-editable="false"]')
  await readOnly.waitFor()
  await other.locator('[data-test="level-rules-read-only"]').waitFor()
  const shown = (await readOnly.locator(`[data-test="rule-value-${change.key}"]`).innerText()).trim()
  const expected = change.value === null ? texts.zh.levels.off
    : signal === 'missed_rate' ? `${Math.round(change.value * 1000) / 10}%` : String(change.value)
  assert.equal(shown, expected)
  assert.equal(await readOnly.locator('input').count(), 0)
  assert.equal(await other.locator('[data-test="rules-save"], [data-test="levels-recompute"]').count(), 0)
  assert.deepEqual(other.errors, [])
  await other.context().close()

  await env.api('admin', 'PUT', '/api/v1/levels/rules', { [change.key]: before.rules.find((r) => r.signal === signal)[which] })
})
