// An accessibility scan of the page a playwright-core page shows, with axe-core: the WCAG 2.x A
// and AA rules. Serious and critical findings block; minor and moderate ones are printed only.
//
//   import { scan } from './axe.mjs';
//   const result = await scan(page, 'sign-in');          // prints one line (and the findings)
//   if (result.blocking.length) ...                       // or: await scan(page, label, { throws: true })
//
// The pages' Content-Security-Policy stops inline scripts, axe's own included: open them in a
// context created with `bypassCSP: true`.
//
// `excluded` takes away, on one page, the findings of one rule on the elements a selector matches
// (the element or an ancestor): for markup this project cannot change, each with the reason.
//   { rule: 'color-contrast', selector: '.some-vendor-class', why: '...' }
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
export const BLOCKING = ['serious', 'critical'];

export class AccessibilityError extends Error {}

export async function scan(page, label, { excluded = [], throws = false } = {}) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ content: axeSource });
  }
  const { violations, dropped, checked, review } = await page.evaluate(
    async ({ tags, excluded }) => {
      const results = await window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
        elementRef: true,
      });
      const checked = results.passes.length + results.violations.length;
      const review = results.incomplete.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => v.id);
      let dropped = 0;
      const violations = [];
      for (const v of results.violations) {
        const rules = excluded.filter((e) => e.rule === v.id);
        const nodes = v.nodes.filter((n) => {
          const hit = n.element && rules.some((e) => n.element.closest(e.selector));
          if (hit) dropped += 1;
          return !hit;
        });
        if (nodes.length === 0) continue;
        violations.push({
          id: v.id,
          impact: v.impact,
          help: v.help,
          helpUrl: v.helpUrl,
          nodes: nodes.map((n) => ({ target: n.target.join(' '), impact: n.impact, summary: n.failureSummary })),
        });
      }
      return { violations, dropped, checked, review };
    },
    { tags: TAGS, excluded: excluded.map(({ rule, selector }) => ({ rule, selector })) },
  );

  const blocking = violations.filter((v) => BLOCKING.includes(v.impact));
  const others = violations.filter((v) => !BLOCKING.includes(v.impact));
  const list = (vs) => vs.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`).join(', ');
  const parts = [blocking.length ? `${blocking.length} serious/critical: ${list(blocking)}` : 'no serious/critical finding'];
  if (others.length) parts.push(`minor/moderate: ${list(others)}`);
  if (review.length) parts.push(`left to review by hand: ${review.join(', ')}`);
  if (dropped) parts.push(`${dropped} excluded (${[...new Set(excluded.map((e) => e.rule))].join(', ')})`);
  console.log(`${blocking.length ? 'FAIL' : 'ok  '} ${label} (${checked} rules apply): ${parts.join('; ')}`);
  for (const v of blocking) {
    console.log(`       ${v.id} [${v.impact}] ${v.help} — ${v.helpUrl}`);
    for (const n of v.nodes.slice(0, 10)) console.log(`         ${n.target}`);
    if (v.nodes.length > 10) console.log(`         … and ${v.nodes.length - 10} more`);
  }

  const result = { label, url: page.url(), violations, blocking, excluded: dropped, review };
  if (throws && blocking.length) {
    const detail = blocking.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`).join('; ');
    throw new AccessibilityError(`${label}: ${detail}`);
  }
  return result;
}
